"""Overdue commitments: marked as such wherever they are listed, and their owners nudged the day before and on
the due date, each nudge once, by an idempotent scheduler run (time moved with `now=`)."""

from __future__ import annotations

from datetime import date, time

import pytest

from checkins import commitment_reminders as nudges
from checkins import tasks
from checkins.models import Commitment, Renegotiation
from notifications.models import Delivery, Notification
from tests.checkins.conftest import at, url

pytestmark = pytest.mark.django_db

DUE = date(2026, 11, 19)  # the Thursday of the week of MONDAY (16 Nov 2026), in Europe/London


@pytest.fixture
def runbook(team, member):
    return Commitment.objects.create(team=team, owner=member, created_by=member, title="Failover runbook",
                                     standard="Tested in a drill", due_on=DUE, state="open")


# Words ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("today", "words"), [
    (date(2026, 11, 17), "due Thu 19 Nov"),
    (date(2026, 11, 18), "due tomorrow"),
    (date(2026, 11, 19), "due today"),
    (date(2026, 11, 20), "1 day overdue (due Thu 19 Nov)"),
    (date(2026, 11, 25), "6 days overdue (due Thu 19 Nov)"),
    (date(2026, 11, 26), "1 week overdue (due Thu 19 Nov)"),
    (date(2026, 12, 10), "3 weeks overdue (due Thu 19 Nov)"),
    (date(2027, 1, 4), "6 weeks overdue (due Thu 19 Nov 2026)"),
])
def test_when_a_commitment_is_due_in_words(today, words):
    assert Commitment(due_on=DUE, state="open").due_phrase(today) == words


def test_a_closed_commitment_is_never_overdue():
    done = Commitment(due_on=DUE, state="done")
    assert not done.is_overdue(date(2026, 12, 3)) and done.due_phrase(date(2026, 12, 3)) == "due Thu 19 Nov"


def test_overdue_commitments_are_marked_where_they_are_listed(login, member, leader, runbook, team, frozen):
    Commitment.objects.create(team=team, owner=member, created_by=leader, title="Pager rota", standard="Published",
                              due_on=date(2026, 11, 11), state="requested")
    frozen(at(17, "10:00"))  # Thursday 3 December

    listing = login(member).get(url("commitments")).content.decode()
    detail = login(member).get(runbook.get_absolute_url()).content.decode()
    checkin_form = login(member).get(url("this_week")).content.decode()
    week = login(leader).get(url("week")).content.decode()

    assert "2 weeks overdue (due Thu 19 Nov)" in listing and "3 weeks overdue (due Wed 11 Nov)" in listing
    assert listing.count('<span class="badge overdue">overdue</span>') == 2
    assert "due Thu 19 Nov · open" not in listing
    assert "· 2 weeks overdue</strong>" in detail and '<span class="badge overdue">' in detail
    assert "2 weeks overdue (due Thu 19 Nov)" in checkin_form
    assert "3 weeks overdue (due Wed 11 Nov)" in week  # the request still waiting for its answer


# Nudges -----------------------------------------------------------------------------------------------


def test_the_owner_is_nudged_the_day_before_and_on_the_day_once_each(member, runbook):
    assert nudges.send_commitment_nudges(now=at(2, "08:59")).sent == 0  # Wednesday before the working day
    assert nudges.send_commitment_nudges(now=at(2, "09:00")).sent == 1
    assert nudges.send_commitment_nudges(now=at(2, "17:00")).sent == 0  # a second run sends nothing twice
    assert nudges.send_commitment_nudges(now=at(3, "08:00")).sent == 0  # the due day, before 09:00
    assert nudges.send_commitment_nudges(now=at(3, "09:30")).sent == 1
    assert nudges.send_commitment_nudges(now=at(3, "23:00")).sent == 0

    told = Notification.objects.filter(recipient=member, kind=nudges.COMMITMENT_DUE).order_by("pk")
    assert [n.subject for n in told] == ["Platform: “Failover runbook” is due tomorrow",
                                         "Platform: “Failover runbook” is due today"]
    assert told[0].url == runbook.get_absolute_url() and "Tested in a drill" in told[0].body
    assert "ask to defer, rescope, hand it over or drop it" in told[0].body


