"""Following the link in an invitation email: sign up, log in, or accept straight away."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from alignment.models import Invitation, Membership, User
from tests.alignment.reading import accept_path_in

# Passes every validator in AUTH_PASSWORD_VALIDATORS.
STRONG_PASSWORD = "harbour-lights-at-dawn-42"


@pytest.fixture
def emailed_invitation(login, leader, team, mailoutbox, django_capture_on_commit_callbacks):
    """A leader invites someone through the page; returns the accept path from the email."""

    def invite(email: str = "omar@example.com", roles=("member", "facilitator")) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            login(leader).post(
                reverse("invitation_create", args=["harbour", "platform"]),
                {"email": email, "roles": list(roles)},
            )
        # The same test client now plays the person invited.
        login(leader).logout()
        return accept_path_in(mailoutbox[-1])

    return invite


def link_named(response, text: str) -> str:
    """The href of the link on the page whose text is `text`."""
    match = re.search(
        rf'<a [^>]*href="([^"]*)"[^>]*>\s*{re.escape(text)}\s*</a>', response.content.decode()
    )
    assert match, f"no link named {text!r}"
    return unescape(match.group(1))


def test_new_person_signs_up_from_the_email_and_joins(client, emailed_invitation, team):
    accept_path = emailed_invitation()

    page = client.get(accept_path)
    assertContains(page, "Join Platform")
    assertContains(page, "Lena Leader invited")
    assertContains(page, "Member, Facilitator")
    signup = client.get(link_named(page, "Create your account to accept"))
    assertContains(signup, 'value="omar@example.com"')
    signed_up = client.post(
        signup.request["PATH_INFO"] + "?" + signup.request["QUERY_STRING"],
        {
            "email": "omar@example.com",
            "display_name": "Omar",
            "password1": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD,
            "next": accept_path,
        },
    )
    assertRedirects(signed_up, accept_path, fetch_redirect_response=False)
    assertContains(client.get(accept_path), "Accept and join Platform")
    joined = client.post(accept_path, follow=True)

    assertRedirects(joined, team.get_absolute_url())
    assertContains(joined, "Welcome to Platform. You joined as Member, Facilitator.")
    membership = Membership.objects.get(team=team, user__email="omar@example.com")
    assert membership.roles == ["member", "facilitator"]
    invitation = Invitation.objects.get(email="omar@example.com")
    assert invitation.state == Invitation.State.ACCEPTED
    assert invitation.accepted_by == membership.user


def test_person_with_an_account_logs_in_from_the_email_and_joins(
    client, emailed_invitation, make_user, team
):
    omar = make_user("omar@example.com", "Omar")
    accept_path = emailed_invitation()

    page = client.get(accept_path)
    assertContains(page, "You already have an account.")
    login_url = link_named(page, "Log in to accept")
    assert login_url == f"{reverse('login')}?next={accept_path}"
    logged_in = client.post(
        reverse("login"),
        {"login": "OMAR@example.com", "password": "password", "next": accept_path},
    )
    assertRedirects(logged_in, accept_path, fetch_redirect_response=False)
    joined = client.post(accept_path)

    assertRedirects(joined, team.get_absolute_url(), fetch_redirect_response=False)
    assert Membership.objects.get(team=team, user=omar).roles == ["member", "facilitator"]


def test_existing_member_keeps_their_roles_and_gains_the_invited_ones(
    login, leader, member, team, make_invitation
):
    # Invited before they joined another way: the invitation is still pending.
    _, token = make_invitation(team, "member@example.com", "facilitator", invited_by=leader)

    response = login(member).post(reverse("invitation_accept", args=[token]))

    assertRedirects(response, team.get_absolute_url(), fetch_redirect_response=False)
    assert Membership.objects.filter(team=team, user=member).count() == 1
    assert Membership.objects.get(team=team, user=member).roles == ["member", "facilitator"]


def test_signed_in_as_someone_else_is_warned_before_accepting(
    login, make_user, make_invitation, team
):
    _, token = make_invitation(team, "omar@example.com")

    response = login(make_user("o.m@example.com")).get(reverse("invitation_accept", args=[token]))

    assertContains(response, "You are signed in as o.m@example.com, not omar@example.com.")


def _expire(invitation: Invitation, **_) -> None:
    invitation.expires_at = timezone.now() - timedelta(minutes=1)
    invitation.save(update_fields=["expires_at"])


def _revoke(invitation: Invitation, **_) -> None:
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])


def _use(invitation: Invitation, *, first_user) -> None:
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = first_user
    invitation.save(update_fields=["accepted_at", "accepted_by"])


UNUSABLE = pytest.mark.parametrize(
    "spoil, message",
    [
        (_expire, "This invitation has expired. Ask a team leader to send a new one."),
        (_revoke, "This invitation was withdrawn. Ask a team leader for a new one."),
        (_use, "This invitation has already been used. Ask a team leader for a new one."),
    ],
    ids=["expired", "revoked", "reused"],
)


@UNUSABLE
def test_unusable_link_shows_why_with_410(spoil, message, client, team, make_invitation, make_user):
    invitation, token = make_invitation(team, "omar@example.com")
    spoil(invitation, first_user=make_user("first@example.com"))

    response = client.get(reverse("invitation_accept", args=[token]))

    assertContains(response, message, status_code=410)
    assertNotContains(response, "Create your account", status_code=410)


@UNUSABLE
def test_unusable_link_creates_no_membership(
    spoil, message, login, team, make_invitation, make_user
):
    invitation, token = make_invitation(team, "omar@example.com")
    spoil(invitation, first_user=make_user("first@example.com"))
    omar = make_user("omar@example.com")

    response = login(omar).post(reverse("invitation_accept", args=[token]))

    assertContains(response, message, status_code=410)
    assert not Membership.objects.filter(user=omar).exists()


def test_link_works_once(login, team, make_invitation, make_user):
    _, token = make_invitation(team, "omar@example.com")
    url = reverse("invitation_accept", args=[token])
    login(make_user("omar@example.com")).post(url)
    someone_else = make_user("forwarded@example.com")

    response = login(someone_else).post(url)

    assertContains(response, "already been used", status_code=410)
    assert not Membership.objects.filter(user=someone_else).exists()


def test_unknown_token_gives_404_with_a_message(client, db):
    response = client.get(reverse("invitation_accept", args=["not-a-real-token"]))

    assertContains(
        response,
        "This invitation link is not valid. Check that you copied the whole link.",
        status_code=404,
    )


def test_anonymous_post_does_not_accept(client, team, make_invitation):
    _, token = make_invitation(team, "omar@example.com")

    response = client.post(reverse("invitation_accept", args=[token]))

    assert response.status_code == 200
    assert Invitation.objects.get().state == Invitation.State.PENDING
    assert not User.objects.filter(email="omar@example.com").exists()


SIZES = pytest.mark.parametrize(
    "people, invitations",
    [(3, 1), (30, 6)],
    ids=["3-people-1-invitation", "30-people-6-invitations"],
)


@SIZES
def test_query_count_for_a_newcomer_is_flat(
    people,
    invitations,
    client,
    leader,
    member,
    facilitator,
    team,
    grow_team,
    make_invitation,
    django_assert_num_queries,
):
    grow_team(team, people=people, invitations=invitations)
    _, token = make_invitation(team, "omar@example.com", invited_by=leader)

    # 1. the invitation with team, organisation and who invited
    # 2. is there an account for this email already? (no session: not logged in)
    with django_assert_num_queries(2):
        response = client.get(reverse("invitation_accept", args=[token]))

    assertContains(response, "Create your account to accept")


@SIZES
def test_query_count_for_a_logged_in_person_is_flat(
    people,
    invitations,
    login,
    leader,
    member,
    facilitator,
    team,
    grow_team,
    make_invitation,
    make_user,
    add_member,
    django_assert_num_queries,
):
    grow_team(team, people=people, invitations=invitations)
    _, token = make_invitation(team, "omar@example.com", invited_by=leader)
    omar = make_user("omar@example.com")
    client = login(omar)

    # 1. user  2. the invitation with team, organisation and who invited.
    # 3. the unread notifications count (the header's bell).
    with django_assert_num_queries(4):
        response = client.get(reverse("invitation_accept", args=[token]))

    assertContains(response, "Accept and join Platform")
