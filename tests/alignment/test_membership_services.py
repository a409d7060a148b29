"""Changing roles and removing people: a team always keeps at least one leader."""

from __future__ import annotations

import pytest

from alignment.errors import ActionRefused
from alignment.models import Membership, Role
from alignment.services import change_roles, remove_member


@pytest.fixture
def leadership(leader, team):
    return Membership.objects.get(team=team, user=leader)


def test_demoting_the_only_leader_is_refused(leadership, leader, member):
    with pytest.raises(
        ActionRefused, match="Lena Leader is the team's only leader. Make someone else"
    ):
        change_roles(membership=leadership, roles=[Role.MEMBER], actor=leader)

    leadership.refresh_from_db()
    assert leadership.roles == [Role.LEADER]


def test_demoting_a_leader_is_allowed_when_another_leader_exists(leadership, leader, member, team):
    deputy = Membership.objects.get(team=team, user=member)
    change_roles(membership=deputy, roles=[Role.LEADER, Role.MEMBER], actor=leader)

    change_roles(membership=leadership, roles=[Role.FACILITATOR], actor=leader)

    leadership.refresh_from_db()
    assert leadership.roles == [Role.FACILITATOR]
    assert list(Membership.objects.filter(team=team, is_leader=True)) == [deputy]


def test_only_leader_may_gain_roles_and_stay_leader(leadership, leader):
    change_roles(membership=leadership, roles=["leader", "facilitator"], actor=leader)

    leadership.refresh_from_db()
    assert leadership.roles == [Role.LEADER, Role.FACILITATOR]


def test_no_roles_is_refused(leadership, leader, member, team):
    membership = Membership.objects.get(team=team, user=member)

    with pytest.raises(ActionRefused, match="Choose at least one role"):
        change_roles(membership=membership, roles=[], actor=leader)


def test_removing_the_only_leader_is_refused(leadership, leader, member):
    with pytest.raises(ActionRefused, match="only leader and cannot leave or be removed"):
        remove_member(membership=leadership, actor=leader)

    assert Membership.objects.filter(pk=leadership.pk).exists()


def test_removing_a_leader_is_allowed_when_another_leader_exists(
    leadership, leader, make_user, add_member, team
):
    add_member(team, make_user("deputy@example.com"), "leader")

    remove_member(membership=leadership, actor=leader)

    assert not Membership.objects.filter(pk=leadership.pk).exists()


def test_other_leaders_in_other_teams_do_not_count(leadership, leader, outsider):
    # The outsider leads another team; this team still has only one leader.
    with pytest.raises(ActionRefused):
        remove_member(membership=leadership, actor=leader)


def test_removing_a_member_leaves_the_leader(leadership, leader, member, team):
    remove_member(membership=Membership.objects.get(team=team, user=member), actor=leader)

    assert list(team.memberships.all()) == [leadership]
