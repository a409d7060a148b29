"""Who may see and do what: named capabilities, asked by every view, selector and template.

- anonymous people are sent to log in (views use `login_required`);
- someone who is not in the team gets 404 on the team's private pages, so a team's
  existence and work do not leak; anyone in the organisation reads ratified charters;
- a person in the team lacking the capability gets 403;
- an archived team is read-only for everyone: `TeamAccess.capabilities` keeps only reading
  it and restoring it, so every feature app's capability (stewarding a charter, logging a
  decision...) is refused at once, with `ARCHIVED_REFUSAL` as the reason;
- an organisation's admin holds `ADMIN_CAPABILITIES` in every team of it, member or not: reading
  its summary pages (the team page, the week's summary, the decision log, the cycle page) and
  archiving or restoring it. Nothing else: a private check-in, a draft or the "This week" form
  stays 404 for an admin who is not in the team, as for anyone outside it.

Roles map to capabilities in one table (`ROLE_CAPABILITIES`); nothing else in the
project looks at a role to decide what someone may do. Capabilities that depend on an
object's state (may this person edit *this* version?) ask the object's own model
methods (`charter.is_editable`), so this module imports no feature app.

Who may read is read where it was last written: the database every write goes to, even while a page
reads the rest of itself from a read replica (`WHO_MAY_READ`). A replica can be seconds behind, and
someone removed from a team or an organisation a moment ago is refused at once, not once it catches up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, StringAgg, Subquery, Value, When
from django.db.models.expressions import Expression
from django.db.models.functions import Cast
from django.http import Http404

from alignment.models import Membership, Organisation, Role, Team
from alignment.one_query import read_shaped


class Capability(StrEnum):
    """What a person may do in a team, whatever role gives it to them."""

    READ_TEAM = "read_team"  # the team's private pages: members, drafts, decision log
    READ_SUMMARY = "read_summary"  # the team's summary pages: team page, week summary, decision log, cycles
    MANAGE_TEAM = "manage_team"  # settings, invitations, roles, removing someone else
    STEWARD_CHARTER = "steward_charter"  # start, edit, propose, withdraw, ratify, discard, amend; answer objections
    RESPOND_TO_CHARTER = "respond_to_charter"  # consent to or object against a proposed charter
    DISCUSS_CHARTER = "discuss_charter"  # comment on a draft or proposal
    LOG_DECISION = "log_decision"  # put a proposal to the decision rule
    RECORD_OUTCOME = "record_outcome"  # make the final call on a logged decision
    RECORD_PROGRESS = "record_progress"  # record key-result progress outside a check-in
    CHECK_IN = "check_in"  # write one's own weekly check-in
    READ_CHECKINS = "read_checkins"  # read the team's check-ins: the leader's week
    ANSWER_CHECKINS = "answer_checkins"  # resolve a blocker raised in a check-in
    ARCHIVE_TEAM = "archive_team"  # make the team read-only (its leaders, the organisation's admins)
    RESTORE_TEAM = "restore_team"  # bring an archived team back: the one change an archived team accepts
    RUN_RETRO = "run_retro"  # start and facilitate a retrospective: prompts, phases, timer, actions
    TAKE_PART_IN_RETRO = "take_part_in_retro"  # write cards, rate non-negotiables, group, vote, take notes


# The database a person's memberships and admin rows are read from: the one every write goes to, never a
# replica that may still list someone just removed (the router sends everything else where it will).
WHO_MAY_READ = DEFAULT_DB_ALIAS

C = Capability
_EVERYONE_IN_TEAM = {C.READ_TEAM, C.READ_SUMMARY, C.DISCUSS_CHARTER, C.LOG_DECISION, C.TAKE_PART_IN_RETRO}
ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.LEADER: frozenset(
        _EVERYONE_IN_TEAM | {C.MANAGE_TEAM, C.ARCHIVE_TEAM, C.RESTORE_TEAM, C.STEWARD_CHARTER, C.RECORD_OUTCOME, C.RECORD_PROGRESS,
                             C.READ_CHECKINS, C.ANSWER_CHECKINS, C.RUN_RETRO}
    ),
    # Consent is the team's to give: a leader who is only a leader proposes and answers.
    # A leader who is also a member checks in as a member.
    Role.MEMBER: frozenset(_EVERYONE_IN_TEAM | {C.RESPOND_TO_CHARTER, C.CHECK_IN}),
    Role.FACILITATOR: frozenset(_EVERYONE_IN_TEAM | {C.RESPOND_TO_CHARTER, C.CHECK_IN, C.READ_CHECKINS,
                                                     C.RUN_RETRO}),
}

# What an organisation's admin may do in every team of it, whether or not they are in it: read what the
# team shows the organisation (never a person's check-in words or drafts) and archive or restore it.
ADMIN_CAPABILITIES = frozenset({C.READ_SUMMARY, C.ARCHIVE_TEAM, C.RESTORE_TEAM})

# What an archived team still allows, to whoever held it before.
ARCHIVED_TEAM_CAPABILITIES = frozenset({C.READ_TEAM, C.READ_SUMMARY, C.READ_CHECKINS, C.RESTORE_TEAM})
ARCHIVED_REFUSAL = "This team is archived, so nothing in it can change. A leader can restore it from its settings."

REFUSALS = {
    C.MANAGE_TEAM: "Only the team's leaders may do this.",
    C.ARCHIVE_TEAM: "Only the team's leaders and the organisation's admins may archive it.",
    C.RESTORE_TEAM: "Only the team's leaders and the organisation's admins may restore it.",
    C.STEWARD_CHARTER: "Only the team's leaders may change the charter or move it through consent.",
    C.RESPOND_TO_CHARTER: "Consent and objections are for the team's members and facilitators.",
    C.RECORD_OUTCOME: "Only the team's leaders record the final decision.",
    C.RECORD_PROGRESS: "Only the team's leaders record progress outside a check-in.",
    C.CHECK_IN: "Weekly check-ins are written by the team's members and facilitators.",
    C.READ_CHECKINS: "The team's check-ins are read by its leaders and facilitators.",
    C.ANSWER_CHECKINS: "Only the team's leaders answer check-ins: reply, acknowledge, resolve blockers.",
    C.RUN_RETRO: "Retrospectives are run by the team's facilitators and leaders.",
    C.TAKE_PART_IN_RETRO: "Only the team's people take part in its retrospectives.",
}


def for_switcher(memberships) -> list[Membership]:
    """The header's team switcher: a person's teams at work, by organisation and name (a few, sorted here)."""
    return sorted((m for m in memberships if not m.team.is_archived),
                  key=lambda m: (m.team.organisation.name, m.team.name))


def capabilities_of(membership: Membership | None) -> frozenset[Capability]:
    """What a membership's roles allow; nothing for someone outside the team."""
    if membership is None:
        return frozenset()
    return _capabilities_of_roles(tuple(membership.roles))


