"""A consent round that ends on its date: reminders before it closes, a leader's "remind who hasn't
answered", the round closing by itself on its date (ratified by `ratify`'s own rules, or the leaders told
what blocks it), "amended" only after a real change, and the leaders told of comments and resolutions.

Time moves by passing `now=` to the scheduler and services: the team's zone is Europe/London.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.db.models import F
from django.utils import timezone
from pytest_django.asserts import assertContains

from alignment.errors import ActionRefused
from charters import notices, rounds, services
from charters.models import Charter, Response
from notifications.models import Delivery, Notification
from tests.charters.conftest import charter_url
from tests.charters.factories import complete_charter
from tests.concurrency import on_postgresql, run_concurrently

HTMX = {"HTTP_HX_REQUEST": "true"}
LONDON = zoneinfo.ZoneInfo("Europe/London")


def told(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__email", flat=True))


def at(day, hour: int = 10, minute: int = 0, zone=LONDON) -> datetime:
    """A moment on `day` in the team's zone."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


@pytest.fixture
def closes():
    return timezone.localdate(timezone=LONDON) + timedelta(days=5)


@pytest.fixture
def proposed(team, leader, member, facilitator, closes) -> Charter:
    return services.propose(charter=complete_charter(team, leader), actor=leader, responses_close_on=closes)


def consent(charter: Charter, person) -> Response:
    return services.respond(charter=charter, member=person, kind=Response.Kind.CONSENT, reason="")


def reload(charter: Charter) -> Charter:
    return Charter.objects.get(pk=charter.pk)


# Reminders before the closing date --------------------------------------------------------------------------

def test_two_days_before_the_closing_day_whoever_has_not_answered_is_reminded_once(proposed, member, closes):
    consent(proposed, member)

    counts = rounds.run(now=at(closes - timedelta(days=2)))
    again = rounds.run(now=at(closes - timedelta(days=2), hour=16))

    assert (counts.reminded, again.reminded) == (1, 0)
    assert told(notices.CONSENT_REMINDER) == ["facilitator@example.com"]
    notice = Notification.objects.get(kind=notices.CONSENT_REMINDER)
    assert notice.url == "/o/harbour/t/platform/charter/v1/#consent"
    assert f"is due {closes:%A} {closes.day} {closes:%B}" in notice.subject
    assert "You have not given your word yet" in notice.body


def test_the_last_day_brings_a_second_reminder_and_no_day_in_between(proposed, closes):
    rounds.run(now=at(closes - timedelta(days=2)))
    assert rounds.run(now=at(closes - timedelta(days=1))).reminded == 0
    assert rounds.run(now=at(closes)).reminded == 2  # the member and the facilitator

    assert Delivery.objects.filter(kind=notices.CONSENT_REMINDER).count() == 4
    assert Charter.objects.get().is_proposed  # the last day is still a day to answer


def test_no_reminder_before_the_working_day_starts_in_the_teams_zone(team, proposed, closes):
    team.time_zone = "Pacific/Auckland"
    team.save(update_fields=["time_zone"])
    auckland = zoneinfo.ZoneInfo("Pacific/Auckland")
    two_days_before = closes - timedelta(days=2)

    assert rounds.run(now=at(two_days_before, hour=8, minute=59, zone=auckland)).reminded == 0
    # 9:00 in Auckland is the evening before in London, and the day before in UTC: the team's day counts.
    assert rounds.run(now=at(two_days_before, hour=9, zone=auckland)).reminded == 2


def test_someone_who_answered_an_earlier_text_is_reminded_with_what_changed(proposed, member, facilitator, closes):
    consent(proposed, member)
    consent(proposed, facilitator)
    services.update_people(charter=proposed, expected_version=1, people="We include carers.")

    rounds.run(now=at(closes))

    notices_ = Notification.objects.filter(kind=notices.CONSENT_REMINDER)
    assert {n.url for n in notices_} == {"/o/harbour/t/platform/charter/v1/since-you-responded/"}
    assert all("You responded to an earlier text" in n.body for n in notices_)


