"""A charter asks to be revisited: each condition fires once, and not again until it changes.

The scheduler's check (`reviews.triggers.fire_due_triggers`) with the clock moved, the leader told once,
My week and the calendar feed, the review date set at ratification, and the evidence as members may read it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from alignment import confirm, my_week
from alignment.models import Membership
from alignment.permissions import memberships_of
from asks.models import Ask, Route
from charters import services as charter_services
from charters.models import Charter, Response
from notifications.models import Delivery
from notifications.services import calendar_events
from reviews import services
from reviews.models import ReviewCycle, ReviewTrigger
from reviews.triggers import TRIGGER, fire_due_triggers
from tests.reviews.trigger_factories import (
    LONDON,
    NOW,
    RATIFIED,
    WEEKS,
    charter_ratified,
    check_in,
    non_negotiable,
    trigger_url,
)

Kind = ReviewTrigger.Kind


@pytest.fixture
def charter(team, leader, member, facilitator, frozen) -> Charter:
    return charter_ratified(team, leader, frozen)


def strain_three_weeks(team, member, charter, *, note: str = "We merged unreviewed to hit the date"):
    nn = non_negotiable(charter)
    for week in WEEKS[1:]:
        check_in(team, member, week, strained=nn, note=note)
    return nn


def test_a_non_negotiable_strained_in_3_of_the_last_4_weeks_asks_once_and_tells_the_leader(
        team, leader, member, facilitator, charter):
    strain_three_weeks(team, member, charter)
    check_in(team, facilitator, WEEKS[2], strained=non_negotiable(charter))  # a week counts once

    assert fire_due_triggers(now=NOW).sent == 1
    trigger = ReviewTrigger.objects.get()
    assert (trigger.kind, trigger.charter, trigger.state) == (Kind.STRAINED, charter, ReviewTrigger.State.OPEN)
    assert trigger.headline == "“Non-negotiable 1” was strained in 3 of the last 4 weeks"
    assert trigger.evidence["weeks"] == ["2026-11-02", "2026-11-09", "2026-11-16"]
    assert trigger.evidence["flags"] == 4
    told = Delivery.objects.get(kind=TRIGGER)
    assert told.recipient == leader  # the leaders only: the member and facilitator are not told

    # The next run, and the one after, find it fired: nothing more, nobody told twice.
    assert fire_due_triggers(now=NOW + timedelta(hours=1)).sent == 0
    assert ReviewTrigger.objects.count() == 1 and Delivery.objects.filter(kind=TRIGGER).count() == 1


def test_two_strained_weeks_drafts_and_weeks_before_ratification_do_not_ask(team, leader, member, frozen):
    charter = charter_ratified(team, leader, frozen, at=datetime(2026, 11, 4, 10, 0, tzinfo=LONDON))
    nn = non_negotiable(charter)
    check_in(team, member, WEEKS[0], strained=nn)  # before the version was ratified: another version's story
    check_in(team, member, WEEKS[2], strained=nn)
    check_in(team, member, WEEKS[3], strained=nn, state="draft")
    check_in(team, member, date(2026, 11, 23), strained=nn)  # this week has not ended yet

    fire_due_triggers(now=NOW)

    assert not ReviewTrigger.objects.filter(kind=Kind.STRAINED).exists()


def test_the_team_sets_how_many_strained_weeks_ask(team, leader, member, charter):
    team.strain_trigger_weeks, team.strain_trigger_window = 2, 2
    team.save(update_fields=["strain_trigger_weeks", "strain_trigger_window"])
    check_in(team, member, WEEKS[2], strained=non_negotiable(charter, 2))
    check_in(team, member, WEEKS[3], strained=non_negotiable(charter, 2))

    fire_due_triggers(now=NOW)

    assert ReviewTrigger.objects.get().evidence["non_negotiable"] == "Non-negotiable 2"


def test_unclear_who_decides_asks_once_counted_from_check_ins_and_requests(team, other_team, leader, member,
                                                                            facilitator, charter):
    check_in(team, member, WEEKS[2], question="Who picks the on-call tool?")
    Ask.objects.create(asking_team=other_team, receiving_team=team, title="Move the release day",
                       route=Route.UNCLEAR, created_at=NOW - timedelta(days=3))
    fire_due_triggers(now=NOW)
    assert not ReviewTrigger.objects.exists()  # 2 of 3

    check_in(team, facilitator, WEEKS[3], question="Who owns the status page?")
    fire_due_triggers(now=NOW)
    fire_due_triggers(now=NOW)

    trigger = ReviewTrigger.objects.get()
    assert trigger.kind == Kind.UNCLEAR
    assert trigger.evidence["sources"] == {"check-ins": 2, "requests from other teams": 1}
    assert trigger.evidence["quotes"] == ["Who picks the on-call tool?", "Who owns the status page?"]


def test_ratifying_sets_the_review_date_at_the_end_of_the_second_cycle(team, charter):
    cycle = ReviewCycle.objects.get(team=team)
    assert charter.review_on == cycle.end_date + timedelta(weeks=team.review_cadence_weeks)
    charter.refresh_from_db()
    assert charter.review_on == RATIFIED.date() + timedelta(weeks=2 * team.review_cadence_weeks)


def test_the_review_date_asks_when_it_comes_and_again_only_for_a_new_date(team, leader, charter):
    Charter.objects.filter(pk=charter.pk).update(review_on=date(2026, 11, 28))
    fire_due_triggers(now=NOW)
    assert not ReviewTrigger.objects.exists()  # tomorrow

    fire_due_triggers(now=NOW + timedelta(days=1))
    trigger = ReviewTrigger.objects.get(kind=Kind.REVIEW_DATE)
    services.dismiss_trigger(team=team, trigger_id=trigger.pk, actor=leader, reason="Reviewed at the offsite")
    fire_due_triggers(now=NOW + timedelta(days=2))
    assert ReviewTrigger.objects.count() == 1  # dismissed: it does not come back for this date

    services.set_review_date(team=team, review_on=date(2026, 12, 10))
    fire_due_triggers(now=NOW + timedelta(days=14))
    assert ReviewTrigger.objects.filter(kind=Kind.REVIEW_DATE).count() == 2  # a new date is a new subject


def test_consent_debt_asks_when_more_than_a_third_who_consented_have_left(team, leader, member, facilitator,
                                                                         make_user, add_member, charter):
    third = make_user("third@example.com", "Thea Third")
    add_member(team, third, "member")
    for person in (member, facilitator, third):
        Response.objects.create(charter=charter, member=person, kind=Response.Kind.CONSENT)
    Membership.objects.filter(team=team, user=third).delete()
    fire_due_triggers(now=NOW)
    assert not ReviewTrigger.objects.exists()  # one of three: a third, not more

    Membership.objects.filter(team=team, user=facilitator).delete()
    fire_due_triggers(now=NOW)

    trigger = ReviewTrigger.objects.get()
    assert (trigger.kind, trigger.evidence) == (Kind.CONSENT_DEBT, {"consented": 3, "left": 2})


def test_a_new_ratified_version_starts_afresh(team, leader, member, charter, frozen):
    strain_three_weeks(team, member, charter)
    fire_due_triggers(now=NOW)
    first = ReviewTrigger.objects.get()

    taken = services.take_up_trigger(team=team, trigger_id=first.pk, actor=leader, now=NOW)
    charter_services.propose(charter=taken.amendment, actor=leader)
    charter_services.ratify(charter=taken.amendment, actor=leader, despite_gaps=True)
    fire_due_triggers(now=NOW + timedelta(hours=1))

    assert list(ReviewTrigger.objects.values_list("pk", flat=True)) == [first.pk]  # the old weeks stay with v1

    nn = non_negotiable(taken.amendment)
    for week in (date(2026, 11, 30), date(2026, 12, 7), date(2026, 12, 14)):
        check_in(team, member, week, strained=nn)
    fire_due_triggers(now=datetime(2026, 12, 22, 9, 0, tzinfo=LONDON))

    assert ReviewTrigger.objects.get(charter=taken.amendment).kind == Kind.STRAINED


def test_starting_the_amendment_fills_in_the_note_and_shows_the_evidence_on_the_draft(client, team, leader, member,
                                                                                      charter):
    team.checkins_open_to_team = True
    team.save(update_fields=["checkins_open_to_team"])
    strain_three_weeks(team, member, charter)
    fire_due_triggers(now=NOW)
    trigger = ReviewTrigger.objects.get()
    client.force_login(leader)

    response = client.post(trigger_url("trigger_amend", trigger))

    draft = Charter.objects.get(team=team, state=Charter.State.DRAFT)
    assert response.url == draft.get_absolute_url()
    assert draft.amendment_note.startswith("The charter asked to be revisited: “Non-negotiable 1” was strained")
    assert "“We merged unreviewed to hit the date”" in draft.amendment_note
    trigger.refresh_from_db()
    assert (trigger.state, trigger.amendment, trigger.closed_by) == (ReviewTrigger.State.TAKEN_UP, draft, leader)
    page = client.get(draft.get_absolute_url())
    assertContains(page, "Why this amendment")
    assertContains(page, "We merged unreviewed to hit the date", count=2)  # once in the note, once as evidence

    # Pressed again: it is taken up already, in the same draft.
    assert client.post(trigger_url("trigger_amend", trigger)).url == draft.get_absolute_url()
    assert Charter.objects.filter(team=team).count() == 2


def test_a_draft_in_progress_takes_the_evidence_instead_of_failing(team, leader, member, charter):
    draft = charter_services.start_amendment(team=team, actor=leader, note="Tidying the process")
    Charter.objects.filter(pk=charter.pk).update(review_on=date(2026, 11, 1))
    fire_due_triggers(now=NOW)

    taken = services.take_up_trigger(team=team, trigger_id=ReviewTrigger.objects.get().pk, actor=leader, now=NOW)

    assert taken.amendment == draft
    draft.refresh_from_db()
    assert draft.amendment_note == "Tidying the process"  # the leader's own words are left alone


@pytest.mark.parametrize("open_to_team", [False, True], ids=["closed check-ins", "open check-ins"])
def test_members_read_the_evidence_with_words_only_when_check_ins_are_open(client, team, leader, member, charter,
                                                                           open_to_team):
    team.checkins_open_to_team, team.privacy_minimum = open_to_team, 5
    team.save(update_fields=["checkins_open_to_team", "privacy_minimum"])
    strain_three_weeks(team, member, charter, note="Pressure from sales")
    fire_due_triggers(now=NOW)
    client.force_login(member)

    page = client.get(trigger_url("trigger", ReviewTrigger.objects.get()))

    assertContains(page, "in 3 of the last 4 completed weeks")
    assertContains(page, "fewer than 5 check-ins named it")  # a count of people, below the team's minimum
    assertNotContains(page, "Start the amendment")
    if open_to_team:
        assertContains(page, "Pressure from sales")
    else:
        assertNotContains(page, "Pressure from sales")
        assertContains(page, "only counts are shown here")


def test_my_week_shows_the_prompt_to_leaders_until_it_is_dismissed(client, team, leader, member, charter):
    strain_three_weeks(team, member, charter)
    fire_due_triggers(now=NOW)
    trigger = ReviewTrigger.objects.get()

    def lines(person):
        return [line.text for line in my_week.my_week(person, memberships_of(person), NOW).lines
                if line.kind == "review_trigger"]

    assert lines(leader) == [f"The charter asks to be revisited: {trigger.headline}"]
    assert lines(member) == []

    client.force_login(leader)
    assert client.post(trigger_url("trigger_dismiss", trigger), {"reason": "We know"}).status_code == 200  # asked
    client.post(trigger_url("trigger_dismiss", trigger), {"reason": "We know", **confirm.CONFIRMED})

    trigger.refresh_from_db()
    assert (trigger.state, trigger.dismiss_reason) == (ReviewTrigger.State.DISMISSED, "We know")
    assert lines(leader) == []
    assertContains(client.get(trigger_url("trigger", trigger)), "“We know”")


def test_the_review_date_is_on_the_charter_page_and_in_the_calendar_feed(client, team, leader, member, charter):
    client.force_login(leader)
    response = client.post(reverse("reviews:review_date", args=["harbour", "platform"]), {"review_on": "2027-01-15"})
    assert response.status_code == 302
    charter.refresh_from_db()
    assert charter.review_on == date(2027, 1, 15)
    assertContains(client.get(reverse("charters:detail", args=["harbour", "platform"])), "Review by 15 January 2027")

    events = calendar_events(member, datetime(2027, 1, 1, tzinfo=LONDON), datetime(2027, 2, 1, tzinfo=LONDON))
    review = next(e for e in events if e.uid.startswith("charter-review/"))
    assert (review.start, review.end) == (datetime(2027, 1, 15, tzinfo=LONDON), datetime(2027, 1, 16, tzinfo=LONDON))
    assert review.title == "Platform: review the charter (version 1)"


def test_the_thresholds_are_team_settings(client, team, leader):
    client.force_login(leader)
    data = {"name": team.name, "time_zone": team.time_zone, "checkin_weekday": team.checkin_weekday,
            "checkin_time": "10:00", "review_cadence_weeks": team.review_cadence_weeks,
            "privacy_minimum": team.privacy_minimum, "version": team.version,
            "strain_trigger_weeks": 2, "strain_trigger_window": 6, "unclear_trigger_count": 5}

    client.post(reverse("team_settings", args=["harbour", "platform"]), data)

    team.refresh_from_db()
    assert (team.strain_trigger_weeks, team.strain_trigger_window, team.unclear_trigger_count) == (2, 6, 5)


def test_the_scheduler_task_fires_and_the_preview_lists_the_check(team, leader, charter, frozen):
    from alignment import schedule
    from reviews.tasks import fire_review_triggers

    Charter.objects.filter(pk=charter.pk).update(review_on=NOW.date())

    assert fire_review_triggers() == {"sent": 1, "skipped": 0, "failed": 0}
    assert fire_review_triggers() == {"sent": 0, "skipped": 0, "failed": 0}
    assert schedule.upcoming([team], NOW)[team.pk]["review trigger check"] == NOW.replace(minute=0) + timedelta(hours=1)
