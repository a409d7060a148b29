"""The home page: for a visitor, what Charter is; for someone signed in, their teams by organisation."""

from __future__ import annotations

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects, assertTemplateUsed

from alignment.models import Organisation, Team
from tests.alignment.reading import form_values


class TestSignedOut:
    def test_a_visitor_sees_what_charter_is(self, client, db):
        response = client.get(reverse("home"))

        assert response.status_code == 200
        assertTemplateUsed(response, "alignment/landing.html")
        for idea in ("A purpose is a decision rule", "Conscious investment", "A few non-negotiables",
                     "fixed", "consult", "team decides", "Check-ins that support, not surveil",
                     "A review every cycle"):
            assertContains(response, idea)

    def test_a_visitor_can_sign_up_or_log_in_from_it(self, client, db):
        response = client.get(reverse("home"))

        assertContains(response, f'<a class="button" href="{reverse("signup")}">Create your account</a>', html=True)
        assertContains(response, f'<form method="post" action="{reverse("login")}">')
        assert set(form_values(response.content, reverse("login"))) >= {"login", "password"}

    def test_logging_in_from_it_leads_to_my_teams(self, client, member, team):
        response = client.post(reverse("login"), {"login": "member@example.com", "password": "password"},
                               follow=True)

        assertRedirects(response, reverse("home"))
        # My week leads (tests/alignment/test_my_week.py); their teams follow it.
        assertContains(response, '<h1 id="my-week-title">My week</h1>', html=True)
        assertContains(response, '<h2 id="your-teams">Your teams</h2>', html=True)

    def test_signed_in_people_get_their_teams_instead(self, login, member, team):
        response = login(member).get(reverse("home"))

        assertTemplateUsed(response, "alignment/home.html")
        assertNotContains(response, "A purpose is a decision rule")


def test_lists_my_teams_with_my_roles_and_head_count(login, leader, member, facilitator, team):
    response = login(member).get(reverse("home"))

    assertContains(response, "Harbour Health")
    assertContains(response, f'href="{team.get_absolute_url()}"')
    assertContains(response, '<span class="badge role-member">Member</span>', html=True)
    assertContains(response, "3 people")


def test_a_team_of_one_is_one_person(login, leader, team):
    response = login(leader).get(reverse("home"))

    assertContains(response, "1 person")
    assertNotContains(response, "1 people")


def test_does_not_list_teams_i_am_not_in(login, member, outsider, other_team):
    response = login(member).get(reverse("home"))

    assertNotContains(response, other_team.get_absolute_url())
    assertNotContains(response, "Growth")


def test_newcomer_without_a_team_is_shown_how_to_start(login, make_user):
    response = login(make_user("new@example.com")).get(reverse("home"))

    assertContains(response, "Welcome to Charter")
    assertContains(response, reverse("organisation_create"))


def test_mentions_organisations_i_administer(login, leader):
    response = login(leader).get(reverse("home"))

    assertContains(response, "You administer")


@pytest.mark.parametrize("teams, people", [(1, 3), (6, 30)], ids=["1-team-of-3", "6-teams-of-30"])
def test_query_count_is_flat(
    teams,
    people,
    login,
    leader,
    member,
    facilitator,
    team,
    add_member,
    grow_team,
    django_assert_num_queries,
):
    elsewhere = Organisation.objects.create(name="Aardvark Care", slug="aardvark")
    for n in range(1, teams):
        extra = Team.objects.create(
            organisation=elsewhere if n % 2 else team.organisation,
            name=f"Team {n}",
            slug=f"team-{n}",
        )
        add_member(extra, leader, "leader")
        grow_team(extra, people=people)
    grow_team(team, people=people, invitations=3 if people > 3 else 0)
    client = login(leader)

    # 1. user  2. my memberships with team, organisation and head count (the header's team switcher
    # too, and the header's bell's unread count)  3. organisations I administer
    # 4. My week across all my teams (alignment/my_week.py), every source's parts in one query: the
    # proposed charters and the responses to them, my check-ins of this week and last and the submitted
    # ones of the teams I lead, the people of those teams, my commitments asked or falling due, the pending
    # renegotiations, the open blockers, the running retrospectives, the open review prompts, the open
    # requests to the teams I lead and my consultations, the decisions whose review date has come.
    with django_assert_num_queries(4):
        response = client.get(reverse("home"))

    assert response.status_code == 200
    assertContains(response, f"{people} people")
