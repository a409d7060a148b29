"""Two people doing the same thing at the same instant get clear outcomes, never a 500.

The concurrent tests fire real overlapping requests on their own PostgreSQL connections,
several rounds each because a race window is small. The plain tests below them replay the
losing side of each race deterministically, so they also run on SQLite.
"""

from __future__ import annotations

from functools import partial

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains

from alignment import services
from alignment.models import Organisation, Team, User
from tests.alignment.reading import form_values
from tests.concurrency import logged_in_client, on_postgresql, run_concurrently

ROUNDS = 5
EMAIL_TAKEN = "An account with this email already exists. Log in instead."
STRONG_PASSWORD = "harbour-lights-at-dawn-42"
TEAM_SETTINGS = {"time_zone": "Europe/Lisbon", "checkin_weekday": 2, "checkin_time": "09:30",
                 "review_cadence_weeks": 4}


def _signup_data(email: str) -> dict[str, str]:
    return {"email": email, "display_name": "Nadia Founder",
            "password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD}


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_organisations_with_the_same_name_at_once_both_get_distinct_slugs(make_user):
    founders = [make_user("ada@example.com"), make_user("ben@example.com")]
    for round_ in range(ROUNDS):
        name = f"Tidewater Trust {round_}"
        clients = [logged_in_client(founder) for founder in founders]

        outcomes = run_concurrently(*[
            partial(client.post, reverse("organisation_create"), {"name": name}) for client in clients
        ])

        responses = [outcome.unwrap() for outcome in outcomes]
        assert [r.status_code for r in responses] == [302, 302], f"round {round_}"
        slugs = set(Organisation.objects.filter(name=name).values_list("slug", flat=True))
        assert slugs == {f"tidewater-trust-{round_}", f"tidewater-trust-{round_}-2"}
        # Each founder is taken on to the team form of their own organisation.
        assert {r["Location"] for r in responses} == {reverse("team_create", args=[s]) for s in slugs}


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_teams_whose_names_share_a_slug_at_once_both_get_distinct_slugs(leader, organisation):
    for round_ in range(ROUNDS):
        names = [f"Squad {round_}", f"Squad {round_}!"]  # two names, one slug
        clients = [logged_in_client(leader), logged_in_client(leader)]

        outcomes = run_concurrently(*[
            partial(client.post, reverse("team_create", args=[organisation.slug]), {"name": name, **TEAM_SETTINGS})
            for client, name in zip(clients, names, strict=True)
        ])

        responses = [outcome.unwrap() for outcome in outcomes]
        assert [r.status_code for r in responses] == [302, 302], f"round {round_}"
        teams = Team.objects.filter(organisation=organisation, name__in=names)
        assert {t.slug for t in teams} == {f"squad-{round_}", f"squad-{round_}-2"}
        assert {r["Location"] for r in responses} == {t.get_absolute_url() for t in teams}
        assert all(t.memberships.get().user == leader for t in teams)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_teams_with_the_same_name_at_once_one_is_created_the_other_is_told_why(leader, organisation):
    for round_ in range(ROUNDS):
        # The same name with other capitals is the same name.
        names = [f"Squad {round_}", f"SQUAD {round_}"]
        clients = [logged_in_client(leader), logged_in_client(leader)]

        outcomes = run_concurrently(*[
            partial(client.post, reverse("team_create", args=[organisation.slug]), {"name": name, **TEAM_SETTINGS})
            for client, name in zip(clients, names, strict=True)
        ])

        responses = [outcome.unwrap() for outcome in outcomes]
        assert sorted(r.status_code for r in responses) == [302, 400], f"round {round_}"
        created = Team.objects.get(organisation=organisation, name__iexact=f"squad {round_}")
        refused = next(r for r in responses if r.status_code == 400)
        assert refused.context["form"].errors["name"] == [
            f"There is already a team called {created.name} in this organisation."
        ]
        # What the loser typed is still there to change.
        assert form_values(refused.content, reverse("team_create", args=[organisation.slug]))["name"] != [""]
        assert created.memberships.get().user == leader


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_sign_up_submitted_twice_at_once_creates_one_account_and_tells_the_second_to_log_in():
    for round_ in range(ROUNDS):
        email = f"nadia{round_}@example.com"
        clients = [Client(raise_request_exception=False), Client(raise_request_exception=False)]

        outcomes = run_concurrently(*[
            partial(client.post, reverse("signup"), _signup_data(email)) for client in clients
        ])

        responses = [outcome.unwrap() for outcome in outcomes]
        assert sorted(r.status_code for r in responses) == [200, 302], f"round {round_}"
        assert User.objects.filter(email=email).count() == 1
        winner, loser = sorted(zip(responses, clients, strict=True), key=lambda rc: rc[0].status_code != 302)
        assert winner[1].session[SESSION_KEY] == str(User.objects.get(email=email).pk)
        _assert_told_to_log_in_with_typing_kept(loser[0], email)
        assert SESSION_KEY not in loser[1].session


def _assert_told_to_log_in_with_typing_kept(response, email: str) -> None:
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [EMAIL_TAKEN]
    shown = form_values(response.content, reverse("signup"))
    assert shown["email"] == [email]
    assert shown["display_name"] == ["Nadia Founder"]
    assert shown["password1"] == shown["password2"] == [""]


# The losing side of each race, replayed: the check for a free slug or address passes,
# then someone else's row is already there when this one is inserted.


@pytest.fixture
def stale_slug_check(monkeypatch):
    """Make slug choice miss rows a concurrent creation inserted: the first `stale` choices ignore them."""

    def install(stale: int) -> None:
        choose = services._unique_slug
        calls = []

        def choose_then_lose(name, taken):
            calls.append(name)
            return choose(name, lambda slug: False) if len(calls) <= stale else choose(name, taken)

        monkeypatch.setattr(services, "_unique_slug", choose_then_lose)

    return install


def test_organisation_slug_taken_after_the_check_moves_on_to_the_next_free_slug(make_user, stale_slug_check):
    founder = make_user("founder@example.com")
    Organisation.objects.create(name="Tidewater Trust", slug="tidewater-trust")
    stale_slug_check(1)

    organisation = services.create_organisation(name="Tidewater Trust", actor=founder)

    assert organisation.slug == "tidewater-trust-2"
    assert list(organisation.admins.all()) == [founder]


def test_team_slug_taken_after_the_check_moves_on_to_the_next_free_slug(leader, organisation, team,
                                                                        stale_slug_check):
    stale_slug_check(1)

    created = services.create_team(organisation=organisation, name="Plätform", actor=leader)

    assert created.slug == "platform-2"
    assert created.memberships.get().user == leader


def test_team_slug_that_keeps_being_taken_is_refused_in_words_on_the_form(login, leader, organisation, team,
                                                                         stale_slug_check):
    stale_slug_check(services.SLUG_ATTEMPTS)

    response = login(leader).post(reverse("team_create", args=[organisation.slug]),
                                  {"name": "Plätform", **TEAM_SETTINGS})

    assert response.status_code == 400
    assert response.context["form"].errors["name"] == [
        "Another team called Plätform was created at the same moment. Save again to create yours."
    ]
    assert Team.objects.filter(organisation=organisation).count() == 1


def test_organisation_slug_that_keeps_being_taken_is_refused_in_words_on_the_form(login, make_user,
                                                                                 stale_slug_check):
    Organisation.objects.create(name="Tidewater Trust", slug="tidewater-trust")
    stale_slug_check(services.SLUG_ATTEMPTS)

    response = login(make_user("founder@example.com")).post(reverse("organisation_create"),
                                                            {"name": "Tidewater Trust", "purpose": "Boats."})

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "Another organisation called Tidewater Trust was created at the same moment. Save again to create yours."
    ]
    assert Organisation.objects.count() == 1


