"""Actions on organisations, teams, memberships and invitations.

Each owns its transaction and queues side effects (emails) to run after commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from alignment.concurrency import save_if_unchanged
from alignment.models import Invitation, Membership, Organisation, Role, Team, hash_token


class ActionRefused(Exception):
    """A rule of the product refuses the action; the message is shown to the person."""


def _unique_slug(name: str, taken) -> str:
    base = slugify(name)[:50] or "team"
    slug, n = base, 2
    while taken(slug):
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_organisation(*, name: str, actor, purpose: str = "") -> Organisation:
    with transaction.atomic():
        slug = _unique_slug(name, lambda s: Organisation.objects.filter(slug=s).exists())
        organisation = Organisation.objects.create(name=name, slug=slug, purpose=purpose)
        organisation.admins.add(actor)
    return organisation


def create_team(*, organisation: Organisation, name: str, actor, **team_settings) -> Team:
    """Create a team in the organisation with the actor as its first leader."""
    with transaction.atomic():
        slug = _unique_slug(name, lambda s: organisation.teams.filter(slug=s).exists())
        team = Team.objects.create(organisation=organisation, name=name, slug=slug, **team_settings)
        Membership.objects.create(team=team, user=actor, is_leader=True, is_member=False)
    return team


def update_team_settings(*, team: Team, expected_version: int, **changes) -> Team:
    for name, value in changes.items():
        setattr(team, name, value)
    save_if_unchanged(team, expected_version=expected_version, fields=list(changes))
    return team


def _leaders_locked(team: Team) -> list[int]:
    # Lock the team's leader rows in a stable order so concurrent demotions serialise.
    return list(
        Membership.objects.select_for_update()
        .filter(team=team, is_leader=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def change_roles(*, membership: Membership, roles: Iterable[Role | str], actor) -> Membership:
    """Give a member exactly these roles; a team always keeps at least one leader."""
    roles = {Role(role) for role in roles}
    if not roles:
        raise ActionRefused("Choose at least one role, or remove the person from the team.")
    with transaction.atomic():
        leaders = _leaders_locked(membership.team)
        if Role.LEADER not in roles and leaders == [membership.pk]:
            raise ActionRefused(
                f"{membership.user.name} is the team's only leader. Make someone else a leader first."
            )
        membership.set_roles(roles)
        membership.save(update_fields=["is_leader", "is_member", "is_facilitator"])
    return membership


def remove_member(*, membership: Membership, actor) -> None:
    with transaction.atomic():
        leaders = _leaders_locked(membership.team)
        if leaders == [membership.pk]:
            raise ActionRefused(
                f"{membership.user.name} is the team's only leader and cannot leave or be removed. "
                "Make someone else a leader first."
            )
        membership.delete()


def invite(*, team: Team, email: str, roles: Iterable[Role | str], actor) -> tuple[Invitation, str]:
    """Invite an email address to the team; returns the invitation and its one-time token.

    A pending invitation to the same address is replaced (a re-send with a fresh link).
    """
    from alignment.tasks import send_invitation_email

    email = email.strip().lower()
    roles = {Role(role) for role in roles}
    if not roles:
        raise ActionRefused("Choose at least one role for the invitation.")
    if Membership.objects.filter(team=team, user__email__iexact=email).exists():
        raise ActionRefused(f"{email} is already in {team.name}. Change their roles in the member list.")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        team.invitations.pending().filter(email=email).update(revoked_at=now)
        invitation = Invitation(
            team=team, email=email, token_hash=hash_token(token), invited_by=actor,
            expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        invitation.set_roles(roles)
        try:
            invitation.save()
        except IntegrityError:
            raise ActionRefused(f"An invitation to {email} was just sent by someone else.") from None
        send_invitation_email.delay_on_commit(invitation.pk, token)
    return invitation, token


def revoke_invitation(*, invitation: Invitation, actor) -> None:
    revoked = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if not revoked:
        raise ActionRefused(f"The invitation to {invitation.email} was already {invitation.state.label.lower()}.")


def find_invitation(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("team__organisation", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )


def refusal_for(invitation: Invitation | None) -> str | None:
    """Why this invitation cannot be accepted, or None when it can."""
    if invitation is None:
        return "This invitation link is not valid. Check that you copied the whole link."
    return {
        Invitation.State.ACCEPTED: "This invitation has already been used. Ask a team leader for a new one.",
        Invitation.State.REVOKED: "This invitation was withdrawn. Ask a team leader for a new one.",
        Invitation.State.EXPIRED: "This invitation has expired. Ask a team leader to send a new one.",
        Invitation.State.PENDING: None,
    }[invitation.state]


def accept_invitation(*, token: str, user) -> Membership:
    """Join the team with the invited roles; an existing member gains the roles."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().select_related("team").filter(token_hash=hash_token(token)).first()
        )
        refusal = refusal_for(invitation)
        if refusal:
            raise ActionRefused(refusal)
        membership, created = Membership.objects.select_for_update().get_or_create(
            team=invitation.team, user=user,
            defaults={role_field: getattr(invitation, role_field)
                      for role_field in ("is_leader", "is_member", "is_facilitator")},
        )
        if not created:
            membership.set_roles(set(membership.roles) | set(invitation.roles))
            membership.save(update_fields=["is_leader", "is_member", "is_facilitator"])
        invitation.accepted_by = user
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_by", "accepted_at"])
    return membership
