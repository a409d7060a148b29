"""Who may see and do what; every view fetches teams and organisations through here.

- anonymous people are sent to log in (views use `login_required`);
- someone who is not in the team gets 404, so a team's existence does not leak;
- a member lacking the needed role gets 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from alignment.models import Membership, Organisation, Role, Team


@dataclass(frozen=True)
class TeamAccess:
    """A team together with the asking person's membership of it."""

    team: Team
    membership: Membership

    @property
    def is_leader(self) -> bool:
        return self.membership.is_leader

    @property
    def is_facilitator(self) -> bool:
        return self.membership.is_facilitator

    def require(self, *roles: Role) -> TeamAccess:
        if roles and not any(self.membership.has_role(role) for role in roles):
            raise PermissionDenied("Your role in this team does not allow this.")
        return self


def team_access(user, org_slug: str, team_slug: str, *roles: Role) -> TeamAccess:
    """The team and the user's membership (one query); 404 for outsiders, 403 for a missing role.

    With several roles given, holding any one of them is enough.
    """
    team, membership = team_in_organisation(user, org_slug, team_slug)
    if membership is None:
        raise Http404("No such team")
    return TeamAccess(team=team, membership=membership).require(*roles)


def organisations_of(user):
    """Organisations the user belongs to: through any team, or as an admin."""
    in_a_team = Membership.objects.filter(user=user, team__organisation=OuterRef("pk"))
    return Organisation.objects.filter(Q(Exists(in_a_team)) | Q(admins=user)).distinct()


def organisation_access(user, org_slug: str) -> Organisation:
    """An organisation anyone in it may read; 404 for everybody else."""
    if not user.is_authenticated:
        raise Http404
    organisation = organisations_of(user).filter(slug=org_slug).first()
    if organisation is None:
        raise Http404("No such organisation")
    return organisation


def is_organisation_admin(user, organisation: Organisation) -> bool:
    return organisation.admins.filter(pk=user.pk).exists()


def require_organisation_admin(user, organisation: Organisation) -> None:
    if not is_organisation_admin(user, organisation):
        raise PermissionDenied("Only the organisation's admins may do this.")


def team_in_organisation(user, org_slug: str, team_slug: str) -> tuple[Team, Membership | None]:
    """Any team of an organisation the user belongs to, for reading what is public inside it.

    Returns the user's membership of that team, or None when they are only in the
    organisation (they may read ratified charters, nothing private). 404 when the user
    is not in the organisation at all. One query for a team member, two for others.
    """
    if not user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.select_related("team__organisation")
        .filter(user=user, team__slug=team_slug, team__organisation__slug=org_slug)
        .first()
    )
    if membership is not None:
        return membership.team, membership
    in_org = Membership.objects.filter(user=user, team__organisation=OuterRef("organisation"))
    team = (
        Team.objects.select_related("organisation")
        .filter(organisation__slug=org_slug, slug=team_slug)
        .filter(Q(Exists(in_org)) | Q(organisation__admins=user))
        .first()
    )
    if team is None:
        raise Http404("No such team")
    return team, None