def test_a_missed_nudge_is_not_sent_late(runbook):
    assert nudges.send_commitment_nudges(now=at(4, "09:00")).sent == 0  # the day after: "due today" would be wrong
    assert not Delivery.objects.exists()


def test_closed_asked_and_archived_team_commitments_are_not_nudged(team, member, leader, runbook):
    runbook.state = "done"
    runbook.save()
    Commitment.objects.create(team=team, owner=member, created_by=leader, title="Asked", standard="x",
                              due_on=DUE, state="requested")

    assert nudges.send_commitment_nudges(now=at(3, "10:00")).sent == 0


def test_a_deferred_commitment_is_nudged_again_for_its_new_date(member, leader, runbook):
    nudges.send_commitment_nudges(now=at(3, "10:00"))
    Renegotiation.objects.create(commitment=runbook, kind="defer", reason="Drill moved", asked_by=member,
                                 was_due_on=DUE, was_owner=member, proposed_due_on=date(2026, 11, 24),
                                 state="accepted", decided_at=at(3, "11:00"), decided_by=leader)
    runbook.due_on = date(2026, 11, 24)
    runbook.save()

    assert nudges.send_commitment_nudges(now=at(8, "10:00")).sent == 1  # Tuesday 24 November


def test_a_nudge_in_quiet_hours_is_held(member, runbook):
    member.quiet_hours_start, member.quiet_hours_end, member.time_zone = time(8, 0), time(12, 0), "Europe/London"
    member.save()

    nudges.send_commitment_nudges(now=at(2, "10:00"))

    delivery = Delivery.objects.get(kind=nudges.COMMITMENT_DUE)
    assert delivery.status == Delivery.Status.HELD


def test_nudges_follow_the_team_zone(team, runbook):
    team.time_zone = "Pacific/Auckland"  # 13 hours ahead of London in November
    team.save()

    # 09:00 on Wednesday in Auckland is 20:00 on Tuesday in London.
    assert nudges.send_commitment_nudges(now=at(1, "19:59")).sent == 0
    assert nudges.send_commitment_nudges(now=at(1, "20:00")).sent == 1


def test_the_task_runs_the_nudges(frozen, runbook):
    frozen(at(2, "10:00"))
    assert tasks.nudge_due_commitments() == {"sent": 1, "skipped": 0, "failed": 0}
    assert tasks.nudge_due_commitments() == {"sent": 0, "skipped": 0, "failed": 0}


def test_the_beat_runs_the_task(settings):
    entries = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "checkins.tasks.nudge_due_commitments" in entries


@pytest.mark.parametrize("owners", [1, 20])
def test_a_run_costs_the_same_with_1_or_20_commitments(team, make_user, add_member, owners,
                                                       django_assert_num_queries):
    for n in range(owners):
        person = make_user(f"owner{n}@example.com", f"Owner {n}")
        add_member(team, person, "member")
        Commitment.objects.create(team=team, owner=person, created_by=person, title=f"Thing {n}", standard="x",
                                  due_on=DUE, state="open")

    # The candidate commitments with owners and teams; the deliveries made for their keys; then deliver_many:
    # its savepoint, the claims already made, the preferences, the new claims (in a savepoint of their own,
    # and its release), the notifications, and the release of its savepoint.
    with django_assert_num_queries(10):
        assert nudges.send_commitment_nudges(now=at(3, "10:00")).sent == owners
    with django_assert_num_queries(2):  # a second run: the candidates, the deliveries; nothing to send
        assert nudges.send_commitment_nudges(now=at(3, "11:00")).sent == 0