def test_the_two_days_before_reminder_is_not_sent_on_the_day_of_the_proposal(team, leader, member):
    today = timezone.localdate(timezone=LONDON)
    services.propose(charter=complete_charter(team, leader), actor=leader,
                     responses_close_on=today + timedelta(days=2))

    assert rounds.run(now=timezone.now().replace(hour=23, minute=0)).reminded == 0


def test_the_schedule_preview_shows_the_next_reminder_and_the_closing(team, proposed, closes):
    times = rounds.next_times([team], at(closes - timedelta(days=4)))[team.pk]

    assert times["charter consent reminder"] == at(closes - timedelta(days=2), hour=9)
    assert times["charter consent round closes"] == at(closes + timedelta(days=1), hour=0)


# A leader's "remind who hasn't answered" ----------------------------------------------------------------------

def test_the_leader_reminds_who_has_not_answered_once(login, leader, member, proposed):
    consent(proposed, member)

    response = login(leader).post(charter_url("remind", 1), **HTMX)

    assertContains(response, "Last reminded")
    assert told(notices.CONSENT_REMINDER) == ["facilitator@example.com"]
    notice = Notification.objects.get(kind=notices.CONSENT_REMINDER)
    assert notice.body.startswith("Lena Leader asks everyone whose word is missing to give it.")
    assert reload(proposed).reminded_at is not None


def test_a_second_reminder_the_same_day_is_refused_with_why_in_place(login, leader, proposed):
    client = login(leader)
    client.post(charter_url("remind", 1), **HTMX)

    response = client.post(charter_url("remind", 1), **HTMX)

    assertContains(response, "Reminders go out at most once a day", status_code=400)
    assertContains(response, 'id="consent"', status_code=400)
    assert Delivery.objects.filter(kind=notices.CONSENT_REMINDER).count() == 2  # the member and the facilitator


def test_the_leader_may_remind_again_the_next_day_in_the_teams_zone(leader, proposed, closes):
    day = closes - timedelta(days=3)
    services.remind_missing_word(charter=proposed, actor=leader, now=at(day, hour=9))
    with pytest.raises(ActionRefused, match="at 09:00"):
        services.remind_missing_word(charter=proposed, actor=leader, now=at(day, hour=23, minute=59))

    services.remind_missing_word(charter=proposed, actor=leader, now=at(day + timedelta(days=1), hour=0, minute=1))

    assert Delivery.objects.filter(kind=notices.CONSENT_REMINDER).count() == 4


def test_one_reminder_a_day_whoever_sends_it_first(leader, proposed, closes):
    last_day = closes
    services.remind_missing_word(charter=proposed, actor=leader, now=at(last_day, hour=8))

    assert rounds.run(now=at(last_day, hour=9, minute=5)).reminded == 0  # the leader's reminder was today's
    assert Delivery.objects.filter(kind=notices.CONSENT_REMINDER).count() == 2


def test_after_the_scheduled_reminder_the_leaders_is_refused_for_the_day(leader, proposed, closes):
    rounds.run(now=at(closes - timedelta(days=2), hour=9, minute=5))

    with pytest.raises(ActionRefused, match="reminded today already, by the reminder before the closing date"):
        services.remind_missing_word(charter=proposed, actor=leader, now=at(closes - timedelta(days=2), hour=11))

    assert reload(proposed).reminded_at is None
    assert Delivery.objects.filter(kind=notices.CONSENT_REMINDER).count() == 2


def test_nobody_to_remind_is_said_rather_than_recorded(leader, member, facilitator, proposed):
    consent(proposed, member)
    consent(proposed, facilitator)

    with pytest.raises(ActionRefused, match="nobody to remind"):
        services.remind_missing_word(charter=proposed, actor=leader)
    assert reload(proposed).reminded_at is None


def test_the_button_shows_to_leaders_only_while_someone_has_not_answered(login, leader, member, proposed):
    assertContains(login(leader).get(charter_url("detail")), "Remind who hasn't answered")
    assert b"Remind who hasn" not in login(member).get(charter_url("detail")).content


# The round closes by itself on its date -----------------------------------------------------------------------

