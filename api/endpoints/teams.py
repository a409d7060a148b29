"""Who the caller is, the organisations they may read, their teams, and a team's people."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import CursorPagination, paginate

from alignment.models import Membership, Team
from alignment.permissions import Capability
from api import access

router = Router(tags=["Organisations and teams"])


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


class Me(Schema):
    id: int
    name: str
    email: str
    time_zone: str
    token: str
    token_kind: str
    scopes: list[str]


class OrganisationOut(Schema):
    slug: str
    name: str
    purpose: str
    url: str

    @staticmethod
    def resolve_url(organisation) -> str:
        return absolute(organisation.get_absolute_url())


class TeamOut(Schema):
    slug: str
    name: str
    organisation: str
    time_zone: str
    checkin_weekday: int
    archived: bool
    url: str

    @staticmethod
    def resolve_organisation(team) -> str:
        return team.organisation.slug

    @staticmethod
    def resolve_archived(team) -> bool:
        return team.is_archived

    @staticmethod
    def resolve_url(team) -> str:
        return absolute(team.get_absolute_url())


class PersonOut(Schema):
    id: int
    name: str
    roles: list[str]
    joined_at: datetime

    @staticmethod
    def resolve_id(membership) -> int:
        return membership.user_id

    @staticmethod
    def resolve_name(membership) -> str:
        return membership.user.display_name or membership.user.email

    @staticmethod
    def resolve_roles(membership) -> list[str]:
        return [str(role) for role in membership.roles]


@router.get("/me", response=Me, summary="The person the token acts as")
def me(request: HttpRequest):
    token = access.token_of(request)
    person = token.user
    return Me(id=person.pk, name=person.display_name or person.email, email=person.email,
              time_zone=person.time_zone or "", token=token.prefix, token_kind=token.kind, scopes=token.scopes)


@router.get("/organisations", response=list[OrganisationOut], summary="Organisations the token may read")
@paginate(CursorPagination, ordering=("name", "pk"))
def organisations(request: HttpRequest):
    return access.organisations(request)


@router.get("/organisations/{org}", response=OrganisationOut, summary="One organisation")
def organisation(request: HttpRequest, org: str):
    return access.organisation(request, org)


@router.get("/organisations/{org}/teams", response=list[TeamOut], summary="The organisation's teams")
@paginate(CursorPagination, ordering=("name", "pk"))
def teams(request: HttpRequest, org: str):
    return Team.objects.filter(organisation=access.organisation(request, org)).select_related("organisation")


@router.get("/organisations/{org}/teams/{team}", response=TeamOut, summary="One team")
def team(request: HttpRequest, org: str, team: str):
    return access.team(request, org, team, area="teams").team


@router.get("/organisations/{org}/teams/{team}/people", response=list[PersonOut],
            summary="The team's people and their roles (its people only, as on the team page)")
@paginate(CursorPagination, ordering=("joined_at", "pk"))
def people(request: HttpRequest, org: str, team: str):
    found = access.team(request, org, team, Capability.READ_TEAM, area="teams").team
    return Membership.objects.filter(team=found).select_related("user")
