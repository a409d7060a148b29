"""Actions on organisations, teams, memberships and invitations.

Each owns its transaction and queues side effects (emails) to run after commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import caches
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from alignment import audit, task_queue, two_factor
from alignment.concurrency import save_if_unchanged
from alignment.errors import ActionRefused
from alignment.locks import lock_admins, lock_leaders, lock_organisation, lock_team
from alignment.models import (
    AuditKind,
    Deactivation,
    Invitation,
    Membership,
    Organisation,
    Role,
    Team,
    User,
    Weekday,
    hash_token,
    token_from_seed,
)
from alignment.outbox import Outbox
from alignment.signals import member_carries, member_joined, member_leaving, team_changed

# How many slugs one creation tries before giving up; each lost try means another creation
# with the same name committed meanwhile, so two people racing need at most two.
SLUG_ATTEMPTS = 5


def _unique_slug(name: str, taken: Callable[[str], bool]) -> str:
    base = slugify(name)[:50] or "team"
    slug, n = base, 2
    while taken(slug):
        slug, n = f"{base}-{n}", n + 1
    return slug


def _create_with_free_slug[M](name: str, *, taken: Callable[[str], bool], create: Callable[[str], M],
                              refusal: str) -> M:
    """Create a row under the first free slug for `name`, moving on when a concurrent creation takes it.

    Raises ActionRefused with `refusal` when the slug is lost SLUG_ATTEMPTS times in a row.
    """
    for _ in range(SLUG_ATTEMPTS):
        slug = _unique_slug(name, taken)
        try:
            # Choosing a slug reads before it writes, so two creations with one name can both pick it:
            # the unique constraint decides, and the savepoint keeps the loser's transaction usable.
            with transaction.atomic():
                return create(slug)
        except IntegrityError:
            if not taken(slug):
                raise  # another constraint refused the row, not the slug
    raise ActionRefused(refusal)


def create_organisation(*, name: str, actor, purpose: str = "") -> Organisation:
    with transaction.atomic():
        organisation = _create_with_free_slug(
            name,
            taken=lambda slug: Organisation.objects.filter(slug=slug).exists(),
            create=lambda slug: Organisation.objects.create(name=name, slug=slug, purpose=purpose),
            refusal=f"Another organisation called {name} was created at the same moment. "
                    "Save again to create yours.",
        )
        organisation.admins.add(actor)
    return organisation


def update_organisation_settings(
    *, organisation: Organisation, expected_version: int, actor, name: str, purpose_serves: str, purpose: str,
    purpose_refuses: str, default_time_zone: str, closed_cycle_retention_months: int | None,
    audit_retention_months: int | None = None, checkin_words_retention_months: int | None | object = ...,
    mfa_required: bool | None = None,
) -> Organisation:
    """Save the organisation's settings unless another admin saved them meanwhile (ConcurrentEditError).

    `closed_cycle_retention_months`: None keeps closed cycles for ever; otherwise `reviews.retention` deletes
    those closed longer ago, daily. `audit_retention_months` (None leaves it): `alignment.audit` deletes older
    audit events, daily. `checkin_words_retention_months` (None: for ever; not given: as it is): the daily words
    retention (`alignment.erasure`) blanks check-ins' words in cycles closed longer ago. `mfa_required` (None
    leaves it): turned on, every signed-in session of the organisation's people checks at its next request
    whether they still owe a second factor (`alignment.two_factor`).
    """
    changes = {"name": name, "purpose_serves": purpose_serves, "purpose": purpose,
               "purpose_refuses": purpose_refuses, "default_time_zone": default_time_zone,
               "closed_cycle_retention_months": closed_cycle_retention_months}
    if audit_retention_months is not None:
        changes["audit_retention_months"] = audit_retention_months
    if checkin_words_retention_months is not ...:
        changes["checkin_words_retention_months"] = checkin_words_retention_months
    if mfa_required is not None:
        changes["mfa_required"] = mfa_required
    before = {field: getattr(organisation, field) for field in changes}
    for field, value in changes.items():
        setattr(organisation, field, value)
    with transaction.atomic():
        save_if_unchanged(organisation, expected_version=expected_version, fields=list(changes))
        if diff := audit.changed(before, changes):
            audit.record(AuditKind.ORGANISATION_SETTINGS_CHANGED, organisation=organisation, actor=actor,
                         summary=f"Settings of {organisation.name} changed: {', '.join(diff)}", changes=diff)
        if mfa_required is not None and mfa_required != before["mfa_required"]:
            transaction.on_commit(two_factor.policy_changed)
    return organisation


def add_admin(*, organisation: Organisation, person: User, actor) -> None:
    """Make someone of the organisation one of its admins; refused for someone outside it."""
    with transaction.atomic():
        lock_organisation(organisation.pk)
        if not User.objects.in_organisation(organisation).filter(pk=person.pk).exists():
            raise ActionRefused(f"{person.name} is not in {organisation.name}: invite them to a team first.")
        if organisation.admins.filter(pk=person.pk).exists():
            raise ActionRefused(f"{person.name} is already an admin of {organisation.name}.")
        organisation.admins.add(person)
        audit.record(AuditKind.ADMIN_ADDED, organisation=organisation, actor=actor,
                     summary=f"{person.email} made an admin of {organisation.name}",
                     changes={"admin": [None, person.email]})


def remove_admin(*, organisation: Organisation, person: User, actor) -> None:
    """Take someone's admin rights away; the organisation always keeps one admin (checked under lock)."""
    with transaction.atomic():
        lock_organisation(organisation.pk)
        admins = lock_admins(organisation)
        if person.pk not in admins:
            raise ActionRefused(f"{person.name} is not an admin of {organisation.name} any more.")
        if admins == [person.pk]:
            raise ActionRefused(f"{person.name} is {organisation.name}'s only admin. Make someone else an admin "
                                "first.")
        organisation.admins.remove(person)
        audit.record(AuditKind.ADMIN_REMOVED, organisation=organisation, actor=actor,
                     summary=f"{person.email} is no longer an admin of {organisation.name}",
                     changes={"admin": [person.email, None]})


