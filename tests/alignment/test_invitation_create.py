"""Leaders invite people by email; htmx swaps only the invitations section."""

from __future__ import annotations

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from alignment.models import Invitation
from tests.alignment.reading import accept_path_in, form_values

INVITE_URL = reverse("invitation_create", args=["harbour", "platform"])
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_htmx_post_returns_only_the_invitations_section(
    login, leader, team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(leader).post(
            INVITE_URL, {"email": "omar@example.com", "roles": ["member"]}, **HTMX
        )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="invitations"')
    assert "<html" not in html
    assert 'class="site-header"' not in html
    assert "Invitation sent to omar@example.com" in html
    invitation = Invitation.objects.get(email="omar@example.com")
    assert f'id="invitation-{invitation.pk}"' in html
    # The form is empty again, ready for the next person.
    assert form_values(html, INVITE_URL)["email"] == [""]


def test_plain_post_redirects_to_the_invitations_section(login, leader, team):
    response = login(leader).post(INVITE_URL, {"email": "omar@example.com", "roles": ["member"]})

    assertRedirects(
        response, team.get_absolute_url() + "#invitations", fetch_redirect_response=False
    )
    followed = login(leader).get(response.url)
    assertContains(followed, "Invitation sent to omar@example.com")
    assertContains(followed, "<html")
    assert Invitation.objects.pending().filter(team=team, email="omar@example.com").exists()


def test_invitation_is_pending_with_the_chosen_roles_and_sends_an_email_with_the_link(
    login, leader, team, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        login(leader).post(
            INVITE_URL, {"email": " Omar@Example.com ", "roles": ["member", "facilitator"]}
        )

    invitation = Invitation.objects.get(team=team)
    assert invitation.email == "omar@example.com"
    assert invitation.state == Invitation.State.PENDING
    assert invitation.roles == ["member", "facilitator"]
    assert invitation.invited_by == leader
    assert [message.to for message in mailoutbox] == [["omar@example.com"]]
    assert accept_path_in(mailoutbox[0]).startswith("/invitations/")


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_bad_email_shows_the_error_and_keeps_what_was_typed(
    headers, login, leader, team, mailoutbox
):
    response = login(leader).post(
        INVITE_URL, {"email": "omar-at-example", "roles": ["facilitator"]}, **headers
    )

    assert response.status_code == 400
    assertContains(response, "Enter a valid email address.", status_code=400)
    typed = form_values(response.content, INVITE_URL)
    assert typed["email"] == ["omar-at-example"]
    assert typed["roles"] == ["facilitator"]
    is_whole_page = "<html" in response.content.decode()
    assert is_whole_page == (not headers)  # htmx gets the section, a plain post the whole page
    assert not Invitation.objects.exists()
    assert mailoutbox == []


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_no_role_shows_the_error_and_keeps_the_email(headers, login, leader, team):
    response = login(leader).post(INVITE_URL, {"email": "omar@example.com"}, **headers)

    assert response.status_code == 400
    assertContains(response, "Choose at least one role.", status_code=400)
    typed = form_values(response.content, INVITE_URL)
    assert typed["email"] == ["omar@example.com"]
    assert "roles" not in typed
    assert not Invitation.objects.exists()


def test_unknown_role_is_a_validation_error_not_a_crash(login, leader, team):
    response = login(leader).post(
        INVITE_URL, {"email": "omar@example.com", "roles": ["owner"]}, **HTMX
    )

    assert response.status_code == 400
    assertContains(response, "Select a valid choice.", status_code=400)


def test_inviting_someone_already_in_the_team_is_refused_in_the_form(login, leader, member, team):
    response = login(leader).post(
        INVITE_URL, {"email": "MEMBER@example.com", "roles": ["leader"]}, **HTMX
    )

    assert response.status_code == 400
    assertContains(response, "member@example.com is already in Platform", status_code=400)
    assertNotContains(response, "<html", status_code=400)
    assert not Invitation.objects.exists()


def test_inviting_the_same_email_again_replaces_the_pending_invitation(
    login, leader, team, mailoutbox, django_capture_on_commit_callbacks
):
    client = login(leader)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(INVITE_URL, {"email": "omar@example.com", "roles": ["member"]})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            INVITE_URL, {"email": "omar@example.com", "roles": ["facilitator"]}, **HTMX
        )

    pending = Invitation.objects.pending().get(email="omar@example.com")
    assert pending.roles == ["facilitator"]
    assert (
        Invitation.objects.filter(email="omar@example.com", revoked_at__isnull=False).count() == 1
    )
    assertContains(response, 'id="invitation-', count=1)
    # Each send has its own link; the first one no longer works.
    first, second = (accept_path_in(message) for message in mailoutbox)
    assert first != second
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200
