"""The calendar feed: a secret address per person, parsed back with icalendar, at the right instants.

The clock is Tuesday 20 Oct 2026, 12:00 UTC, so the window (two weeks back, thirteen ahead) holds the
end of British Summer Time (Sunday 25 Oct) and of Pacific Daylight Time (Sunday 1 Nov).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from alignment.confirm import CONFIRMED
from alignment.models import Membership, Team, hash_token
from notifications import calendar as calendar_feed
from notifications.models import CalendarFeed
from reviews.models import ReviewCycle
from tests.concurrency import on_postgresql, run_concurrently

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """`timezone.now()` is NOW unless a test moves it: `clock(moment)`."""
    from django.utils import timezone

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    set_to(NOW)
    return set_to


@pytest.fixture
def los_angeles(organisation, member, add_member):
    """A second team of the member's, checking in on Mondays at 09:00 Pacific time."""
    team = Team.objects.create(organisation=organisation, name="Pacific", slug="pacific",
                               time_zone="America/Los_Angeles", checkin_weekday=0, checkin_time=time(9, 0))
    add_member(team, member, "member")
    return team


def fetch(client, token: str) -> Calendar:
    response = client.get(reverse("notifications:calendar_ics", args=[token]))
    assert response.status_code == 200
    return Calendar.from_ical(response.content)


def events(calendar: Calendar, title_starts: str = "") -> list:
    return [event for event in calendar.walk("VEVENT") if str(event["SUMMARY"]).startswith(title_starts)]


def starts_utc(calendar: Calendar, title_starts: str) -> list[datetime]:
    return [event.decoded("DTSTART").astimezone(UTC) for event in events(calendar, title_starts)]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# The address -------------------------------------------------------------------------------------------


def test_only_a_hash_of_the_token_is_stored(member):
    token = calendar_feed.issue_token(user=member)

    feed = CalendarFeed.objects.get(user=member)
    assert feed.token_hash == hash_token(token) and token not in feed.token_hash
    assert calendar_feed.feed_for_token(token) == feed
    assert calendar_feed.feed_url(token) == f"http://127.0.0.1:8000/calendar/{token}.ics"
    assert calendar_feed.webcal_url(token) == f"webcal://127.0.0.1:8000/calendar/{token}.ics"


def test_a_new_address_revokes_the_old_one(client, member):
    old = calendar_feed.issue_token(user=member)
    fetch(client, old)

    new = calendar_feed.issue_token(user=member)

    assert client.get(reverse("notifications:calendar_ics", args=[old])).status_code == 404
    fetch(client, new)
    assert CalendarFeed.objects.filter(user=member).count() == 1


@pytest.mark.parametrize("token", ["not-a-token", "x" * 43])
def test_an_unknown_token_is_404(client, member, token):
    calendar_feed.issue_token(user=member)

    assert client.get(reverse("notifications:calendar_ics", args=[token])).status_code == 404


def test_a_stopped_feed_is_404(client, member):
    token = calendar_feed.issue_token(user=member)

    assert calendar_feed.revoke_feed(user=member)

    assert client.get(reverse("notifications:calendar_ics", args=[token])).status_code == 404


def test_the_feed_of_a_deactivated_person_is_404(client, member):
    token = calendar_feed.issue_token(user=member)
    member.is_active = False
    member.save(update_fields=["is_active"])

    assert client.get(reverse("notifications:calendar_ics", args=[token])).status_code == 404


def test_the_feed_is_a_private_calendar_for_any_app(client, member):
    token = calendar_feed.issue_token(user=member)

    response = client.get(reverse("notifications:calendar_ics", args=[token]))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"
    assert not response.cookies
    calendar = Calendar.from_ical(response.content)
    assert (str(calendar["VERSION"]), str(calendar["PRODID"]), str(calendar["X-WR-CALNAME"])) == (
        "2.0", calendar_feed.PRODID, "Charter")
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert calendar.decoded("REFRESH-INTERVAL") == timedelta(hours=1)
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT1H"
    assert response.content.startswith(b"BEGIN:VCALENDAR\r\n")


def test_a_head_request_answers_and_a_post_is_refused(client, member):
    url = reverse("notifications:calendar_ics", args=[calendar_feed.issue_token(user=member)])

    assert client.head(url).status_code == 200
    assert client.post(url).status_code == 405