def _refuse_a_taken_team_name(organisation: Organisation, name: str, *, team: Team | None = None) -> None:
    """ActionRefused if another team of the organisation has this name, whatever its capitals."""
    others = organisation.teams.named(name)
    if team is not None:
        others = others.exclude(pk=team.pk)
    existing = others.values_list("name", flat=True).first()
    if existing is not None:
        raise ActionRefused(f"There is already a team called {existing} in this organisation.")


def create_team(
    *,
    organisation: Organisation,
    name: str,
    actor,
    time_zone: str = "UTC",
    checkin_weekday: int = Weekday.FRIDAY,
    checkin_time: time = time(10, 0),
    review_cadence_weeks: int = 6,
    checkins_open_to_team: bool = False,
    leader: User | None = None,
    leader_email: str = "",
) -> Team:
    """Create a team in the organisation with its first leader; its name must be free there.

    The leader is `leader`, else whoever `leader_email` names: someone of the organisation joins as
    its leader at once, anyone else is invited with the leader role (the e-mail goes when the team
    commits). With neither, the actor leads it. The actor joins the team only
    as its leader.
    """
    if leader is None and leader_email:
        # Someone of the organisation leads it at once; anyone else is asked (an account elsewhere too).
        leader = User.objects.in_organisation(organisation).filter(email__iexact=leader_email.strip()).first()
    leader = leader if leader is not None or leader_email else actor
    with transaction.atomic():
        _refuse_a_taken_team_name(organisation, name)
        try:
            team = _create_with_free_slug(
                name,
                taken=lambda slug: organisation.teams.filter(slug=slug).exists(),
                create=lambda slug: Team.objects.create(
                    organisation=organisation, name=name, slug=slug, time_zone=time_zone,
                    checkin_weekday=checkin_weekday, checkin_time=checkin_time,
                    review_cadence_weeks=review_cadence_weeks, checkins_open_to_team=checkins_open_to_team,
                ),
                refusal=f"Another team called {name} was created at the same moment. Save again to create yours.",
            )
        except IntegrityError:
            # A creation with the same name committed after the check above: its name wins.
            _refuse_a_taken_team_name(organisation, name)
            raise
        audit.record(AuditKind.TEAM_CREATED, team=team, actor=actor, summary=f"Team {team.name} created",
                     changes={"name": [None, team.name]})
        team_changed.send(sender=Team, team=team)  # the organisation has one team more
        if leader is not None:
            Membership.objects.create(team=team, user=leader, is_leader=True, is_member=False)
            audit.record(AuditKind.MEMBER_ADDED, team=team, actor=actor,
                         summary=f"{leader.email} joined {team.name} as its leader",
                         changes={"member": [None, leader.email], "roles": [[], [Role.LEADER.value]]})
        else:
            invite(team=team, email=leader_email, roles=[Role.LEADER], actor=actor)
    return team


