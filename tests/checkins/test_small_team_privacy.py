"""Small-team privacy: counts of load and of the charter's pulse below the team's minimum (3 unless set) read
"fewer than 3" instead of the number: on the team's week, trends, the leaders' digest, the chat summary and the
retrospective's exports, for leaders as for members. In a team of five, "Overloaded 2" nearly names people."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from alignment.privacy import ShownCount, shown_count
from checkins import reminders
from checkins.models import CheckIn
from checkins.webhooks import summary_text
from notifications.models import Notification
from tests.checkins.conftest import MONDAY, at, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def five(team, member, facilitator, make_user, add_member, charter, frozen):
    """Five people check in: three about right, two overloaded who both flag the same non-negotiable."""
    frozen(at(4, "15:00"))
    people = [member, facilitator]
    for n in range(3):
        person = make_user(f"p{n}@example.com", f"Person {n}")
        add_member(team, person, "member")
        people.append(person)
    strained = charter.non_negotiables.get(title="No pager heroics")
    for person, load in zip(people, ["overloaded", "overloaded", "about_right", "about_right", "about_right"],
                            strict=True):
        CheckIn.objects.create(team=team, author=person, week=MONDAY, state="submitted", submitted_at=at(4),
                               load=load, strained_non_negotiable=strained if load == "overloaded" else None)
    return people


@pytest.mark.parametrize(("value", "minimum", "shown"), [
    (0, 3, "fewer than 3"), (2, 3, "fewer than 3"), (3, 3, "3"), (7, 3, "7"), (0, 1, "0"), (2, 5, "fewer than 5"),
])
def test_a_count_below_the_minimum_reads_fewer_than(value, minimum, shown):
    assert str(ShownCount(value, minimum)) == shown


def test_the_team_week_shows_fewer_than_3_to_members_and_leaders(login, leader, member, five):
    for reader in (leader, member):
        body = login(reader).get(url("week")).content.decode()

        assert "<dt>Overloaded</dt><dd>fewer than 3</dd>" in body
        assert "<dt>About right</dt><dd>3</dd>" in body
        assert "<dt>Light</dt><dd>fewer than 3</dd>" in body  # none: beside the total, 0 would tell the rest
        assert "No pager heroics</strong> — fewer than 3 people" in body
        assert "<dd>2</dd>" not in body and "— 2 people" not in body


def test_the_team_chooses_its_minimum(login, leader, team, five):
    response = login(leader).post(reverse("team_settings", args=[team.organisation.slug, team.slug]), {
        "name": team.name, "time_zone": team.time_zone, "checkin_weekday": team.checkin_weekday,
        "checkin_time": "10:00", "review_cadence_weeks": team.review_cadence_weeks, "privacy_minimum": "2",
        "version": team.version})
    team.refresh_from_db()
    body = login(leader).get(url("week")).content.decode()

    assert response.status_code == 302 and team.privacy_minimum == 2
    assert "<dt>Overloaded</dt><dd>2</dd>" in body and "<dt>Light</dt><dd>fewer than 2</dd>" in body


def test_the_settings_page_offers_the_minimum(login, leader, team):
    body = login(leader).get(reverse("team_settings", args=[team.organisation.slug, team.slug])).content.decode()

    assert 'name="privacy_minimum"' in body and 'value="3"' in body


def test_trends_show_fewer_than_3(login, member, five):
    body = login(member).get(url("trends")).content.decode()

    assert "<td>fewer than 3</td>" in body and '<td class="strained">fewer than 3</td>' in body
    assert '<td class="strained">2</td>' not in body


def test_the_digest_and_the_chat_summary_show_fewer_than_3(team, leader, five, settings):
    settings.LEADER_DIGEST_AFTER_HOURS = 4
    reminders.send_digests(now=at(4, "15:00"))
    body = Notification.objects.get(kind=reminders.DIGEST).body

    assert "About right: 3. Light and overloaded: fewer than 3 each." in body
    assert "No pager heroics: flagged by fewer than 3 people" in body
    from alignment.permissions import TeamAccess
    from alignment.weeks import week_starting
    from checkins.selectors import team_week_page

    week = week_starting(team, MONDAY)
    page = team_week_page(TeamAccess(team, leader, leader.memberships.get()), week, today=MONDAY)
    text = summary_text(team, week, page)
    assert "Load: About right: 3. Light and overloaded: fewer than 3 each." in text
    assert ": 2" not in text


def test_the_retrospective_csv_shows_fewer_than_3(login, team, leader, member, facilitator):
    from reviews.models import NonNegotiableRating
    from tests.reviews.retro_factories import charter_in_force, open_cycle, session
    from tests.reviews.retro_factories import url as retro_url

    open_cycle(team, charter_in_force(team))
    retro = session(team, facilitator, phase="closed")
    nn = retro.prompts.filter(kind="non_negotiable").first().non_negotiable
    NonNegotiableRating.objects.create(retrospective=retro, non_negotiable=nn, participant=member, rating="held")

    rows = list(csv.reader(io.StringIO(login(member).get(retro_url("retro_export_csv", retro.pk)).content.decode())))
    markdown = login(member).get(retro_url("retro_export_markdown", retro.pk)).content.decode()

    assert ["rating", nn.title, "held", "", "", "fewer than 3", "", ""] in rows
    assert ["rating", nn.title, "held", "", "", "1", "", ""] not in rows
    assert f"| {nn.title} | fewer than 3 | fewer than 3 | fewer than 3 |" in markdown


def test_shown_count_follows_the_team(team):
    team.privacy_minimum = 4
    assert str(shown_count(team, 3)) == "fewer than 4" and shown_count(team, 4).number == 4