def test_when_everyone_consented_the_round_closes_ratified_after_its_last_day(proposed, member, facilitator, closes,
                                                                              django_capture_on_commit_callbacks,
                                                                              mailoutbox, login):
    consent(proposed, member)
    consent(proposed, facilitator)

    assert rounds.run(now=at(closes, hour=23, minute=59)).ratified == 0  # the last day is not over
    with django_capture_on_commit_callbacks(execute=True):
        counts = rounds.run(now=at(closes + timedelta(days=1), hour=0, minute=10))
    assert rounds.run(now=at(closes + timedelta(days=1), hour=1)).ratified == 0

    assert counts.ratified == 1
    charter = reload(proposed)
    assert charter.state == Charter.State.RATIFIED and charter.ratified_by is None
    assert not charter.ratified_despite_gaps
    assert told(notices.RATIFIED) == ["facilitator@example.com", "leader@example.com", "member@example.com"]
    assert "so it was ratified" in Notification.objects.filter(kind=notices.RATIFIED).first().body
    assertContains(login(member).get(charter_url("detail")),
                   f"by itself when responses closed on {closes.day} {closes:%b %Y}")


def test_an_open_objection_keeps_it_proposed_and_the_leader_is_told_what_blocks_it(proposed, member, facilitator,
                                                                                  closes, login, leader):
    services.respond(charter=proposed, member=member, kind=Response.Kind.OBJECTION, reason="Carers are missing")
    day_after = closes + timedelta(days=1)

    counts = rounds.run(now=at(day_after, hour=0, minute=10))
    rounds.run(now=at(day_after, hour=0, minute=25))

    assert counts.blocked == 1
    assert reload(proposed).is_proposed
    assert told(notices.ROUND_CLOSED) == ["leader@example.com"]
    notice = Notification.objects.get(kind=notices.ROUND_CLOSED)
    assert "- Max Member objects, and awaits your answer." in notice.body
    assert "- Fay Facilitator had not responded." in notice.body
    assert notice.url == "/o/harbour/t/platform/charter/v1/#consent"
    assertContains(login(leader).get(charter_url("detail")), "could not be ratified by itself")
    # Nothing more happens by itself: answering the objection later does not ratify behind the leader's back.
    services.answer_objection(response=Response.objects.get(member=member), actor=leader, answer="kept",
                              text="Carers are covered by the purpose.")
    assert rounds.run(now=at(day_after + timedelta(days=1))).ratified == 0


def test_missing_word_blocks_it_just_as_it_asks_a_leader_to_confirm(proposed, member, closes, mailoutbox,
                                                                    django_capture_on_commit_callbacks):
    consent(proposed, member)  # the facilitator never answers

    with django_capture_on_commit_callbacks(execute=True):
        rounds.run(now=at(closes + timedelta(days=1)))

    assert reload(proposed).is_proposed
    assert "- Fay Facilitator had not responded." in Notification.objects.get(kind=notices.ROUND_CLOSED).body
    [email] = mailoutbox
    assert email.to == ["leader@example.com"]
    html = email.alternatives[0][0]
    assert "<li>Fay Facilitator had not responded.</li>" in html
    assert "Open the consent panel in Charter</a>" in html


def test_an_objection_answered_and_kept_does_not_block_it_as_for_the_leader(proposed, member, facilitator, leader,
                                                                           closes):
    objection = services.respond(charter=proposed, member=member, kind=Response.Kind.OBJECTION, reason="Too vague")
    services.answer_objection(response=objection, actor=leader, answer="kept", text="It is meant to be broad.")
    consent(proposed, facilitator)

    assert rounds.run(now=at(closes + timedelta(days=1))).ratified == 1


def test_proposing_again_starts_a_new_round_that_closes_again(proposed, leader, member, closes):
    rounds.run(now=at(closes + timedelta(days=1)))
    assert reload(proposed).round_closed_at is not None

    services.withdraw(charter=proposed, actor=leader)
    charter = services.propose(charter=proposed, actor=leader, responses_close_on=closes)

    assert (charter.round_closed_at, charter.reminded_at) == (None, None)


def test_a_round_without_closing_date_never_closes_by_itself(team, leader, member, facilitator):
    charter = services.propose(charter=complete_charter(team, leader), actor=leader)
    consent(charter, member)
    consent(charter, facilitator)

    assert rounds.run(now=timezone.now() + timedelta(days=60)).ratified == 0
    assert reload(charter).is_proposed


