"""Leaders remove people; anyone may leave, except a team's last leader."""

from __future__ import annotations

from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from alignment.confirm import CONFIRMED
from alignment.models import Membership


def remove_url(membership) -> str:
    return reverse("member_remove", args=["harbour", "platform", membership.pk])


def test_leader_removes_someone(login, leader, member, team):
    membership = Membership.objects.get(user=member)

    response = login(leader).post(remove_url(membership), CONFIRMED, follow=True)

    assertRedirects(response, team.get_absolute_url() + "#members")
    assertContains(response, "Max Member was removed from Platform.")
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_member_cannot_remove_someone_else(login, member, facilitator, team):
    target = Membership.objects.get(user=facilitator)

    response = login(member).post(remove_url(target), CONFIRMED)

    assert response.status_code == 403
    assert Membership.objects.filter(pk=target.pk).exists()


def test_member_may_leave(login, leader, member, team):
    response = login(member).post(remove_url(Membership.objects.get(user=member)), CONFIRMED, follow=True)

    assertRedirects(response, reverse("home"))
    assertContains(response, "You left Platform.")
    assert not Membership.objects.filter(team=team, user=member).exists()


def test_last_leader_cannot_leave(login, leader, member, team):
    own = Membership.objects.get(user=leader)

    response = login(leader).post(remove_url(own), CONFIRMED, follow=True)

    assertRedirects(response, team.get_absolute_url() + "#members")
    assertContains(
        response, "Lena Leader is the team&#x27;s only leader and cannot leave or be removed."
    )
    assert Membership.objects.filter(pk=own.pk).exists()


def test_leader_may_leave_when_another_leader_remains(login, leader, make_user, add_member, team):
    add_member(team, make_user("deputy@example.com", "Dee Deputy"), "leader")

    response = login(leader).post(remove_url(Membership.objects.get(user=leader)), CONFIRMED)

    assertRedirects(response, reverse("home"), fetch_redirect_response=False)
    assert list(
        Membership.objects.filter(team=team, is_leader=True).values_list("user__email", flat=True)
    ) == ["deputy@example.com"]