@cache
def _capabilities_of_roles(roles: tuple[Role, ...]) -> frozenset[Capability]:
    """What these roles allow together, worked out once for each way of holding them (a page asks per person)."""
    return frozenset().union(*(ROLE_CAPABILITIES[role] for role in roles))


def people_who_may(team, capability: Capability, *, besides=None, memberships=None) -> list:
    """The team's people whose roles give them `capability`, leaving out `besides` (who acted).

    One query, or none when the caller already loaded the team's `memberships` with their people.
    """
    if memberships is None:
        memberships = Membership.objects.filter(team=team).select_related("user").order_by("pk")
    return [m.user for m in memberships
            if capability in capabilities_of(m) and (besides is None or m.user_id != besides.pk)]


def is_switched_off(person) -> bool:
    """A deactivated account, asked only when it was loaded with the person: a page that read their name
    alone (`only("display_name", "email")`) must not pay a query per row for it."""
    return "is_active" not in person.get_deferred_fields() and not person.is_active


@dataclass(frozen=True)
class TeamAccess:
    """A team, the asking person, and their membership of it (None for the rest of the organisation).

    `is_organisation_admin`: the person is an admin of the team's organisation, which gives them
    `ADMIN_CAPABILITIES` here whether or not they are in the team.
    """

    team: Team
    user: Any
    membership: Membership | None
    is_organisation_admin: bool = False
    # Every membership of the person (loaded with the access): the header's team switcher shows them.
    memberships_of_user: tuple[Membership, ...] | None = field(default=None, compare=False, repr=False)
    # The ids of the team's people (read with the access, `people_of_team`): who is a former member of it.
    team_people: frozenset[int] | None = field(default=None, compare=False, repr=False)

    def is_former_member(self, person) -> bool:
        """Whether `person` (who wrote something in the team) has left it, or left the organisation: their
        account is switched off (`deactivate_person`) or they are no longer in the team. No query."""
        if person is None or not getattr(person, "pk", None):
            return False
        if self.team_people is not None:  # deactivating ends their memberships: the team's people tell both
            return person.pk not in self.team_people
        return is_switched_off(person)

    @property
    def nav_memberships(self) -> list[Membership] | None:
        """The person's teams for the switcher, as `alignment.context_processors` lists them; None if not loaded."""
        if self.memberships_of_user is None:
            return None
        return for_switcher(self.memberships_of_user)

    @property
    def capabilities(self) -> frozenset[Capability]:
        held = capabilities_of(self.membership)
        if self.is_organisation_admin:
            held |= ADMIN_CAPABILITIES
        if self.team.is_archived:
            return held & ARCHIVED_TEAM_CAPABILITIES
        return held

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def require(self, capability: Capability) -> TeamAccess:
        """403 unless the person holds the capability (404 first if they are not in the team).

        An organisation's admin outside the team passes for the capabilities admins hold
        (`ADMIN_CAPABILITIES`) and gets the outsider's 404 for every other.
        """
        if self.membership is None and not (self.is_organisation_admin and capability in ADMIN_CAPABILITIES):
            raise Http404("No such team")
        if not self.can(capability):
            if self.team.is_archived and capability not in ARCHIVED_TEAM_CAPABILITIES:
                raise PermissionDenied(ARCHIVED_REFUSAL)
            raise PermissionDenied(REFUSALS.get(capability, "Your role in this team does not allow this."))
        return self

    # Team-wide questions, as properties so templates can ask them.
    @property
    def in_team(self) -> bool:
        return self.membership is not None

    @property
    def reads_as_admin(self) -> bool:
        """An organisation admin reading a team they are not in: its pages say so and offer them no team action."""
        return self.is_organisation_admin and not self.in_team

    @property
    def may_read_team(self) -> bool:
        """The team's own pages beyond its summaries (check-ins, commitments, retrospectives): its people."""
        return self.can(C.READ_TEAM)

    @property
    def may_manage_team(self) -> bool:
        """Settings, invitations, roles, archiving; never while the team is archived."""
        return self.can(C.MANAGE_TEAM)

    @property
    def may_archive_team(self) -> bool:
        return not self.team.is_archived and self.can(C.ARCHIVE_TEAM)

    @property
    def may_restore_team(self) -> bool:
        return self.team.is_archived and self.can(C.RESTORE_TEAM)

    @property
    def may_steward_charter(self) -> bool:
        return self.can(C.STEWARD_CHARTER)

    @property
    def may_log_decision(self) -> bool:
        return self.can(C.LOG_DECISION)

    @property
    def may_record_outcome(self) -> bool:
        return self.can(C.RECORD_OUTCOME)

    @property
    def may_record_progress(self) -> bool:
        """Key-result progress outside a check-in; recorded on the active version only."""
        return self.can(C.RECORD_PROGRESS)

    @property
    def may_check_in(self) -> bool:
        return self.can(C.CHECK_IN)

    @property
    def may_answer_checkins(self) -> bool:
        return self.can(C.ANSWER_CHECKINS)

    def may_leave(self, members: list[Membership]) -> bool:
        """The team keeps a leader: its only leader cannot leave (the services enforce it under lock)."""
        return self.in_team and not self.membership.is_only_leader_among(members)

    def may_remove(self, membership: Membership) -> bool:
        """Leaving is anyone's right; removing someone else is a leader's."""
        return self.in_team and (membership.pk == self.membership.pk or self.may_manage_team)