@pytest.mark.parametrize("rounds_", [1, 4])
def test_the_scheduler_reads_the_open_rounds_in_one_query(team, leader, organisation, make_user, add_member,
                                                         rounds_, django_assert_num_queries, closes):
    from alignment.models import Team

    for n in range(rounds_):
        other = Team.objects.create(organisation=organisation, name=f"Team {n}", slug=f"team-{n}")
        add_member(other, leader, "leader")
        services.propose(charter=complete_charter(other, leader), actor=leader, responses_close_on=closes)

    # 1 the open rounds near their closing day, with their teams and organisations; nothing due on this day.
    with django_assert_num_queries(1):
        rounds.run(now=at(closes - timedelta(days=4)))


# "Amended" only after a real change ----------------------------------------------------------------------------

def test_amended_before_any_change_is_refused_with_the_text_kept(login, leader, member, proposed):
    objection = services.respond(charter=proposed, member=member, kind=Response.Kind.OBJECTION,
                                 reason="Carers are missing")

    response = login(leader).post(charter_url("answer", 1, objection.pk),
                                  {"answer": "amended", "text": "Added carers to who we serve"}, **HTMX)

    assertContains(response, "The charter has not changed since Max Member objected", status_code=400)
    assertContains(response, "Added carers to who we serve", status_code=400)
    objection.refresh_from_db()
    assert objection.is_open_objection
    assert told(notices.OBJECTION_ANSWERED) == []


def test_amended_after_the_text_changed_asks_the_objector(leader, member, proposed):
    objection = services.respond(charter=proposed, member=member, kind=Response.Kind.OBJECTION,
                                 reason="Carers are missing")
    services.update_people(charter=proposed, expected_version=1, people="We include carers.")

    answered = services.answer_objection(response=objection, actor=leader, answer="amended",
                                         text="People now names carers.")

    assert answered.awaits_objectors_word


def test_a_changed_objection_needs_a_change_after_it(leader, member, proposed):
    services.respond(charter=proposed, member=member, kind=Response.Kind.OBJECTION, reason="Carers are missing")
    services.update_people(charter=proposed, expected_version=1, people="We include carers.")
    # The objector reads the new text and objects again, differently: the change before it answers nothing.
    objection = services.respond(charter=proposed, member=member, kind=Response.Kind.OBJECTION,
                                 reason="Carers still have no say")

    with pytest.raises(ActionRefused, match="has not changed since"):
        services.answer_objection(response=objection, actor=leader, answer="amended", text="Added carers.")


# Leaders told of comments and of objections resolved ----------------------------------------------------------