def test_the_fetch_is_stamped_at_most_once_an_hour(client, member, clock, django_assert_num_queries):
    token = calendar_feed.issue_token(user=member)
    fetch(client, token)
    assert CalendarFeed.objects.get(user=member).last_fetched_at == NOW

    clock(NOW + timedelta(minutes=59))
    # 1 the feed and its person by the token's hash, 2 memberships for check-in deadlines, 3 memberships
    # for review sessions (the member has a team, so the cycles are asked), 4 cycles ending in the window,
    # 5 charter review dates in the window, 6 decisions to review in the teams the person leads; no write:
    # fetched less than an hour ago
    with django_assert_num_queries(6):
        fetch(client, token)
    assert CalendarFeed.objects.get(user=member).last_fetched_at == NOW

    clock(NOW + timedelta(minutes=61))
    fetch(client, token)
    assert CalendarFeed.objects.get(user=member).last_fetched_at == NOW + timedelta(minutes=61)


# What it holds, and when -------------------------------------------------------------------------------


def test_checkin_deadlines_are_at_each_teams_local_time_across_daylight_saving_changes(client, member, team,
                                                                                         los_angeles):
    calendar = fetch(client, calendar_feed.issue_token(user=member))

    london = starts_utc(calendar, "Platform: check-in due")
    # Fridays 10:00 in London: BST (UTC+1) until 25 Oct, GMT after; from 9 Oct to 15 Jan.
    assert london[:4] == [utc(2026, 10, 9, 9), utc(2026, 10, 16, 9), utc(2026, 10, 23, 9), utc(2026, 10, 30, 10)]
    assert london[-1] == utc(2027, 1, 15, 10) and len(london) == 15
    pacific = starts_utc(calendar, "Pacific: check-in due")
    # Mondays 09:00 in Los Angeles: PDT (UTC−7) until 1 Nov, PST (UTC−8) after.
    assert pacific[:4] == [utc(2026, 10, 12, 16), utc(2026, 10, 19, 16), utc(2026, 10, 26, 16), utc(2026, 11, 2, 17)]
    assert all(NOW - timedelta(weeks=2) <= start < NOW + timedelta(weeks=13) for start in london + pacific)


def test_events_carry_the_teams_zone_with_its_definition(client, member, team, los_angeles):
    calendar = fetch(client, calendar_feed.issue_token(user=member))

    deadline = next(e for e in events(calendar, "Platform: check-in due")
                    if e.decoded("DTSTART").date() == date(2026, 11, 6))
    assert deadline["DTSTART"].params["TZID"] == "Europe/London"
    assert deadline.decoded("DTSTART").replace(tzinfo=None) == datetime(2026, 11, 6, 10, 0)
    assert deadline.decoded("DTEND") - deadline.decoded("DTSTART") == timedelta(minutes=15)
    assert {tz.tz_name for tz in calendar.timezones} == {"Europe/London", "America/Los_Angeles"}
    assert calendar.get_missing_tzids() == set()
    # The VTIMEZONE holds the change, so an app without its own rules still places 30 Oct right.
    london = next(tz for tz in calendar.timezones if tz.tz_name == "Europe/London")
    assert {sub.name for sub in london.subcomponents} >= {"STANDARD", "DAYLIGHT"}


def test_each_event_links_to_its_page_and_keeps_its_uid_across_fetches(client, member, team):
    token = calendar_feed.issue_token(user=member)

    first, again = fetch(client, token), fetch(client, token)

    deadline = events(first, "Platform: check-in due")[0]
    assert str(deadline["UID"]) == f"checkin-deadline/team-{team.pk}/week-2026-10-05@127.0.0.1"
    assert [str(e["UID"]) for e in events(first)] == [str(e["UID"]) for e in events(again)]
    assert str(deadline["URL"]) == "http://127.0.0.1:8000/o/harbour/t/platform/check-ins/this-week/"
    assert "http://127.0.0.1:8000/o/harbour/t/platform/check-ins/this-week/" in str(deadline["DESCRIPTION"])
    assert deadline.decoded("DTSTAMP") == NOW


