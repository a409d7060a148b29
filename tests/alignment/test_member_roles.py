"""Leaders change members' roles; a team always keeps a leader."""

from __future__ import annotations

from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from alignment.models import Membership

HTMX = {"HTTP_HX_REQUEST": "true"}


def roles_url(membership) -> str:
    return reverse("member_roles", args=["harbour", "platform", membership.pk])


def test_htmx_post_returns_only_the_members_section(login, leader, member, team):
    membership = Membership.objects.get(user=member)

    response = login(leader).post(
        roles_url(membership), {"roles": ["member", "facilitator"]}, **HTMX
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="members"')
    assert "<html" not in html
    assert "Max Member is now: Member, Facilitator." in html
    membership.refresh_from_db()
    assert membership.roles == ["member", "facilitator"]


def test_plain_post_redirects_with_a_message(login, leader, member, team):
    membership = Membership.objects.get(user=member)

    response = login(leader).post(roles_url(membership), {"roles": ["leader"]}, follow=True)

    assertRedirects(response, team.get_absolute_url() + "#members")
    assertContains(response, "Max Member is now: Leader.")
    membership.refresh_from_db()
    assert membership.roles == ["leader"]


def test_no_role_is_refused_with_a_message_and_changes_nothing(login, leader, member, team):
    membership = Membership.objects.get(user=member)

    response = login(leader).post(roles_url(membership), {}, **HTMX)

    assert response.status_code == 400
    assertContains(response, "Choose at least one role.", status_code=400)
    assert "<html" not in response.content.decode()
    membership.refresh_from_db()
    assert membership.roles == ["member"]


def test_no_role_without_javascript_redirects_with_the_error(login, leader, member, team):
    membership = Membership.objects.get(user=member)

    response = login(leader).post(roles_url(membership), {}, follow=True)

    assertRedirects(response, team.get_absolute_url() + "#members")
    assertContains(response, "Choose at least one role.")
    membership.refresh_from_db()
    assert membership.roles == ["member"]


def test_demoting_the_only_leader_is_refused_with_a_clear_message(login, leader, team):
    own = Membership.objects.get(user=leader)

    response = login(leader).post(roles_url(own), {"roles": ["member"]}, **HTMX)

    assert response.status_code == 400
    assertContains(
        response,
        "Lena Leader is the team&#x27;s only leader. Make someone else a leader first.",
        status_code=400,
    )
    own.refresh_from_db()
    assert own.roles == ["leader"]


def test_demoting_the_only_leader_without_javascript_shows_the_message(login, leader, team):
    own = Membership.objects.get(user=leader)

    response = login(leader).post(roles_url(own), {"roles": ["member"]}, follow=True)

    assertContains(response, "only leader")
    own.refresh_from_db()
    assert own.is_leader


def test_leader_may_step_down_once_another_leader_exists(login, leader, member, team):
    client = login(leader)
    client.post(roles_url(Membership.objects.get(user=member)), {"roles": ["leader", "member"]})
    own = Membership.objects.get(user=leader)

    response = client.post(roles_url(own), {"roles": ["member"]}, **HTMX)

    assert response.status_code == 200
    own.refresh_from_db()
    assert own.roles == ["member"]
    # No longer a leader: the next leader-only action is refused.
    assert client.post(roles_url(own), {"roles": ["leader"]}).status_code == 403


def test_unknown_role_is_a_validation_error_not_a_crash(login, leader, member, team):
    membership = Membership.objects.get(user=member)

    response = login(leader).post(roles_url(membership), {"roles": ["owner"]}, **HTMX)

    assert response.status_code == 400
    assertContains(response, "Select a valid choice.", status_code=400)
    membership.refresh_from_db()
    assert membership.roles == ["member"]
