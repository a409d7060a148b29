"""The team page: people and roles for everyone; invitations and role forms for leaders."""

from __future__ import annotations

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from alignment.models import Membership

TEAM_URL = reverse("team", args=["harbour", "platform"])


def test_member_sees_people_and_their_roles_but_no_leader_controls(
    login, leader, member, facilitator, make_invitation, team
):
    make_invitation(team, "pending@example.com", invited_by=leader)

    response = login(member).get(TEAM_URL)

    assertContains(response, "Lena Leader")
    assertContains(response, "Fay Facilitator")
    assertContains(response, '<span class="badge role-facilitator">Facilitator</span>', html=True)
    assertNotContains(response, 'id="invitations"')
    assertNotContains(response, "pending@example.com")
    assertNotContains(response, 'name="roles"')
    assertNotContains(response, reverse("team_settings", args=["harbour", "platform"]))


def test_leader_sees_invitations_role_forms_and_settings(
    login, leader, member, make_invitation, team
):
    make_invitation(team, "pending@example.com", "facilitator", invited_by=leader)
    member_membership = Membership.objects.get(user=member)

    response = login(leader).get(TEAM_URL)

    assertContains(response, "pending@example.com")
    assertContains(response, "as Facilitator")
    assertContains(response, "invited by Lena Leader")
    assertContains(
        response, reverse("member_roles", args=["harbour", "platform", member_membership.pk])
    )
    assertContains(response, reverse("team_settings", args=["harbour", "platform"]))


def test_leader_cannot_remove_themselves_from_the_list_only_leave(login, leader, team, make_user, add_member):
    own = Membership.objects.get(user=leader)
    add_member(team, make_user("second@example.com", "Second Leader"), "leader")

    response = login(leader).get(TEAM_URL)

    remove_url = reverse("member_remove", args=["harbour", "platform", own.pk])
    # One form: "Leave this team", not a "Remove" button next to their own name.
    assertContains(response, f'action="{remove_url}"', count=1)
    assertContains(response, "Leave this team")


def test_the_only_leader_is_told_why_they_cannot_leave(login, leader, team):
    response = login(leader).get(TEAM_URL)

    assertNotContains(response, "Leave this team")
    assertContains(response, "make someone else a leader before you can leave")


@pytest.mark.parametrize(("weeks", "said"), [(1, "review every week"), (6, "review every 6 weeks")])
def test_review_cycle_reads_as_a_sentence(weeks, said, login, member, team):
    team.review_cadence_weeks = weeks
    team.save(update_fields=["review_cadence_weeks"])

    response = login(member).get(TEAM_URL)

    assertContains(response, said)
    assertNotContains(response, "every 1 weeks")


def test_outsider_gets_404(login, outsider, team):
    assert login(outsider).get(TEAM_URL).status_code == 404


SIZES = pytest.mark.parametrize(
    "people, invitations",
    [(3, 1), (30, 6)],
    ids=["3-people-1-invitation", "30-people-6-invitations"],
)


@SIZES
def test_query_count_for_a_leader_is_flat(
    people,
    invitations,
    login,
    leader,
    member,
    facilitator,
    team,
    grow_team,
    django_assert_num_queries,
):
    grow_team(team, people=people, invitations=invitations)
    client = login(leader)

    # 1. user  2. my membership with team and organisation (and the header's bell's unread count)
    # 3. members with their users  4. pending invitations with who invited
    # 5. the team's current charters (charters' panel)  6. the open review cycle (reviews' panel)
    # 7. the non-negotiables' ratings of the last cycles (reviews' health panel)
    # 8. My week in this team (alignment/my_week.py), every source's parts in one query: the proposed
    # charter and the responses to it, my check-ins of this week and last and the team's submitted ones,
    # the people who check in, my commitments asked or falling due, the pending renegotiations, the open
    # blockers, the running retrospective, the open review prompts, the open requests to the team and my
    # consultations, the decisions whose review date has come
    # The list of people and the empty invitation form are drawn or read from the cache: no query.
    with django_assert_num_queries(8):
        response = client.get(TEAM_URL)

    assertContains(response, f'<span class="muted">({people})</span>', html=True)
    assertContains(response, 'id="invitation-', count=invitations)


@SIZES
def test_query_count_for_a_member_is_flat(
    people,
    invitations,
    login,
    leader,
    member,
    facilitator,
    team,
    grow_team,
    django_assert_num_queries,
):
    grow_team(team, people=people, invitations=invitations)
    client = login(member)

    # 1. user  2. my membership with team and organisation (and the header's bell's unread count)
    # 3. members with their users  4. the team's current charters (charters' panel)
    # 5. the open review cycle (reviews' panel)  6. the non-negotiables' ratings of the last cycles
    # (reviews' health panel)
    # 7. My week in this team (alignment/my_week.py), its parts in one query: the proposed charter and
    # my response, my check-ins of this week and last, my commitments asked or falling due, the open
    # blockers I raised or was named on, the running retrospective, the open requests to the team and my
    # consultations.
    with django_assert_num_queries(7):
        response = client.get(TEAM_URL)

    assertContains(response, f'<span class="muted">({people})</span>', html=True)