def test_review_sessions_are_the_cycles_end_date_in_the_teams_zone(client, member, team, los_angeles):
    ReviewCycle.objects.create(team=team, number=1, start_date=date(2026, 10, 5), end_date=date(2026, 11, 16))
    ReviewCycle.objects.create(team=los_angeles, number=3, start_date=date(2026, 9, 21), end_date=date(2026, 11, 2))

    calendar = fetch(client, calendar_feed.issue_token(user=member))

    (london,) = events(calendar, "Platform: review of cycle 1")
    assert london.decoded("DTSTART").astimezone(UTC) == utc(2026, 11, 16, 0)  # 00:00 GMT
    assert london.decoded("DTEND").astimezone(UTC) == utc(2026, 11, 17, 0)
    (pacific,) = events(calendar, "Pacific: review of cycle 3")
    assert pacific["DTSTART"].params["TZID"] == "America/Los_Angeles"
    assert pacific.decoded("DTSTART").astimezone(UTC) == utc(2026, 11, 2, 8)  # 00:00 PST, the day after the change
    assert str(pacific["URL"]).endswith("/o/harbour/t/pacific/cycles/3/")


def test_someone_elses_teams_never_appear(client, member, team, outsider, other_team, stranger):
    ReviewCycle.objects.create(team=other_team, number=1, start_date=date(2026, 10, 5), end_date=date(2026, 11, 16))

    mine = fetch(client, calendar_feed.issue_token(user=member))
    theirs = fetch(client, calendar_feed.issue_token(user=outsider))
    nobodys = fetch(client, calendar_feed.issue_token(user=stranger))

    assert {str(e["SUMMARY"]).split(":")[0] for e in events(mine)} == {"Platform"}
    assert {str(e["SUMMARY"]).split(":")[0] for e in events(theirs)} == {"Growth"}
    # The stranger only leads their team: no check-ins to write, so no deadlines; no cycle, no review.
    assert events(nobodys) == []


def test_an_archived_teams_dates_leave_the_feed(client, member, team):
    ReviewCycle.objects.create(team=team, number=1, start_date=date(2026, 10, 5), end_date=date(2026, 11, 16))
    token = calendar_feed.issue_token(user=member)
    assert events(fetch(client, token))

    Team.objects.filter(pk=team.pk).update(archived_at=NOW)

    assert events(fetch(client, token)) == []


# Fetched again: 304 while nothing changed ------------------------------------------------------------------


def fetched(client, token: str, etag: str = ""):
    headers = {"If-None-Match": etag} if etag else {}
    return client.get(reverse("notifications:calendar_ics", args=[token]), headers=headers)


def test_an_app_sending_back_the_tag_is_told_nothing_changed_with_no_body(client, member, team, clock):
    token = calendar_feed.issue_token(user=member)
    first = fetched(client, token)
    etag = first["ETag"]
    assert etag.startswith('W/"') and first.content

    clock(NOW + timedelta(minutes=61))  # later, the same events: only the moment it is written at differs
    again = fetched(client, token, etag)

    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    assert "private" in again["Cache-Control"] and "public" not in again["Cache-Control"]
    assert not again.cookies
    # The fetch is noted all the same: the address is in use.
    assert CalendarFeed.objects.get(user=member).last_fetched_at == NOW + timedelta(minutes=61)
    # Without the tag, the same moment writes the whole calendar, under the same tag, stamped with the new moment.
    whole = fetched(client, token)
    assert whole.status_code == 200 and whole["ETag"] == etag
    assert events(Calendar.from_ical(whole.content))[0].decoded("DTSTAMP") == NOW + timedelta(minutes=61)


@pytest.mark.parametrize("sent", ["{etag}", "{strong}", '"other", {etag}', "*"])
def test_the_tag_is_compared_weakly_among_those_sent(client, member, team, sent):
    token = calendar_feed.issue_token(user=member)
    etag = fetched(client, token)["ETag"]

    response = fetched(client, token, sent.format(etag=etag, strong=etag.removeprefix("W/")))

    assert response.status_code == 304


@pytest.mark.parametrize("change", ["a cycle opens", "the team is archived", "a team's zone changes",
                                    "a week goes by", "another tag"])
