"""Fixtures for the alignment tests: invitations with known tokens, and big teams."""

from __future__ import annotations

import pytest

from tests import cast


@pytest.fixture
def make_invitation(db):
    """Create an invitation directly, returning it with its one-time token (no email sent)."""
    return cast.invitation


@pytest.fixture
def grow_team(make_user, add_member, make_invitation):
    """Fill a team up to `people` memberships and add pending invitations from distinct inviters.

    Every added person and inviter is distinct, so a page that fetches them one by one
    shows up as a growing query count.
    """

    def grow(team, *, people: int, invitations: int = 0) -> None:
        for n in range(invitations):
            # Inviters need not be in the team any more; they still show on the invitation.
            inviter = make_user(f"inviter{n}.{team.slug}@example.com", f"Inviter {n}")
            make_invitation(
                team, f"invitee{n}.{team.slug}@example.com", "member", invited_by=inviter
            )
        for n in range(team.memberships.count(), people):
            add_member(
                team,
                make_user(f"person{n}.{team.slug}@example.com", f"Person {n}"),
                "leader" if n % 5 == 0 else "member",
            )

    return grow