def team_access(user, org_slug: str, team_slug: str, capability: Capability | None = None) -> TeamAccess:
    """The team and the user's membership (one query); 404 for outsiders, 403 without the capability.

    An organisation admin outside the team is let in only when `capability` is one admins hold
    (`ADMIN_CAPABILITIES`); with any other, or none, they are an outsider (404).
    """
    access = reader_access(user, org_slug, team_slug)
    if capability is None:
        if not access.in_team:
            raise Http404("No such team")
        return access
    return access.require(capability)


def reader_access(user, org_slug: str, team_slug: str) -> TeamAccess:
    """Any team of an organisation the user belongs to, for reading what is public inside it.

    The access carries the user's membership of that team, or None when they are only in
    the organisation (they may read ratified charters, nothing private). 404 when the user
    is not in the organisation at all. One query for a team member, two for others. Whether the
    user is an admin of the team's organisation rides on those queries (`is_organisation_admin`).
    """
    if not user.is_authenticated:
        raise Http404
    # All of the person's memberships at once: the page's header lists them in the team switcher. The team
    # asked for brings the ids of its people along (`people_of_team`), for "former member" marks.
    mine = memberships_of(user, people_of=(org_slug, team_slug))
    membership = next((m for m in mine if m.team.slug == team_slug and m.team.organisation.slug == org_slug), None)
    if membership is not None:
        return TeamAccess(team=membership.team, user=user, membership=membership, memberships_of_user=tuple(mine),
                          is_organisation_admin=membership.is_organisation_admin,
                          team_people=_ids(membership.team_people))
    in_org = Membership.objects.filter(user=user, team__organisation=OuterRef("organisation"))
    team = (
        Team.objects.using(WHO_MAY_READ).select_related("organisation")
        .filter(organisation__slug=org_slug, slug=team_slug)
        .annotate(is_organisation_admin=Exists(_admin_of(user, OuterRef("organisation"))),
                  team_people=people_of_team(OuterRef("pk")))
        .filter(Q(Exists(in_org)) | Q(is_organisation_admin=True))
        .first()
    )
    if team is None:
        raise Http404("No such team")
    return TeamAccess(team=team, user=user, membership=None, memberships_of_user=tuple(mine),
                      is_organisation_admin=team.is_organisation_admin, team_people=_ids(team.team_people))