def test_a_change_to_what_the_feed_shows_answers_the_whole_calendar(client, member, team, clock, change):
    token = calendar_feed.issue_token(user=member)
    etag = fetched(client, token)["ETag"]

    if change == "a cycle opens":
        ReviewCycle.objects.create(team=team, number=1, start_date=date(2026, 10, 5), end_date=date(2026, 11, 16))
    elif change == "the team is archived":
        Team.objects.filter(pk=team.pk).update(archived_at=NOW)
    elif change == "a team's zone changes":
        Team.objects.filter(pk=team.pk).update(time_zone="Asia/Tokyo")
    elif change == "a week goes by":  # the window moves: a deadline leaves it and another enters
        clock(NOW + timedelta(weeks=1))
    else:
        etag = 'W/"not-this-feed"'
    response = fetched(client, token, etag)

    assert response.status_code == 200 and response["ETag"] != etag
    assert Calendar.from_ical(response.content)["PRODID"] == calendar_feed.PRODID


def test_a_deploy_that_writes_the_feed_otherwise_makes_a_new_tag(client, member, team, monkeypatch):
    from alignment import fragments

    token = calendar_feed.issue_token(user=member)
    etag = fetched(client, token)["ETag"]

    monkeypatch.setattr(fragments, "release", lambda: "another release")

    assert fetched(client, token, etag).status_code == 200


def test_answering_304_reads_what_the_tag_is_made_of_and_writes_nothing(client, member, team,
                                                                       django_assert_num_queries):
    token = calendar_feed.issue_token(user=member)
    etag = fetched(client, token)["ETag"]

    # 1 the feed and its person, 2 and 3 memberships, 4 cycles, 5 review dates, 6 decisions to review; no stamp
    with django_assert_num_queries(6):
        assert fetched(client, token, etag).status_code == 304


def test_a_tag_opens_nothing_without_the_address(client, member, team):
    token = calendar_feed.issue_token(user=member)
    etag = fetched(client, token)["ETag"]

    assert fetched(client, "not-" + token, etag).status_code == 404
    calendar_feed.revoke_feed(user=member)
    assert fetched(client, token, etag).status_code == 404


@pytest.mark.parametrize("teams", [2, 20])
def test_the_feed_costs_the_same_queries_for_2_or_20_teams(client, organisation, member, teams,
                                                           django_assert_num_queries):
    for n in range(teams):
        team = Team.objects.create(organisation=organisation, name=f"Team {n}", slug=f"team-{n}",
                                   time_zone=["Europe/London", "Asia/Tokyo", "America/New_York"][n % 3])
        Membership.objects.create(team=team, user=member, is_member=True)
        ReviewCycle.objects.create(team=team, number=1, start_date=date(2026, 10, 5), end_date=date(2026, 11, 16))
    token = calendar_feed.issue_token(user=member)

    # 1 the feed and its person by the token's hash, 2 the person's memberships with teams and
    # organisations (check-in deadlines), 3 the same (review sessions), 4 the cycles ending in the
    # window with their retrospective's id, 5 the review dates of the charters in force in the window,
    # 6 decisions to review in the teams the person leads, 7 the fetch stamp (the first fetch)
    with django_assert_num_queries(7):
        calendar = fetch(client, token)

    assert len(events(calendar, "Team ")) == teams * 16  # 15 weekly deadlines and a review each


# The page where the address is made --------------------------------------------------------------------


def test_making_the_address_shows_it_once(login, member):
    client = login(member)
    assertContains(client.get(reverse("notifications:preferences")), reverse("notifications:calendar"))
    page = client.get(reverse("notifications:calendar"))
    assertContains(page, "Make my calendar address")

    response = client.post(reverse("notifications:calendar_issue"))

    assertRedirects(response, reverse("notifications:calendar"), fetch_redirect_response=False)
    shown = client.get(reverse("notifications:calendar"))
    fresh = shown.context["fresh"]
    assert calendar_feed.feed_for_token(fresh["url"].rsplit("/", 1)[1].removesuffix(".ics")).user == member
    assertContains(shown, f'value="{fresh["url"]}"')
    assertContains(shown, f'href="{fresh["webcal"]}"')
    assertContains(shown, "Copy it now: it is shown only this once.")
    assertContains(shown, '<label for="calendar-address">Calendar address</label>', html=True)
    # Shown once: the next visit has only the feed's status.
    again = client.get(reverse("notifications:calendar"))
    assert again.context["fresh"] is None
    assertNotContains(again, ".ics")
    assertContains(again, "Not fetched by a calendar app yet.")
    assertContains(again, "Make a new calendar address")