def test_a_comment_on_the_working_charter_tells_the_leaders_once(login, leader, member, proposed,
                                                                 django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        login(member).post(charter_url("comment_create", 1), {"section": "purpose", "body": "Who are carers?"})

    assert told(notices.COMMENTED) == ["leader@example.com"]
    notice = Notification.objects.get(kind=notices.COMMENTED)
    comment = proposed.comments.get()
    assert notice.url == f"/o/harbour/t/platform/charter/v1/#comment-{comment.pk}"
    assert notice.subject == "Platform: Max Member commented on Purpose (version 1)"
    assert notice.body == "Who are carers?"
    [email] = mailoutbox
    assert "Who are carers?" in email.body and f"#comment-{comment.pk}" in email.body


def test_a_comment_on_a_draft_tells_the_leaders_but_not_its_author(team, leader, member):
    draft = complete_charter(team, leader)

    services.add_comment(charter=draft, section="people", author=leader, body="Note to self")
    services.add_comment(charter=draft, section="people", author=member, body="Looks right")

    assert told(notices.COMMENTED) == ["leader@example.com"]
    assert Notification.objects.get(kind=notices.COMMENTED).body == "Looks right"


def test_the_objector_saying_the_amendment_resolves_it_tells_the_leaders(login, leader, member, proposed):
    objection = services.respond(charter=proposed, member=member, kind=Response.Kind.OBJECTION,
                                 reason="Carers are missing")
    services.update_people(charter=proposed, expected_version=1, people="We include carers.")
    services.answer_objection(response=objection, actor=leader, answer="amended", text="People now names carers.")

    login(member).post(charter_url("resolution", 1, objection.pk), {"resolved": "1"})

    assert told(notices.OBJECTION_RESOLVED) == ["leader@example.com"]
    notice = Notification.objects.get(kind=notices.OBJECTION_RESOLVED)
    assert notice.subject == "Platform: Max Member says your amendment resolves their objection"
    assert notice.url == "/o/harbour/t/platform/charter/v1/#consent"


def test_the_objector_still_objecting_asks_the_leaders_again(leader, member, proposed):
    objection = services.respond(charter=proposed, member=member, kind=Response.Kind.OBJECTION,
                                 reason="Carers are missing")
    Charter.objects.filter(pk=proposed.pk).update(revision=F("revision") + 1)
    services.answer_objection(response=objection, actor=leader, answer="amended", text="People now names carers.")

    services.resolve_amended_objection(response=objection, member=member, resolved=False)

    assert Notification.objects.filter(kind=notices.OBJECTION, recipient=leader).count() == 2
    assert told(notices.OBJECTION_RESOLVED) == []


# Races (PostgreSQL) --------------------------------------------------------------------------------------------

@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(5))
def test_a_leader_ratifying_as_the_scheduler_closes_the_round_ratifies_once(round_, team, leader, member,
                                                                            facilitator, closes):
    charter = services.propose(charter=complete_charter(team, leader), actor=leader, responses_close_on=closes)
    consent(charter, member)
    consent(charter, facilitator)

    def by_hand():
        try:
            return services.ratify(charter=Charter.objects.get(pk=charter.pk), actor=leader)
        except ActionRefused:
            return None

    outcomes = run_concurrently(by_hand, lambda: rounds.run(now=at(closes + timedelta(days=1))))

    for outcome in outcomes:
        outcome.unwrap()
    assert list(Charter.objects.filter(team=team).values_list("state", flat=True)) == ["ratified"]
    assert Delivery.objects.filter(kind=notices.RATIFIED).count() == 3 - (reload(charter).ratified_by_id is not None)


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(5))
def test_two_schedulers_at_once_remind_and_tell_once(round_, team, leader, member, facilitator, closes):
    charter = services.propose(charter=complete_charter(team, leader), actor=leader, responses_close_on=closes)
    services.respond(charter=charter, member=member, kind=Response.Kind.OBJECTION, reason="Carers are missing")

    run_concurrently(lambda: rounds.run(now=at(closes)), lambda: rounds.run(now=at(closes)))
    run_concurrently(lambda: rounds.run(now=at(closes + timedelta(days=1))),
                     lambda: rounds.run(now=at(closes + timedelta(days=1))))

    assert Delivery.objects.filter(kind=notices.CONSENT_REMINDER).count() == 1  # the facilitator: the member objected
    assert Delivery.objects.filter(kind=notices.ROUND_CLOSED).count() == 1  # the leader
    assert reload(charter).is_proposed


def test_beat_runs_the_consent_rounds_every_quarter_hour(settings, proposed, member, facilitator):
    from charters import tasks

    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "charters.tasks.run_consent_rounds")
    assert entry["schedule"] == 900.0 and entry["options"]["expires"] < 900

    assert tasks.run_consent_rounds.apply().get() == {"reminded": 0, "ratified": 0, "blocked": 0}


@pytest.mark.parametrize("people", [1, 6])
def test_a_reminder_takes_the_same_queries_however_many_are_reminded(team, leader, make_user, add_member, people,
                                                                     closes, django_assert_num_queries):
    for n in range(people):
        add_member(team, make_user(f"person{n}@example.com", f"Person {n}"), "member")
    services.propose(charter=complete_charter(team, leader), actor=leader, responses_close_on=closes)

    # 1 the open rounds with their teams; reminding: 2 savepoint, 3 the responses with their people, 4 the
    # team's memberships with users; delivering them all at once: 5 savepoint, 6 deliveries already claimed,
    # 7 their preferences, 8 savepoint, 9 claim them (one INSERT), 10 release, 11 their notifications (one
    # INSERT … SELECT), 12 release; 13 release the first savepoint.
    with django_assert_num_queries(13):
        assert rounds.run(now=at(closes)).reminded == people