def people_of_team(team) -> Subquery:
    """The ids of a team's people (`team` an id or an `OuterRef`), as "3,7,12": a subquery that rides on the
    query loading the access, so marking former members costs no query of its own."""
    ids = (Membership.objects.filter(team=team).order_by().values("team")
           .annotate(ids=StringAgg(Cast("user_id", CharField()), Value(","))).values("ids"))
    return Subquery(ids, output_field=CharField())


def _ids(joined: str | None) -> frozenset[int]:
    return frozenset(int(pk) for pk in (joined or "").split(",") if pk)


def _admin_of(user, organisation) -> Any:
    """The row saying `user` is an admin of `organisation` (an id or an `OuterRef`), for an `Exists`."""
    return Organisation.admins.through.objects.filter(user=user, organisation=organisation)


def organisations_of(user):
    """Organisations the user belongs to: through any team, or as an admin."""
    in_a_team = Membership.objects.filter(user=user, team__organisation=OuterRef("pk"))
    return Organisation.objects.using(WHO_MAY_READ).filter(Q(Exists(in_a_team)) | Q(admins=user)).distinct()


# Riders: values about the signed-in person that a feature shows on every page (the bell's unread count),
# carried by the memberships query that every page with the header runs anyway, so they cost no round
# trip of their own. Each is a scalar subquery of the person's id alone: it refers to no column of the
# membership rows, so the database works it out once (PostgreSQL's InitPlan), not once a row.
_riders: dict[str, Callable[[int], Expression]] = {}
_RIDDEN = "_memberships_riders"  # where a person's rider values wait for the rest of the request


def register_person_rider(name: str, value: Callable[[int], Expression]) -> None:
    """`value(person_id)`: a scalar subquery (or expression) of the person alone, read with their memberships.
    Registered from a feature's `AppConfig.ready()`, before any page reads memberships."""
    _riders[name] = value


def rider_value(user, name: str, default: Any = None) -> Any:
    """The value of the rider `name` that this person's memberships brought in this request, `default` if no
    memberships were read (or they have none): the caller then asks for it itself."""
    return getattr(user, _RIDDEN, {}).get(name, default)


def memberships_of(user, *, people_of: tuple[str, str] | None = None) -> list[Membership]:
    """All of a person's memberships with their teams and organisations (one query).

    Unordered: the default ordering joins the user and sorts, a third of this query's cost; the
    switcher sorts the few teams itself. `people_of` (an organisation's and a team's slugs): that team's
    membership brings the ids of the team's people as `team_people` (`people_of_team`), the others None.
    The riders' values come along and are kept on `user` for the page (`rider_value`).
    """
    if people_of is None:
        mine = read_shaped(_memberships, user=user.pk)
    else:
        mine = read_shaped(_memberships_with_people, user=user.pk, org_slug=people_of[0], team_slug=people_of[1])
    return keep_riders(user, mine)


def with_riders(memberships: QuerySet, user: int) -> QuerySet:
    """A query of the person's memberships (`user` their id) carrying the riders' values (`keep_riders`)."""
    return memberships.annotate(**{f"rider_{name}": value(user) for name, value in _riders.items()})


def keep_riders(user, memberships: list[Membership]) -> list[Membership]:
    """Keep on `user`, for the rest of the request, the riders' values their memberships (read `with_riders`)
    brought (`rider_value`); none when they have no membership to carry them."""
    if memberships:
        setattr(user, _RIDDEN, {name: getattr(memberships[0], f"rider_{name}") for name in _riders})
    return memberships


