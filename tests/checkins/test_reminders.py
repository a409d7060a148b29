"""Check-in reminders and nudges: at the team's own time (DST included), to whoever is missing, once."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from alignment.models import Membership, Team, User
from alignment.weeks import current_week
from checkins import reminders
from checkins.models import CheckIn
from checkins.tasks import dispatch_due_reminders
from notifications.models import Delivery, Notification
from tests.checkins.conftest import MONDAY, at
from tests.concurrency import on_postgresql, run_concurrently

pytestmark = pytest.mark.django_db


def told(kind: str = reminders.REMINDER) -> list[str]:
    return sorted(Delivery.objects.filter(kind=kind).values_list("recipient__email", flat=True))


def submit(team, author, monday: date = MONDAY) -> CheckIn:
    return CheckIn.objects.create(team=team, author=author, week=monday, state=CheckIn.State.SUBMITTED,
                                  submitted_at=at(3))


def test_nobody_is_reminded_before_the_teams_checkin_time(team, leader, member, facilitator):
    reminders.send_reminders(now=at(4, "09:59"))

    assert told() == []


def test_at_checkin_time_each_person_who_checks_in_and_has_not_submitted_is_reminded(
        team, leader, member, facilitator, make_user, add_member):
    add_member(team, make_user("done@example.com"), "member")
    submit(team, User.objects.get(email="done@example.com"))

    counts = reminders.send_reminders(now=at(4, "10:00"))

    # The leader does not check in; the one who submitted is left alone.
    assert told() == ["facilitator@example.com", "member@example.com"]
    assert (counts.sent, counts.failed) == (2, 0)
    notice = Notification.objects.get(recipient=member, kind=reminders.REMINDER)
    assert notice.url == "/o/harbour/t/platform/check-ins/this-week/"
    assert "Friday 20 Nov at 10:00" in notice.body


def test_a_duplicated_task_reminds_once(team, member, mailoutbox):
    timezone_now = at(4, "10:05")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: timezone_now)
        dispatch_due_reminders()
        dispatch_due_reminders.delay()

    assert told() == ["member@example.com"]
    assert Notification.objects.filter(recipient=member).count() == 1


def test_a_person_in_two_teams_is_reminded_for_each(team, other_team, member, add_member):
    other_team.time_zone, other_team.checkin_weekday = "Europe/London", 4
    other_team.save()
    add_member(other_team, member, "member")

    reminders.send_reminders(now=at(4, "10:00"))

    assert Delivery.objects.filter(recipient=member, kind=reminders.REMINDER).count() == 2


def test_the_nudge_goes_hours_before_the_week_closes_to_those_still_missing(team, member, facilitator, settings):
    settings.CHECKIN_NUDGE_HOURS = 24
    reminders.send_reminders(now=at(4, "10:00"))
    submit(team, facilitator)

    reminders.send_reminders(now=at(5, "23:59"))
    assert told(reminders.NUDGE) == []
    reminders.send_reminders(now=at(6, "00:00"))
    reminders.send_reminders(now=at(6, "12:00"))

    assert told(reminders.NUDGE) == ["member@example.com"]
    assert told(reminders.REMINDER) == ["facilitator@example.com", "member@example.com"]


def test_a_checkin_time_inside_the_nudge_window_gets_the_reminder_only(team, member, settings):
    settings.CHECKIN_NUDGE_HOURS = 24
    team.checkin_weekday, team.checkin_time = 6, time(18, 0)  # Sunday evening
    team.save()

    reminders.send_reminders(now=at(6, "18:00"))
    reminders.send_reminders(now=at(6, "23:00"))

    assert (told(reminders.REMINDER), told(reminders.NUDGE)) == (["member@example.com"], [])


def test_the_same_instant_is_due_in_one_zone_and_not_yet_in_another(organisation, make_user, add_member):
    tokyo = Team.objects.create(organisation=organisation, name="Tokyo", slug="tokyo", time_zone="Asia/Tokyo",
                                checkin_weekday=4, checkin_time=time(9, 0))
    los_angeles = Team.objects.create(organisation=organisation, name="LA", slug="la",
                                      time_zone="America/Los_Angeles", checkin_weekday=4, checkin_time=time(9, 0))
    add_member(tokyo, make_user("kenji@example.com"), "member")
    add_member(los_angeles, make_user("lupe@example.com"), "member")
    friday_noon_utc = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # 21:00 in Tokyo, 04:00 in Los Angeles

    reminders.send_reminders(now=friday_noon_utc)
    assert told() == ["kenji@example.com"]

    reminders.send_reminders(now=datetime(2026, 11, 20, 17, 0, tzinfo=UTC))  # 09:00 in Los Angeles
    assert told() == ["kenji@example.com", "lupe@example.com"]


@pytest.mark.parametrize(("monday", "due_utc"), [
    (date(2026, 3, 2), datetime(2026, 3, 2, 14, 0, tzinfo=UTC)),  # EST, UTC−5
    (date(2026, 3, 9), datetime(2026, 3, 9, 13, 0, tzinfo=UTC)),  # the day after clocks went forward: EDT, UTC−4
])
def test_the_reminder_follows_the_local_clock_across_a_daylight_saving_change(
        organisation, make_user, add_member, monday, due_utc):
    new_york = Team.objects.create(organisation=organisation, name="NY", slug="ny", time_zone="America/New_York",
                                   checkin_weekday=0, checkin_time=time(9, 0))
    add_member(new_york, make_user("nia@example.com"), "member")

    reminders.send_reminders(now=due_utc - timedelta(minutes=1))
    assert told() == []
    reminders.send_reminders(now=due_utc)

    assert Delivery.objects.get(kind=reminders.REMINDER).key == f"week-{monday}/team-{new_york.pk}"


def test_the_nudge_is_24_real_hours_before_a_week_that_ends_after_clocks_go_back(team, member, settings):
    settings.CHECKIN_NUDGE_HOURS = 24
    # Clocks go back in London on Sunday 25 Oct 2026; the week ends Monday 26 Oct 00:00 GMT (00:00 UTC).
    week = current_week(team, datetime(2026, 10, 20, 12, tzinfo=UTC))
    nudge = reminders.nudge_at(team, week)

    assert nudge.astimezone(UTC) == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    assert (nudge.hour, nudge.utcoffset()) == (1, timedelta(hours=1))  # 01:00 BST, before the change


def test_after_downtime_this_weeks_reminder_goes_and_past_weeks_are_skipped_and_logged(
        team, member, caplog, settings):
    settings.CHECKIN_NUDGE_HOURS = 24
    beat_last_ran = at(1, "12:00", monday=MONDAY - timedelta(weeks=1))  # Tuesday of the week before

    with caplog.at_level(logging.INFO, logger="checkins.reminders"):
        counts = reminders.send_reminders(now=at(5, "12:00"), since=beat_last_ran)

    assert told() == ["member@example.com"]
    assert Delivery.objects.get().key == f"week-{MONDAY}/team-{team.pk}"
    # Last week's reminder and nudge were missed: stale, never sent, but counted and logged.
    last_week = f"week-{MONDAY - timedelta(weeks=1)}/team-{team.pk}"
    assert counts.stale == [f"{reminders.REMINDER} {last_week}", f"{reminders.NUDGE} {last_week}"]
    assert (counts.sent, counts.skipped) == (1, 2)
    assert "skipped 2 stale rounds" in caplog.text
    assert "sent=1 skipped=2 failed=0" in caplog.text


def test_the_task_remembers_when_it_ran_for_the_next_catch_up(team, member, frozen):
    frozen(at(4, "10:00", monday=MONDAY - timedelta(weeks=2)))
    dispatch_due_reminders()
    frozen(at(4, "10:00"))

    result = dispatch_due_reminders()

    # Missed while beat was down: that week's nudge, and last week's reminder and nudge.
    assert result == {"sent": 1, "skipped": 3, "failed": 0}
    assert Delivery.objects.count() == 2


def test_a_failure_for_one_person_is_counted_and_the_others_are_still_reminded(team, member, facilitator,
                                                                             monkeypatch):
    real = reminders.notifications.deliver_many

    def flaky(messages, **kwargs):
        if any(message.recipient == member for message in messages):
            raise ValueError("a bad address")
        return real(messages, **kwargs)

    # The batch fails as a whole, then goes again one by one: only the member's fails.
    monkeypatch.setattr(reminders.notifications, "deliver_many", flaky)

    counts = reminders.send_reminders(now=at(4, "10:00"))

    assert (counts.sent, counts.failed) == (1, 1)
    assert told() == ["facilitator@example.com"]


def test_an_archived_team_is_not_reminded(team, member):
    team.archived_at = at(0)
    team.save()

    reminders.send_reminders(now=at(4, "10:00"))

    assert told() == []


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_remind_once(team, member, facilitator):
    outcomes = run_concurrently(*[lambda: reminders.send_reminders(now=at(4, "10:00"))] * 2)

    sent = [outcome.unwrap().sent for outcome in outcomes]
    assert sum(sent) == 2
    assert told() == ["facilitator@example.com", "member@example.com"]
    assert Notification.objects.count() == 2


def add_people(team, count: int) -> None:
    users = User.objects.bulk_create([User(email=f"person{n}@example.com", display_name=f"Person {n}")
                                      for n in range(count)])
    Membership.objects.bulk_create([Membership(team=team, user=user, is_member=True) for user in users])


@pytest.mark.parametrize("people", [10, 1000])
def test_finding_who_is_due_costs_the_same_queries_for_10_or_1000_people(team, people,
                                                                         django_assert_num_queries):
    add_people(team, people)
    now = at(4, "10:00")

    # Teams: 1 their distinct zones, 1 the batch of teams whose day has come, 1 the empty next batch.
    # People: 1 the batch of memberships with their people, not submitted and not yet told (two NOT
    # EXISTS on unique indexes), 1 the empty next batch.
    with django_assert_num_queries(5):
        due = [row for teams in reminders.candidate_teams(now)
               for batch in reminders.due_reminders(teams, now, batch_size=1000) for row in batch]

    assert len(due) == people


@pytest.mark.parametrize("people", [10, 1000])
def test_a_run_costs_the_same_queries_for_10_or_1000_people(team, people, django_assert_num_queries):
    add_people(team, people)

    # Finding who is due: the 5 above. The reminder channels (`register_reminder_channel`): chat's asks for the
    # teams' chat connections (1; none is connected). Telling them (notifications.deliver_many, one batch): a
    # savepoint, 1 claims already made, 1 preferences, a savepoint + 1 new claims (with their outcomes) + its
    # release, 1 notifications, the release.
    with django_assert_num_queries(5 + 1 + 8):
        counts = reminders.send_reminders(now=at(4, "10:00"), batch_size=1000)

    assert counts.sent == people
    assert Notification.objects.filter(kind=reminders.REMINDER).count() == people


def test_once_everyone_is_told_a_run_finds_nobody(team, django_assert_num_queries):
    add_people(team, 30)
    reminders.send_reminders(now=at(4, "10:00"))

    # 1 zones, 1 teams, 1 empty teams batch, 1 memberships owed (none).
    with django_assert_num_queries(4):
        counts = reminders.send_reminders(now=at(4, "10:05"))

    assert (counts.sent, counts.skipped) == (0, 0)


def test_big_teams_are_worked_through_in_batches(team):
    add_people(team, 25)

    batches = [len(batch) for teams in reminders.candidate_teams(at(4, "10:00"))
               for batch in reminders.due_reminders(teams, at(4, "10:00"), batch_size=10)]

    assert batches == [10, 10, 5]


def test_zone_used_by_the_team_is_its_own(team):
    assert team.zone == ZoneInfo("Europe/London")
