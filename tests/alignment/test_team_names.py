"""A team's name is unique in its organisation, whatever its capitals; forms say so instead of failing.

Two requests racing for one name: tests/alignment/test_races.py.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from pytest_django.asserts import assertRedirects

from alignment.models import Organisation, Team
from tests.alignment.reading import form_values

CREATE_URL = reverse("team_create", args=["harbour"])
SETTINGS_URL = reverse("team_settings", args=["harbour", "platform"])
RHYTHM = {"time_zone": "Europe/Lisbon", "checkin_weekday": 2, "checkin_time": "09:30", "review_cadence_weeks": 4}


@pytest.mark.parametrize("typed", ["Platform", "platform", "PLATFORM"])
def test_creating_a_second_team_with_the_name_is_refused_on_the_name_field(typed, login, leader, team):
    response = login(leader).post(CREATE_URL, {"name": typed, **RHYTHM})

    assert response.status_code == 400
    assert response.context["form"].errors["name"] == ["There is already a team called Platform in this organisation."]
    assert form_values(response.content, CREATE_URL)["name"] == [typed]
    assert Team.objects.filter(organisation=team.organisation).count() == 1


def test_another_organisation_may_use_the_name(login, leader, team):
    elsewhere = Organisation.objects.create(name="Elsewhere", slug="elsewhere")
    elsewhere.admins.add(leader)

    response = login(leader).post(reverse("team_create", args=["elsewhere"]), {"name": "Platform", **RHYTHM})

    created = Team.objects.get(organisation=elsewhere)
    assertRedirects(response, created.get_absolute_url(), fetch_redirect_response=False)
    assert created.name == "Platform"


def test_renaming_to_another_teams_name_is_refused_on_the_name_field(login, leader, team, other_team):
    response = login(leader).post(SETTINGS_URL, {"name": "growth", "version": "1", **RHYTHM})

    assert response.status_code == 400
    assert response.context["form"].errors["name"] == ["There is already a team called Growth in this organisation."]
    team.refresh_from_db()
    assert (team.name, team.version) == ("Platform", 1)


def test_a_team_may_change_the_capitals_of_its_own_name(login, leader, team):
    response = login(leader).post(SETTINGS_URL, {"name": "PLATFORM", "version": "1", **RHYTHM})

    assertRedirects(response, team.get_absolute_url(), fetch_redirect_response=False)
    team.refresh_from_db()
    assert team.name == "PLATFORM"


def test_the_database_refuses_a_second_team_with_the_name(team):
    with pytest.raises(IntegrityError), transaction.atomic():
        Team.objects.create(organisation=team.organisation, name="pLaTfOrM", slug="another")


def test_the_admin_says_why(team):
    duplicate = Team(organisation=team.organisation, name="platform", slug="another")

    with pytest.raises(ValidationError, match="There is already a team with this name in this organisation."):
        duplicate.full_clean()


def test_named_compares_names_as_the_constraint_does(team, other_team):
    assert list(Team.objects.named("PLATFORM")) == [team]
    assert not Team.objects.named("Platform team").exists()
