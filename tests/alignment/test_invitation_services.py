"""Inviting and accepting: one pending invitation per address, single-use tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alignment.errors import ActionRefused
from alignment.models import Invitation, Membership, Role, hash_token
from alignment.services import accept_invitation, find_invitation, invite
from tests.alignment.reading import accept_path_in


def test_invite_creates_a_pending_invitation_and_emails_the_link_after_commit(
    leader, team, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://charter.example.org"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation, token = invite(
            team=team, email="Omar@Example.com", roles=[Role.MEMBER], actor=leader
        )
    # Nothing is sent until the transaction commits.
    assert mailoutbox == []
    assert len(callbacks) == 1

    callbacks[0]()

    assert invitation.email == "omar@example.com"
    assert invitation.state == Invitation.State.PENDING
    valid_for = invitation.expires_at - invitation.created_at
    assert abs(valid_for - timedelta(days=settings.INVITATION_VALID_DAYS)) < timedelta(minutes=1)
    # Only the token's hash is stored.
    assert invitation.token_hash == hash_token(token) != token
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["omar@example.com"]
    assert email.subject == "Lena Leader invited you to Platform on Charter"
    assert f"https://charter.example.org/invitations/{token}/" in email.body
    assert accept_path_in(email) == f"/invitations/{token}/"
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="https://charter.example.org/invitations/{token}/"' in html
    invitation.refresh_from_db()
    assert invitation.email_sent_at is not None


def test_reinviting_the_same_email_replaces_the_pending_invitation(leader, team):
    first, first_token = invite(team=team, email="omar@example.com", roles=["member"], actor=leader)

    second, second_token = invite(
        team=team, email="OMAR@example.com", roles=["facilitator"], actor=leader
    )

    first.refresh_from_db()
    assert first.state == Invitation.State.REVOKED
    assert list(team.invitations.pending()) == [second]
    assert find_invitation(first_token) == first
    assert find_invitation(second_token).roles == [Role.FACILITATOR]


def test_invitations_to_other_teams_are_left_alone(leader, outsider, team, other_team):
    theirs, _ = invite(team=other_team, email="omar@example.com", roles=["member"], actor=outsider)

    invite(team=team, email="omar@example.com", roles=["member"], actor=leader)

    theirs.refresh_from_db()
    assert theirs.state == Invitation.State.PENDING


def test_inviting_an_existing_member_is_refused(leader, member, team):
    with pytest.raises(ActionRefused, match="member@example.com is already in Platform"):
        invite(team=team, email="Member@Example.com", roles=["facilitator"], actor=leader)

    assert not Invitation.objects.exists()


def test_inviting_with_no_roles_is_refused(leader, team):
    with pytest.raises(ActionRefused, match="Choose at least one role"):
        invite(team=team, email="omar@example.com", roles=[], actor=leader)


def test_accepting_creates_a_membership_with_the_invited_roles(leader, team, make_user):
    _, token = invite(
        team=team, email="omar@example.com", roles=["member", "facilitator"], actor=leader
    )
    omar = make_user("omar@example.com")

    membership = accept_invitation(token=token, user=omar)

    assert (membership.team, membership.user, membership.roles) == (
        team,
        omar,
        ["member", "facilitator"],
    )
    invitation = Invitation.objects.get()
    assert (invitation.state, invitation.accepted_by) == (Invitation.State.ACCEPTED, omar)


def test_accepting_as_an_existing_member_merges_roles(leader, member, team, make_invitation):
    _, token = make_invitation(team, "member@example.com", "leader")

    membership = accept_invitation(token=token, user=member)

    assert membership.roles == [Role.LEADER, Role.MEMBER]
    assert Membership.objects.filter(team=team, user=member).count() == 1


@pytest.mark.parametrize(
    "spoil, message",
    [
        ({"expires_at": timezone.now() - timedelta(seconds=1)}, "has expired"),
        ({"revoked_at": timezone.now()}, "was withdrawn"),
        ({"accepted_at": timezone.now()}, "already been used"),
    ],
    ids=["expired", "revoked", "used"],
)
def test_unusable_invitation_is_refused_and_creates_no_membership(
    spoil, message, team, make_invitation, make_user
):
    _, token = make_invitation(team, "omar@example.com", **spoil)
    omar = make_user("omar@example.com")

    with pytest.raises(ActionRefused, match=message):
        accept_invitation(token=token, user=omar)

    assert not Membership.objects.filter(user=omar).exists()


def test_unknown_token_is_refused(team, make_user):
    with pytest.raises(ActionRefused, match="not valid"):
        accept_invitation(token="nope", user=make_user("omar@example.com"))


def test_a_token_is_accepted_only_once(leader, team, make_user):
    _, token = invite(team=team, email="omar@example.com", roles=["member"], actor=leader)
    accept_invitation(token=token, user=make_user("omar@example.com"))
    forwarded_to = make_user("forwarded@example.com")

    with pytest.raises(ActionRefused, match="already been used"):
        accept_invitation(token=token, user=forwarded_to)

    assert not Membership.objects.filter(user=forwarded_to).exists()
