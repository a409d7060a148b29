"""Team settings: leaders edit them; a concurrent edit is never silently overwritten."""

from __future__ import annotations

from datetime import time

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from alignment import services
from tests.alignment.reading import form_values

SETTINGS_URL = reverse("team_settings", args=["harbour", "platform"])
FORM = {
    "name": "Platform Team",
    "time_zone": "Europe/Berlin",
    "checkin_weekday": "1",
    "checkin_time": "14:15",
    "review_cadence_weeks": "4",
}


def test_form_shows_the_current_settings_and_version(login, leader, team):
    response = login(leader).get(SETTINGS_URL)

    shown = form_values(response.content, SETTINGS_URL)
    assert shown["name"] == ["Platform"]
    assert shown["time_zone"] == ["Europe/London"]
    assert shown["checkin_time"] == ["10:00"]
    assert shown["version"] == ["1"]


def test_saving_changes_the_team_and_bumps_the_version(login, leader, team):
    response = login(leader).post(SETTINGS_URL, {**FORM, "version": "1"}, follow=True)

    assertRedirects(response, team.get_absolute_url())
    assertContains(response, "Team settings saved.")
    team.refresh_from_db()
    assert (
        team.name,
        team.time_zone,
        team.checkin_weekday,
        team.checkin_time,
        team.review_cadence_weeks,
    ) == ("Platform Team", "Europe/Berlin", 1, time(14, 15), 4)
    assert team.version == 2


@pytest.mark.parametrize(
    "field, bad, message",
    [
        ("name", "", "This field is required."),
        ("time_zone", "Mars/Olympus_Mons", "Select a valid choice."),
        ("review_cadence_weeks", "0", "greater than or equal to 1"),
        ("checkin_time", "25:99", "Enter a valid time."),
    ],
)
def test_invalid_value_shows_the_error_and_keeps_what_was_typed(
    field, bad, message, login, leader, team
):
    response = login(leader).post(SETTINGS_URL, {**FORM, field: bad, "version": "1"})

    assertContains(response, message, status_code=400)
    shown = form_values(response.content, SETTINGS_URL)
    typed = {**FORM, field: bad}
    for name in ("name", "checkin_time", "review_cadence_weeks"):
        assert shown[name] == [typed[name]]
    team.refresh_from_db()
    assert team.name == "Platform"
    assert team.version == 1


def test_concurrent_edit_is_shown_as_a_conflict_and_not_overwritten(login, leader, team):
    client = login(leader)
    loaded = form_values(client.get(SETTINGS_URL).content, SETTINGS_URL)
    # Another leader saves while this one is still typing.
    services.update_team_settings(
        team=team, expected_version=team.version, name="Platform Core", review_cadence_weeks=8
    )

    response = client.post(SETTINGS_URL, {**FORM, "version": loaded["version"][0]})

    assert response.status_code == 409
    # The same conflict box as every other editor: their saved value beside what was typed...
    assertContains(response, "Someone else saved this while you were editing", status_code=409)
    assertContains(response, "<title>Settings · Platform Core · Charter</title>", status_code=409)
    assertContains(response, "<tr><th scope=\"row\">Name</th><td>Platform Core</td><td>Platform Team</td></tr>",
                   html=True, status_code=409)
    assertContains(response, "<tr><th scope=\"row\">Review cycle length (weeks)</th><td>8</td><td>4</td></tr>",
                   html=True, status_code=409)
    # ...and what this leader typed is still in the form, now against the current version.
    retry = form_values(response.content, SETTINGS_URL)
    assert retry["name"] == ["Platform Team"]
    assert retry["review_cadence_weeks"] == ["4"]
    assert retry["version"] == ["2"]
    team.refresh_from_db()
    assert (team.name, team.review_cadence_weeks, team.version) == ("Platform Core", 8, 2)


def test_second_submit_after_a_conflict_saves_knowingly(login, leader, team):
    client = login(leader)
    services.update_team_settings(team=team, expected_version=1, name="Platform Core")
    conflict = client.post(SETTINGS_URL, {**FORM, "version": "1"})
    retry = {
        name: values if len(values) > 1 else values[0]
        for name, values in form_values(conflict.content, SETTINGS_URL).items()
    }

    response = client.post(SETTINGS_URL, retry)

    assertRedirects(response, team.get_absolute_url(), fetch_redirect_response=False)
    team.refresh_from_db()
    assert (team.name, team.review_cadence_weeks, team.version) == ("Platform Team", 4, 3)


def test_conflict_with_an_invalid_value_still_reports_the_error_first(login, leader, team):
    services.update_team_settings(team=team, expected_version=1, name="Platform Core")

    response = login(leader).post(SETTINGS_URL, {**FORM, "name": "", "version": "1"})

    # Nothing can be saved until the form is valid; the conflict is checked on save.
    assertContains(response, "This field is required.", status_code=400)
    assertNotContains(response, "Someone else changed", status_code=400)


def test_member_gets_403_and_nothing_changes(login, member, team):
    response = login(member).post(SETTINGS_URL, {**FORM, "version": "1"})

    assert response.status_code == 403
    team.refresh_from_db()
    assert team.name == "Platform"


@pytest.mark.parametrize("people", [3, 30])
def test_query_count_is_flat(
    people, login, leader, member, facilitator, team, grow_team, django_assert_num_queries
):
    grow_team(team, people=people, invitations=5)
    client = login(leader)

    # 1. user  2. my membership with team and organisation (and the header's bell's unread count).
    with django_assert_num_queries(2):
        response = client.get(SETTINGS_URL)

    assert response.status_code == 200