def _shown_version(client) -> str:
    """The address the calendar page shows, as its "Make a new calendar address" form sends it back."""
    return client.get(reverse("notifications:calendar")).context["address_form"]["replacing"].value()


def test_a_new_address_from_the_page_stops_the_old_one(login, member, client):
    old = calendar_feed.issue_token(user=member)
    login(member).post(reverse("notifications:calendar_issue"), {"replacing": _shown_version(client)})
    new_url = client.get(reverse("notifications:calendar")).context["fresh"]["url"]

    client.logout()
    assert client.get(reverse("notifications:calendar_ics", args=[old])).status_code == 404
    assert client.get(new_url.removeprefix("http://127.0.0.1:8000")).status_code == 200


def test_stopping_the_feed_from_the_page(login, member):
    token = calendar_feed.issue_token(user=member)
    client = login(member)

    response = client.post(reverse("notifications:calendar_revoke"), CONFIRMED, follow=True)

    assertContains(response, "Your calendar address no longer works.")
    assertContains(response, "Make my calendar address")
    assert calendar_feed.feed_for_token(token) is None


@pytest.mark.parametrize("url_name", ["notifications:calendar_issue", "notifications:calendar_revoke"])
def test_changing_the_address_needs_a_post_with_the_csrf_token(member, url_name):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    calendar_feed.issue_token(user=member)
    before = CalendarFeed.objects.get(user=member).token_hash

    assert client.get(reverse(url_name)).status_code == 405
    assert client.post(reverse(url_name)).status_code == 403
    assert CalendarFeed.objects.get(user=member).token_hash == before


def test_making_an_address_never_touches_someone_elses(login, member, outsider):
    token = calendar_feed.issue_token(user=member)
    client = login(outsider)

    client.post(reverse("notifications:calendar_issue"))
    client.post(reverse("notifications:calendar_revoke"), CONFIRMED)

    assert calendar_feed.feed_for_token(token).user == member


@pytest.mark.parametrize("fresh", [False, True], ids=["status", "just-made"])
def test_the_page_costs_a_fixed_number_of_queries(login, member, fresh, django_assert_num_queries):
    client = login(member)
    if fresh:
        client.post(reverse("notifications:calendar_issue"))
    else:
        calendar_feed.issue_token(user=member)

    # 1 the user (the session is in the cache), 2 the person's feed, 3 the team switcher's memberships (with the
    # bell's unread count); right after making the address, 4-6 the session saved without the token it showed
    # (a savepoint, the update, its release)
    with django_assert_num_queries(6 if fresh else 3):
        client.get(reverse("notifications:calendar"))


@pytest.mark.parametrize("had_one", [False, True])
def test_a_double_click_makes_one_address_and_shows_it(login, member, client, had_one):
    """Two posts of the same page: the second replaces nothing, and the address made by the first is shown."""
    if had_one:
        calendar_feed.issue_token(user=member)
    login(member)
    shown = _shown_version(client)

    client.post(reverse("notifications:calendar_issue"), {"replacing": shown})
    second = client.post(reverse("notifications:calendar_issue"), {"replacing": shown}, follow=True)

    assertContains(second, "so it was kept rather than replaced again")
    fresh = second.context["fresh"]
    assert fresh is not None
    client.logout()
    assert client.get(fresh["url"].removeprefix("http://127.0.0.1:8000")).status_code == 200


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_replacements_make_one_address(member):
    calendar_feed.issue_token(user=member)
    shown = calendar_feed.feed_version(calendar_feed.feed_of(member))

    def replace():
        return calendar_feed.issue_token(user=member, replacing=shown)

    outcomes = run_concurrently(replace, replace)

    made = [outcome.unwrap() for outcome in outcomes if outcome.unwrap() is not None]
    assert len(made) == 1 and calendar_feed.feed_for_token(made[0]) is not None
