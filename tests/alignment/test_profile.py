"""Your profile: the name teammates see and the time zone times are shown in."""

from __future__ import annotations

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from tests.alignment.reading import form_values

PROFILE_URL = reverse("profile")


def test_shows_the_current_name_and_time_zone(login, member):
    response = login(member).get(PROFILE_URL)

    shown = form_values(response.content, PROFILE_URL)
    assert shown["display_name"] == ["Max Member"]
    assert shown["time_zone"] == ["UTC"]


def test_saves_display_name_and_time_zone(login, member):
    response = login(member).post(
        PROFILE_URL, {"display_name": "Max M.", "time_zone": "Asia/Kolkata"}, follow=True
    )

    assertRedirects(response, PROFILE_URL)
    assertContains(response, "Profile saved.")
    member.refresh_from_db()
    assert (member.display_name, member.time_zone) == ("Max M.", "Asia/Kolkata")


def test_empty_display_name_falls_back_to_the_email(login, member):
    login(member).post(PROFILE_URL, {"display_name": "", "time_zone": "UTC"})

    member.refresh_from_db()
    assert member.name == "member"


def test_unknown_time_zone_is_refused_and_the_name_typed_is_kept(login, member):
    response = login(member).post(
        PROFILE_URL, {"display_name": "Max M.", "time_zone": "Atlantis/Capital"}
    )

    assert response.status_code == 200
    assertContains(response, "Select a valid choice.")
    assert form_values(response.content, PROFILE_URL)["display_name"] == ["Max M."]
    member.refresh_from_db()
    assert member.time_zone == "UTC"


def test_email_cannot_be_changed_here(login, member):
    login(member).post(
        PROFILE_URL, {"display_name": "Max", "time_zone": "UTC", "email": "x@example.com"}
    )

    member.refresh_from_db()
    assert member.email == "member@example.com"


@pytest.mark.parametrize("people", [3, 30])
def test_query_count_is_flat(
    people, login, leader, member, facilitator, team, grow_team, django_assert_num_queries
):
    grow_team(team, people=people, invitations=5)
    client = login(member)

    # 1. user.
    # 2. the latest copy of their data they asked for ("Your data", alignment/data_export.py).
    # 3. their memberships (the header's team switcher, and the header's bell's unread count).
    # 4. their two-factor methods (the "Sign-in and security" section).
    with django_assert_num_queries(4):
        response = client.get(PROFILE_URL)

    assert response.status_code == 200