def update_team_settings(
    *,
    team: Team,
    expected_version: int,
    name: str | None = None,
    time_zone: str | None = None,
    checkin_weekday: int | None = None,
    checkin_time: time | None = None,
    review_cadence_weeks: int | None = None,
    checkins_open_to_team: bool | None = None,
    privacy_minimum: int | None = None,
    strain_trigger_weeks: int | None = None,
    strain_trigger_window: int | None = None,
    unclear_trigger_count: int | None = None,
    actor=None,
) -> Team:
    """Save the given settings (None leaves one as it is) unless someone else saved the team meanwhile.

    Refuses a name another team of the organisation has, even when that team took it a moment ago.
    """
    changes = {
        field: value
        for field, value in {
            "name": name, "time_zone": time_zone, "checkin_weekday": checkin_weekday,
            "checkin_time": checkin_time, "review_cadence_weeks": review_cadence_weeks,
            "checkins_open_to_team": checkins_open_to_team, "privacy_minimum": privacy_minimum,
            "strain_trigger_weeks": strain_trigger_weeks, "strain_trigger_window": strain_trigger_window,
            "unclear_trigger_count": unclear_trigger_count,
        }.items()
        if value is not None
    }
    if name is not None:
        _refuse_a_taken_team_name(team.organisation, name, team=team)
    saved = {field: getattr(team, field) for field in changes}
    for field, value in changes.items():
        setattr(team, field, value)
    try:
        with transaction.atomic():
            save_if_unchanged(team, expected_version=expected_version, fields=list(changes))
            if diff := audit.changed(saved, changes):
                audit.record(AuditKind.TEAM_SETTINGS_CHANGED, team=team, actor=actor,
                             summary=f"Settings of {team.name} changed: {', '.join(diff)}", changes=diff)
            team_changed.send(sender=Team, team=team)
    except IntegrityError:
        for field, value in saved.items():
            setattr(team, field, value)
        if name is not None:
            _refuse_a_taken_team_name(team.organisation, name, team=team)
        raise
    return team


def archive_team(*, team: Team, actor) -> Team:
    """Make the team read-only: it leaves people's team lists and refuses every change until restored.

    Nothing is deleted: its charter, decisions and members stay readable. The version bump
    makes a settings save loaded before the archive a conflict instead of a silent write.
    """
    now = timezone.now()
    with transaction.atomic():
        archived = Team.objects.filter(pk=team.pk, archived_at__isnull=True).update(
            archived_at=now, version=F("version") + 1
        )
        if not archived:
            raise ActionRefused(f"{team.name} was already archived.")
        audit.record(AuditKind.TEAM_ARCHIVED, team=team, actor=actor, summary=f"{team.name} archived",
                     changes={"archived_at": [None, now]})
        team_changed.send(sender=Team, team=team)
    team.refresh_from_db(fields=["archived_at", "version"])
    return team


def restore_team(*, team: Team, actor) -> Team:
    """Bring an archived team back, as it was."""
    with transaction.atomic():
        restored = Team.objects.filter(pk=team.pk, archived_at__isnull=False).update(
            archived_at=None, version=F("version") + 1
        )
        if not restored:
            raise ActionRefused(f"{team.name} is not archived.")
        audit.record(AuditKind.TEAM_RESTORED, team=team, actor=actor, summary=f"{team.name} restored",
                     changes={"archived_at": [team.archived_at, None]})
        team_changed.send(sender=Team, team=team)
    team.refresh_from_db(fields=["archived_at", "version"])
    return team


def change_roles(*, membership: Membership, roles: Iterable[Role | str], actor) -> Membership:
    """Give a member exactly these roles; a team always keeps at least one leader."""
    roles = {Role(role) for role in roles}
    if not roles:
        raise ActionRefused("Choose at least one role, or remove the person from the team.")
    with transaction.atomic():
        leaders = lock_leaders(membership.team)
        if Role.LEADER not in roles and membership.is_only_leader_among(leaders):
            raise ActionRefused(
                f"{membership.user.name} is the team's only leader. Make someone else a leader first."
            )
        before = [role.value for role in membership.roles]
        membership.set_roles(roles)
        membership.save(update_fields=["is_leader", "is_member", "is_facilitator"])
        after = [role.value for role in membership.roles]
        if before != after:
            audit.record(AuditKind.ROLES_CHANGED, team=membership.team, actor=actor,
                         summary=f"Roles of {membership.user.email} in {membership.team.name} changed to "
                                 f"{membership.role_labels}",
                         changes={"member": membership.user.email, "roles": [before, after]})
    return membership


