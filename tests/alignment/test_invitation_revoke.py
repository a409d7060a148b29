"""Leaders withdraw pending invitations; the link then stops working."""

from __future__ import annotations

from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from alignment.confirm import CONFIRMED
from alignment.models import Invitation, Membership

HTMX = {"HTTP_HX_REQUEST": "true"}


def revoke_url(invitation) -> str:
    return reverse("invitation_revoke", args=["harbour", "platform", invitation.pk])


def test_htmx_post_returns_only_the_invitations_section(login, leader, team, make_invitation):
    invitation, _ = make_invitation(team, "omar@example.com", invited_by=leader)
    kept, _ = make_invitation(team, "mei@example.com", invited_by=leader)

    response = login(leader).post(revoke_url(invitation), CONFIRMED, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="invitations"')
    assert "<html" not in html
    assert "Invitation to omar@example.com withdrawn." in html
    assert f'id="invitation-{invitation.pk}"' not in html
    assert f'id="invitation-{kept.pk}"' in html


def test_plain_post_redirects_with_a_message(login, leader, team, make_invitation):
    invitation, _ = make_invitation(team, "omar@example.com", invited_by=leader)

    response = login(leader).post(revoke_url(invitation), CONFIRMED, follow=True)

    assertRedirects(response, team.get_absolute_url() + "#invitations")
    assertContains(response, "Invitation to omar@example.com withdrawn.")
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.REVOKED


def test_revoked_link_no_longer_lets_anyone_join(
    client, login, leader, team, make_invitation, make_user
):
    invitation, token = make_invitation(team, "omar@example.com", invited_by=leader)
    login(leader).post(revoke_url(invitation), CONFIRMED)
    omar = make_user("omar@example.com", "Omar")

    response = login(omar).post(reverse("invitation_accept", args=[token]))

    assert response.status_code == 410
    assert not Membership.objects.filter(user=omar).exists()


def test_revoking_an_accepted_invitation_leaves_it_accepted(
    login, leader, team, make_invitation, make_user
):
    invitation, token = make_invitation(team, "omar@example.com", invited_by=leader)
    omar = make_user("omar@example.com", "Omar")
    login(omar).post(reverse("invitation_accept", args=[token]))

    response = login(leader).post(revoke_url(invitation), CONFIRMED, follow=True)

    assertContains(response, "The invitation to omar@example.com was already accepted.")
    assert "withdrawn" not in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.ACCEPTED
    assert Membership.objects.filter(team=team, user=omar).exists()