def _memberships(user: int):
    return with_riders(Membership.objects.using(WHO_MAY_READ).filter(user=user).select_related("team__organisation")
                       .order_by()
                       .annotate(is_organisation_admin=Exists(_admin_of(user, OuterRef("team__organisation")))), user)


def _memberships_with_people(user: int, org_slug: str, team_slug: str):
    return _memberships(user).annotate(team_people=Case(
        When(team__slug=team_slug, team__organisation__slug=org_slug, then=people_of_team(OuterRef("team"))),
        default=None, output_field=CharField()))


def organisation_access(user, org_slug: str, *, memberships: list[Membership] | None = None) -> Organisation:
    """An organisation anyone in it may read; 404 for everybody else.

    With the person's `memberships` loaded, one of them in the organisation answers without a query.
    """
    if not user.is_authenticated:
        raise Http404
    mine = next((m.team.organisation for m in memberships or () if m.team.organisation.slug == org_slug), None)
    organisation = mine or organisations_of(user).filter(slug=org_slug).first()
    if organisation is None:
        raise Http404("No such organisation")
    return organisation


def is_organisation_admin(user, organisation: Organisation, *, memberships: list[Membership] | None = None) -> bool:
    """Whether `user` is one of the organisation's admins. With the person's `memberships` loaded
    (`memberships_of`, which reads it for each of their teams), one of them in the organisation answers
    without a query."""
    mine = next((m for m in memberships or () if m.team.organisation_id == organisation.pk), None)
    if mine is not None:
        return mine.is_organisation_admin
    return bool(read_shaped(_admin_row, user=user.pk, organisation=organisation.pk))


def _admin_row(user: int, organisation: int):
    """query: the row saying the person is an admin of the organisation, if there is one"""
    return _admin_of(user, organisation).using(WHO_MAY_READ).values_list("pk", flat=True)[:1]


def require_organisation_admin(user, organisation: Organisation) -> None:
    if not is_organisation_admin(user, organisation):
        raise PermissionDenied("Only the organisation's admins may do this.")


class OrganisationCapability(StrEnum):
    """What a person may do in an organisation as a whole; its admins hold every one."""

    READ_AUDIT_TRAIL = "read_audit_trail"  # read, filter and export the organisation's audit trail
    DEACTIVATE_PEOPLE = "deactivate_people"  # a leaver loses access to the organisation at once; undo a mistake
    # schedule the deletion of the account of someone in no other organisation (alignment/erasure.py)
    DELETE_ACCOUNTS = "delete_accounts"
    APPOINT_LEADERS = "appoint_leaders"  # make someone a leader of one of its teams, from People
    # its identity provider (single sign-on), the domains it claims, and the provisioning (SCIM) token
    CONFIGURE_SIGN_IN = "configure_sign_in"
    MANAGE_SERVICE_TOKENS = "manage_service_tokens"  # make and revoke the organisation's API service tokens


ORGANISATION_ADMIN_CAPABILITIES = frozenset(OrganisationCapability)
ORGANISATION_REFUSALS = {
    OrganisationCapability.READ_AUDIT_TRAIL: "Only the organisation's admins read its audit trail.",
    OrganisationCapability.DEACTIVATE_PEOPLE: "Only the organisation's admins deactivate people.",
    OrganisationCapability.DELETE_ACCOUNTS: "Only the organisation's admins delete people's accounts.",
    OrganisationCapability.APPOINT_LEADERS: "Only the organisation's admins make someone a team's leader here.",
    OrganisationCapability.CONFIGURE_SIGN_IN: "Only the organisation's admins configure how its people sign in.",
    OrganisationCapability.MANAGE_SERVICE_TOKENS: "Only the organisation's admins make its API service tokens.",
}


def may_be_made_leader(membership: Membership) -> bool:
    """Whether an admin's "Make leader" applies to a membership: not a leader yet, in a team at work."""
    return not membership.is_leader and not membership.team.is_archived


def organisation_capability_access(user, org_slug: str, capability: OrganisationCapability) -> Organisation:
    """The organisation, for whoever holds `capability` in it: 404 outside it, 403 for the rest of it (2 queries)."""
    organisation = organisation_access(user, org_slug)
    if capability not in ORGANISATION_ADMIN_CAPABILITIES or not is_organisation_admin(user, organisation):
        raise PermissionDenied(ORGANISATION_REFUSALS[capability])
    return organisation