def test_address_taken_after_the_check_shows_the_form_again(client, make_user, monkeypatch):
    from alignment.forms import SignupForm

    validate_unique = SignupForm.validate_unique

    def other_sign_up_commits_after_the_checks(form):
        validate_unique(form)
        make_user("nadia@example.com")

    monkeypatch.setattr(SignupForm, "validate_unique", other_sign_up_commits_after_the_checks)

    response = client.post(reverse("signup"), _signup_data("nadia@example.com"))

    _assert_told_to_log_in_with_typing_kept(response, "nadia@example.com")
    assert User.objects.count() == 1
    assert SESSION_KEY not in client.session


@pytest.fixture
def stale_name_check(monkeypatch):
    """Make the first check for a taken team name miss a team a concurrent request just saved."""
    check = services._refuse_a_taken_team_name
    calls = []

    def check_then_lose(organisation, name, **kwargs):
        calls.append(name)
        if len(calls) > 1:
            check(organisation, name, **kwargs)

    monkeypatch.setattr(services, "_refuse_a_taken_team_name", check_then_lose)


def test_team_name_taken_after_the_check_is_refused_on_the_form(login, leader, organisation, team,
                                                                stale_name_check):
    response = login(leader).post(reverse("team_create", args=[organisation.slug]),
                                  {"name": "platform", **TEAM_SETTINGS})

    assert response.status_code == 400
    assert response.context["form"].errors["name"] == ["There is already a team called Platform in this organisation."]
    assert Team.objects.filter(organisation=organisation).count() == 1


def test_team_renamed_to_a_name_taken_after_the_check_is_refused_and_nothing_changes(
    login, leader, organisation, team, other_team, stale_name_check
):
    response = login(leader).post(reverse("team_settings", args=[organisation.slug, team.slug]),
                                  {"name": "GROWTH", "version": team.version, **TEAM_SETTINGS})

    assert response.status_code == 400
    assert response.context["form"].errors["name"] == ["There is already a team called Growth in this organisation."]
    # The page still shows the team as saved, and the save left no trace.
    assertContains(response, "<title>Settings · Platform · Charter</title>", status_code=400)
    team.refresh_from_db()
    assert (team.name, team.time_zone, team.version) == ("Platform", "Europe/London", 1)