def make_leader(*, membership: Membership, actor) -> Membership:
    """An organisation's admin makes someone a leader of their team, keeping their other roles: how a team
    whose only leader is leaving (or being deactivated) gets another first, when nobody in it is there to."""
    with transaction.atomic():
        current = (Membership.objects.select_for_update(of=("self",)).select_related("user", "team__organisation")
                   .filter(pk=membership.pk).first())
        if current is None:
            raise ActionRefused(f"{membership.user.name} is no longer in {membership.team.name}. Nothing changed.")
        if current.team.is_archived:
            raise ActionRefused(f"{current.team.name} is archived, so its roles stay as they are.")
        if current.is_leader:
            return current
        return change_roles(membership=current, roles={*current.roles, Role.LEADER}, actor=actor)


def move_member(*, membership: Membership, to_team: Team, actor) -> Membership:
    """Move a person from their team to another of the organisation, keeping their roles; what they carried
    in the team they leave goes to its leader, as when they leave it (`member_leaving`).

    Refused (in words) when they are the only leader of the team they leave, are already in the other
    team, or either team is archived. Locks both teams in id order, then the leaving team's leaders.
    """
    person, from_team = membership.user.name, membership.team
    if to_team.organisation_id != from_team.organisation_id:
        raise ActionRefused(f"{to_team.name} is not a team of {from_team.organisation.name}.")
    if to_team.pk == from_team.pk:
        raise ActionRefused(f"{person} is already in {to_team.name}. Choose another team.")
    with transaction.atomic():
        teams = {pk: lock_team(pk) for pk in sorted((from_team.pk, to_team.pk))}
        if any(team is None for team in teams.values()):
            raise ActionRefused("One of the two teams was just deleted. Nothing moved.")
        archived = next((team for team in teams.values() if team.is_archived), None)
        if archived is not None:
            raise ActionRefused(f"{archived.name} is archived, so nobody can join or leave it.")
        leaders = lock_leaders(from_team)
        current = Membership.objects.select_for_update().filter(pk=membership.pk, team=from_team).first()
        if current is None:
            raise ActionRefused(f"{person} is no longer in {from_team.name}. Nothing moved.")
        if current.is_only_leader_among(leaders):
            raise ActionRefused(f"{person} is {from_team.name}'s only leader and cannot leave it. Make someone "
                                "else its leader first.")
        if Membership.objects.filter(team=to_team, user_id=current.user_id).exists():
            raise ActionRefused(f"{person} is already in {to_team.name}. Remove them from {from_team.name} "
                                "instead, or change their roles there.")
        current.user, current.team = membership.user, from_team
        member_leaving.send(sender=Membership, membership=current, successor=_successor(current, leaders),
                            actor=actor)
        current.team, current.joined_at = to_team, timezone.now()
        try:
            with transaction.atomic():
                current.save(update_fields=["team", "joined_at"])
        except IntegrityError:  # they joined the other team a moment ago
            raise ActionRefused(f"{person} has just joined {to_team.name}. Nothing moved.") from None
        audit.record(AuditKind.MEMBER_MOVED, team=to_team, actor=actor,
                     summary=f"{membership.user.email} moved from {from_team.name} to {to_team.name}",
                     changes={"member": membership.user.email, "team": [from_team.name, to_team.name]})
    return current


def remove_member(*, membership: Membership, actor) -> dict[str, int]:
    """Take someone out of the team (or let them leave); what they carried goes to a leader (`_end_membership`)."""
    with transaction.atomic():
        leaders = lock_leaders(membership.team)
        if membership.is_only_leader_among(leaders):
            raise ActionRefused(
                f"{membership.user.name} is the team's only leader and cannot leave or be removed. "
                "Make someone else a leader first."
            )
        roles = [role.value for role in membership.roles]
        handed = _end_membership(membership, leaders=leaders, actor=actor)
        email, team = membership.user.email, membership.team
        if actor is not None and actor.pk == membership.user_id:
            audit.record(AuditKind.MEMBER_LEFT, team=team, actor=actor, summary=f"{email} left {team.name}",
                         changes={"member": [email, None], "roles": [roles, []]})
        else:
            audit.record(AuditKind.MEMBER_REMOVED, team=team, actor=actor,
                         summary=f"{email} removed from {team.name}",
                         changes={"member": [email, None], "roles": [roles, []]})
    return handed


def _successor(membership: Membership, leaders: list[Membership]) -> User | None:
    """Who takes over what a leaver carried in the team: its longest-standing other leader (1 query)."""
    other = next((m for m in leaders if m.user_id != membership.user_id), None)
    return User.objects.filter(pk=other.user_id).first() if other is not None else None


def _end_membership(membership: Membership, *, leaders: list[Membership], actor) -> dict[str, int]:
    """Hand what the person carries in the team to a leader, then end the membership: what they wrote stays.

    The apps to the right hand over (`member_leaving`: commitments and blockers, in checkins) inside the
    caller's transaction; returns what they handed over, counted by noun. `leaders` are the team's, locked.
    """
    handed: dict[str, int] = {}
    successor = _successor(membership, leaders)
    # Nobody acting (the scheduled account erasure): what is handed over is recorded as taken by the successor,
    # since a hand-over's history names who asked for it.
    for _receiver, answer in member_leaving.send(sender=Membership, membership=membership, successor=successor,
                                                 actor=actor if actor is not None else successor):
        for noun, count in (answer or {}).items():
            handed[noun] = handed.get(noun, 0) + count
    membership.delete()
    return handed


def invite(*, team: Team, email: str, roles: Iterable[Role | str], actor) -> tuple[Invitation, str]:
    """Invite an email address to the team; returns the invitation and its one-time token.

    A pending invitation to the same address is replaced (a re-send with a fresh link). Its e-mail
    is recorded with it (the invitation is its outbox entry) and sent once it commits.
    """
    email = email.strip().lower()
    roles = {Role(role) for role in roles}
    if not roles:
        raise ActionRefused("Choose at least one role for the invitation.")
    if Membership.objects.filter(team=team, user__email__iexact=email).exists():
        raise ActionRefused(f"{email} is already in {team.name}. Change their roles in the member list.")
    seed = secrets.token_urlsafe(32)
    token = token_from_seed(seed)
    now = timezone.now()
    with transaction.atomic():
        team.invitations.pending().filter(email=email).update(revoked_at=now)
        invitation = Invitation(
            team=team, email=email, token_hash=hash_token(token), token_seed=seed, invited_by=actor,
            expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        invitation.set_roles(roles)
        try:
            invitation.save()
        except IntegrityError:
            raise ActionRefused(f"An invitation to {email} was just sent by someone else.") from None
        audit.record(AuditKind.INVITATION_SENT, team=team, actor=actor,
                     summary=f"{email} invited to {team.name} as {invitation.role_labels}",
                     changes={"email": email, "roles": ", ".join(role.value for role in invitation.roles)})
        task_queue.after_commit(SEND_INVITATION, [invitation.pk])
    return invitation, token


# Invitation e-mails ---------------------------------------------------------------------------------------

SEND_INVITATION = "alignment.tasks.send_invitation_email"
INVITATION_LEASE = timedelta(minutes=10)  # longer than a send takes: a try still holding it died
INVITATION_GRACE = timedelta(minutes=2)  # the invitation's own task sends it within seconds
INVITATION_BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
INVITATION_OUTBOX = Outbox(lease=INVITATION_LEASE, grace=INVITATION_GRACE, backoff=INVITATION_BACKOFF)


def email_invitation(invitation_id: int, *, token: str | None = None, now: datetime | None = None) -> bool:
    """Send the invitation's e-mail once, whoever asks and however often; True if this call sent it.

    The link is made again from the invitation's seed (`token` is for invitations made before
    seeds). As with notifications, a try claims the row for a lease before sending and marks it
    sent after; a worker dying in between lets go when the lease passes, and the sweep
    (`send_unsent_invitations`) tries again. A failed send waits before its next try, and raises.
    """
    now = now or timezone.now()
    invitation = (Invitation.objects.select_related("team__organisation", "invited_by")
                  .filter(pk=invitation_id).first())
    if invitation is None or invitation.state != Invitation.State.PENDING:
        return False
    token = token_from_seed(invitation.token_seed) if invitation.token_seed else token
    if not token or hash_token(token) != invitation.token_hash:
        return False
    return INVITATION_OUTBOX.send_once(invitation, lambda: _invitation_message(invitation, token), now)


def _invitation_message(invitation: Invitation, token: str) -> EmailMultiAlternatives:
    context = {
        "invitation": invitation,
        "team": invitation.team,
        "accept_url": settings.SITE_URL + reverse("invitation_accept", args=[token]),
    }
    message = EmailMultiAlternatives(
        subject=render_to_string("emails/invitation-subject.txt", context).strip(),
        body=render_to_string("emails/invitation-body.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(render_to_string("emails/invitation-body.html", context), "text/html")
    return message


def unsent_invitation_ids(now: datetime, *, limit: int = 500) -> list[int]:
    """Pending invitations whose e-mail has not gone and that nobody is sending now (1 query)."""
    unsent = Invitation.objects.pending().filter(email_sent_at__isnull=True, expires_at__gt=now).exclude(token_seed="")
    return list(INVITATION_OUTBOX.waiting(unsent, now, decided="created_at")
                .order_by("created_at").values_list("pk", flat=True)[:limit])


def send_unsent_invitations(*, now: datetime | None = None, limit: int = 500) -> int:
    """Queue every invitation e-mail still to go (beat, every minute); returns how many."""
    due = unsent_invitation_ids(now or timezone.now(), limit=limit)
    task_queue.now(SEND_INVITATION, due)
    return len(due)


def revoke_invitation(*, invitation: Invitation, actor) -> None:
    with transaction.atomic():
        revoked = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        if not revoked:
            raise ActionRefused(f"The invitation to {invitation.email} was already "
                                f"{invitation.state.label.lower()}.")
        audit.record(AuditKind.INVITATION_REVOKED, team=invitation.team, actor=actor,
                     summary=f"Invitation of {invitation.email} to {invitation.team.name} revoked",
                     changes={"email": invitation.email})


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
    if invitation.state == Invitation.State.PENDING and invitation.team.is_archived:
        return f"{invitation.team.name} is archived, so nobody can join it for now. Ask a team leader to restore it."
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
        membership.team = invitation.team  # already loaded
        audit.record(AuditKind.INVITATION_ACCEPTED, team=invitation.team, actor=user,
                     summary=f"{user.email} joined {invitation.team.name} as {membership.role_labels}",
                     changes={"email": invitation.email, "roles": ", ".join(role.value for role in membership.roles)})
        # The team's leaders are told (notifications listens): the core does not know who tells them.
        member_joined.send(sender=Membership, membership=membership, invitation=invitation, joined=created)
    return membership


# Leavers ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Leaving:
    """What deactivating someone in an organisation will do, for the confirmation: said before it is done."""

    person: User
    memberships: list[Membership]  # their teams in the organisation, with the teams
    keeps_account: bool  # they are in another organisation too: only this one's teams are left
    carried: dict[str, int]  # what goes to the teams' leaders, counted by noun ("commitment": 2)
    refusal: str = ""  # why it cannot be done, in the admin's words; empty when it can


def leaving(*, organisation: Organisation, person: User, actor) -> Leaving:
    """What `deactivate_person` would do, or why it would refuse; writes nothing."""
    memberships = list(Membership.objects.filter(user=person, team__organisation=organisation)
                       .select_related("team__organisation", "user").order_by("team_id"))
    carried: dict[str, int] = {}
    for membership in memberships:
        for _receiver, answer in member_carries.send(sender=Membership, membership=membership, successor=None,
                                                     actor=actor):
            for noun, count in (answer or {}).items():
                carried[noun] = carried.get(noun, 0) + count
    leaders: dict[int, list[Membership]] = {}
    for leader in Membership.objects.filter(team__in=[m.team_id for m in memberships]).leaders().order_by("pk"):
        leaders.setdefault(leader.team_id, []).append(leader)  # query: their teams' leaders, all at once
    admins = list(organisation.admins.order_by("pk").values_list("pk", flat=True))
    return Leaving(person=person, memberships=memberships, keeps_account=_elsewhere(person, organisation),
                   carried=carried, refusal=_refusal_to_deactivate(organisation, person, actor, memberships,
                                                                   leaders, admins))


def _elsewhere(person: User, organisation: Organisation) -> bool:
    """Whether the person is in another organisation: in one of its teams, or one of its admins."""
    return (Membership.objects.filter(user=person).exclude(team__organisation=organisation).exists()
            or person.administered_organisations.exclude(pk=organisation.pk).exists())


def _refusal_to_deactivate(organisation: Organisation, person: User, actor, memberships: list[Membership],
                           leaders: dict[int, list[Membership]], admins: list[int]) -> str:
    """Why deactivating `person` is refused (empty when it is not): asked by the preview and the action alike,
    from their memberships, each team's leaders and the organisation's admins' ids."""
    if actor is not None and actor.pk == person.pk:
        return "You cannot deactivate yourself. Ask another admin."
    only_leader_of = [m.team.name for m in memberships if m.is_only_leader_among(leaders.get(m.team_id, []))]
    if only_leader_of:
        return (f"{person.name} is the only leader of {', '.join(only_leader_of)}. A team always keeps a leader: "
                "make someone else its leader first (\"Make leader\" beside them on People), so there is someone "
                "to hand over to.")
    if admins == [person.pk]:
        return f"{person.name} is {organisation.name}'s only admin. Make someone else an admin first."
    return ""


def deactivate_person(*, organisation: Organisation, person: User, actor, via: str = "") -> dict[str, int]:
    """A leaver loses access at once; what they wrote stays, marked "former member".

    In one transaction: each of their teams in the organisation hands what they carried to its leader (the
    same path as removing them, `_end_membership`) and their membership ends; they stop being an admin of it;
    every session of theirs ends; the account is switched off (`is_active`) unless they are also in another
    organisation, where they keep working. Refused when they are a team's only leader, or the
    organisation's only admin. Returns what was handed over, counted by noun, with "session".

    With no `actor`, nobody in Charter acted: `via` says what did ("Okta (identity provider)", through
    `alignment.scim`), and the audit trail names it as the one who acted.
    """
    with transaction.atomic():
        lock_organisation(organisation.pk)
        admins = lock_admins(organisation)
        memberships = list(Membership.objects.filter(user=person, team__organisation=organisation)
                           .select_related("team__organisation").order_by("team_id"))
        leaders = {m.team_id: lock_leaders(m.team) for m in memberships}  # team by team, in id order
        if refusal := _refusal_to_deactivate(organisation, person, actor, memberships, leaders, admins):
            raise ActionRefused(refusal)
        handed: dict[str, int] = {}
        teams = []
        for membership in memberships:
            membership.user = person
            teams.append({"team": membership.team.name, "team_id": membership.team_id,
                          "roles": [role.value for role in membership.roles]})
            for noun, count in _end_membership(membership, leaders=leaders[membership.team_id], actor=actor).items():
                handed[noun] = handed.get(noun, 0) + count
        was_admin = person.pk in admins
        if was_admin:
            organisation.admins.remove(person)
        keeps_account = _elsewhere(person, organisation)
        if not keeps_account and person.is_active:
            person.is_active = False
            person.save(update_fields=["is_active"])
        handed["session"] = end_sessions(person)
        Deactivation.objects.update_or_create(organisation=organisation, person=person, defaults={
            "at": timezone.now(), "by": actor, "teams": teams, "was_admin": was_admin})
        audit.record(AuditKind.PERSON_DEACTIVATED, organisation=organisation, actor=actor, actor_email=via,
                     summary=f"{person.email} deactivated in {organisation.name}"
                             + (f" by {via}" if via and actor is None else "")
                             + (" (their account stays open for another organisation)" if keeps_account else ""),
                     changes={"person": person.email, "teams": _teams_in_words(teams), "admin": was_admin,
                              "account": "kept for another organisation" if keeps_account else "deactivated",
                              "handed_over": handed})
    return handed


def _teams_in_words(teams: list[dict]) -> str:
    """"Platform (leader, member), Growth (member)", for the audit trail."""
    return ", ".join(f"{entry['team']} ({', '.join(entry['roles'])})" for entry in teams) or "none"


def end_sessions(person: User) -> int:
    """End every session of `person` at once: their rows and the cache in front of them.

    Sessions do not say whose they are outside their signed data, so the live ones are read and decoded;
    deactivating is rare, and this keeps no index of its own to go stale. Returns how many ended.
    """
    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore()
    model = store.get_model_class()
    whose = str(person.pk)
    keys = [row.session_key for row in model.objects.filter(expire_date__gt=timezone.now())
            .only("session_key", "session_data").iterator(chunk_size=2000)
            if store.decode(row.session_data).get(SESSION_KEY) == whose]
    model.objects.filter(session_key__in=keys).delete()
    prefix = getattr(engine.SessionStore, "cache_key_prefix", None)
    if prefix and keys:
        cache, cached = caches[settings.SESSION_CACHE_ALIAS], [prefix + key for key in keys]
        # Now, so that a process dying right after the commit leaves no session served from the cache (a rollback
        # only makes them read from their rows again); and once committed, for a request that cached one meanwhile.
        cache.delete_many(cached)
        transaction.on_commit(lambda: cache.delete_many(cached))
    return len(keys)


def deactivations(organisation: Organisation) -> dict[int, Deactivation]:
    """The people deactivated in the organisation and not since reactivated, by person id (1 query)."""
    return {d.person_id: d for d in Deactivation.objects.filter(organisation=organisation).select_related("person")}


def reactivate_person(*, organisation: Organisation, person: User, actor, via: str = "") -> list[Membership]:
    """Undo a deactivation made by mistake: the account opens again, with the teams and admin rights it had.

    Teams archived or deleted since are left out, as is one they have joined again meanwhile. What was handed
    over stays with the leaders who took it. Returns the memberships given back. With no `actor`, `via` says
    what acted, as for `deactivate_person`.
    """
    with transaction.atomic():
        lock_organisation(organisation.pk)
        deactivation = Deactivation.objects.filter(organisation=organisation, person=person).first()
        if deactivation is None:
            raise ActionRefused(f"{person.name} is not deactivated in {organisation.name}.")
        if not person.is_active:
            person.is_active = True
            person.save(update_fields=["is_active"])
        if deactivation.was_admin:
            organisation.admins.add(person)
        back = []
        teams = {team.pk: team for team in organisation.teams.active().filter(
            pk__in=[entry.get("team_id") for entry in deactivation.teams])}
        for entry in deactivation.teams:
            team = teams.get(entry.get("team_id"))
            if team is None or Membership.objects.filter(team=team, user=person).exists():
                continue
            membership = Membership(team=team, user=person)
            membership.set_roles(entry.get("roles") or [Role.MEMBER])
            membership.save()
            back.append(membership)
        deactivation.delete()
        audit.record(AuditKind.PERSON_REACTIVATED, organisation=organisation, actor=actor, actor_email=via,
                     summary=f"{person.email} reactivated in {organisation.name}"
                             + (f" by {via}" if via and actor is None else ""),
                     changes={"person": person.email, "admin": deactivation.was_admin,
                              "teams": _teams_in_words([{"team": m.team.name, "roles": [role.value for role in m.roles]}
                                                        for m in back])})
    return back


class Refusal(str):
    """One organisation's refusal to let someone go, in words ("Platform: …"), knowing which organisation said it."""

    organisation: Organisation
    reason: str

    def __new__(cls, text: str, *, organisation: Organisation, reason: str) -> Refusal:
        refusal = super().__new__(cls, text)
        refusal.organisation, refusal.reason = organisation, reason
        return refusal


def deactivate_everywhere(*, person: User, actor) -> list[Refusal]:
    """The site's admin deactivates someone: `deactivate_person` in each of their organisations, so each hands
    over as its admins' would; someone in none has their account switched off and their sessions ended.

    Returns the refusals, one per organisation that refused (its only leader or admin); the others are done.
    """
    refusals = []
    organisations = list(Organisation.objects.filter(
        Q(teams__memberships__user=person) | Q(admins=person)).distinct().order_by("pk"))
    for organisation in organisations:
        try:
            deactivate_person(organisation=organisation, person=person, actor=actor)
        except ActionRefused as exc:
            refusals.append(Refusal(f"{organisation.name}: {exc}", organisation=organisation, reason=str(exc)))
    if not organisations:
        with transaction.atomic():
            if person.is_active:
                person.is_active = False
                person.save(update_fields=["is_active"])
            ended = end_sessions(person)
            audit.record(AuditKind.PERSON_DEACTIVATED, actor=actor, summary=f"{person.email} deactivated",
                         changes={"person": person.email, "teams": "none", "account": "deactivated",
                                  "handed_over": {"session": ended}})
    return refusals
