"""What a reader may do with one charter version, and with the organisation's goals: asked by views, selectors
and templates.

Each rule joins a team-wide capability (`alignment.permissions`: `access.can(...)`,
`access.may_steward_charter`) with the version's own state, which the model answers
(`charter.is_editable`, `charter.is_proposed`). Views refuse with these, selectors put
`for_charter` on the page as `perms`, and templates ask its flags (`perms.edit`), never a
role or a state.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from alignment.models import Membership, Organisation
from alignment.permissions import Capability, TeamAccess, capabilities_of, is_organisation_admin, organisation_access
from charters.models import Charter, Comment, OrganisationGoal


@dataclass(frozen=True)
class CharterPermissions:
    """What the reader may do with one charter version, for pages and templates."""

    edit: bool
    comment: bool
    consent: bool
    answer_objections: bool
    propose: bool
    withdraw: bool
    ratify: bool
    remind: bool  # remind whoever's word is missing (at most once a day: `services.remind_missing_word`)
    change_quorum: bool  # while proposed (`services.set_quorum`)
    discard: bool
    amend: bool
    record_progress: bool  # on the version in force only
    see_workings: bool  # completeness, lifecycle and consent panels: the team's own view


def may_edit(access: TeamAccess, charter: Charter) -> bool:
    return access.may_steward_charter and charter.is_editable


def may_comment(access: TeamAccess, charter: Charter) -> bool:
    return access.can(Capability.DISCUSS_CHARTER) and charter.is_editable


def may_consent(access: TeamAccess, charter: Charter) -> bool:
    return access.can(Capability.RESPOND_TO_CHARTER) and charter.is_proposed


def may_answer_objections(access: TeamAccess, charter: Charter) -> bool:
    return access.may_steward_charter and charter.is_proposed


def may_remind(access: TeamAccess, charter: Charter) -> bool:
    return access.may_steward_charter and charter.is_proposed


def may_see_since_responded(access: TeamAccess) -> bool:
    """"Since you responded" shows the reader's own response's text: theirs to see if they may respond."""
    return access.can(Capability.RESPOND_TO_CHARTER)


@dataclass(frozen=True)
class StanceVisibility:
    """Whose stances on a version the reader sees by name (hidden stances, `Charter.stances_hidden`).

    While a round with hidden stances runs, the people who respond see how many have responded and their
    own response; the leaders see every objection (they must answer it) and whose word is missing (they
    remind), but consents only as a count. Once the round ends (ratified, or closed by its date) everyone
    in the team sees everything, as without hidden stances. Rules written down in docs/features.md.
    """

    consents: bool  # who consented
    objections: bool  # who objected, and why
    missing: bool  # whose word is missing
    tally: bool  # how many consented and how many objected (otherwise only how many responded)

    @property
    def everything(self) -> bool:
        return self.consents and self.objections and self.missing


def stances_revealed(charter: Charter) -> bool:
    """Stances are shown by name: never hidden, or the round ended (ratified, or closed on its date)."""
    return not charter.stances_hidden or charter.was_ratified or charter.round_closed_at is not None


def stance_visibility(access: TeamAccess, charter: Charter) -> StanceVisibility:
    if stances_revealed(charter):
        return StanceVisibility(consents=True, objections=True, missing=True, tally=True)
    steward = access.may_steward_charter
    return StanceVisibility(consents=False, objections=steward, missing=steward, tally=steward)


def may_resolve(access: TeamAccess, thread: Comment) -> bool:
    """A comment thread is resolved by a leader or by whoever started it."""
    return access.can(Capability.DISCUSS_CHARTER) and (
        access.may_steward_charter or thread.author_id == access.user.pk)


def for_charter(access: TeamAccess, charter: Charter) -> CharterPermissions:
    steward = access.may_steward_charter
    return CharterPermissions(
        edit=may_edit(access, charter),
        comment=may_comment(access, charter),
        consent=may_consent(access, charter),
        answer_objections=may_answer_objections(access, charter),
        propose=steward and charter.is_draft,
        withdraw=steward and charter.is_proposed,
        ratify=steward and charter.is_proposed,
        remind=may_remind(access, charter),
        change_quorum=steward and charter.is_proposed,
        discard=steward and charter.is_editable,
        amend=steward and charter.is_active,
        record_progress=access.may_record_progress and charter.is_active,
        see_workings=access.in_team,
    )


# The organisation's goals ------------------------------------------------------------------------

@dataclass(frozen=True)
class OrganisationGoalActions:
    """What the reader may do with one organisation goal, for its controls."""

    edit: bool  # its objective, part, owner and key results; readings of its key results
    move: bool
    close: bool
    reopen: bool


@dataclass(frozen=True)
class OrganisationGoalPermissions:
    """What the reader may do with the organisation's goals: everyone in it reads them; its admins manage them.

    Views get it from `organisation_goals_access`, selectors put it on the page as `perms`, and
    templates ask `perms.manage` or a goal's `actions` (`for_goal`), never a role.
    """

    organisation: Organisation
    manage: bool  # create, edit, reorder, close and reopen goals; add and edit key results; record readings

    def for_goal(self, goal: OrganisationGoal) -> OrganisationGoalActions:
        changeable = self.manage and not goal.is_closed
        return OrganisationGoalActions(edit=changeable, move=changeable, close=changeable,
                                       reopen=self.manage and goal.is_closed)


MANAGE_ORGANISATION_GOALS_REFUSAL = "Only the organisation's admins may change its goals."


def may_manage_organisation_goals(user, organisation: Organisation) -> bool:
    """The organisation's admins set its goals (one query)."""
    return is_organisation_admin(user, organisation)


def organisation_goals_access(user, org_slug: str, *, manage: bool = False) -> OrganisationGoalPermissions:
    """The organisation and what the reader may do with its goals: 404 outside it, 403 to manage without the right."""
    organisation = organisation_access(user, org_slug)
    perms = OrganisationGoalPermissions(organisation=organisation,
                                        manage=may_manage_organisation_goals(user, organisation))
    if manage and not perms.manage:
        raise PermissionDenied(MANAGE_ORGANISATION_GOALS_REFUSAL)
    return perms


# The organisation's tags -------------------------------------------------------------------------

@dataclass(frozen=True)
class OrganisationTagPermissions:
    """What the reader may do with the organisation's list of tags: everyone in it reads the list.

    Its admins keep the list: add, rename, remove. A team's leaders may add to it too: they write the
    boundaries that carry tags (`Capability.STEWARD_CHARTER`), and a missing area should not wait for an
    admin; an addition changes nobody's charter. Renaming or removing a tag changes every charter carrying
    it, other teams' included, so that is the admins' alone.
    """

    organisation: Organisation
    add: bool
    manage: bool  # rename and remove


MANAGE_TAGS_REFUSAL = "Only the organisation's admins may rename or remove its tags."
ADD_TAGS_REFUSAL = "Only the organisation's admins and its teams' leaders may add tags."


def may_add_tags(user, organisation: Organisation) -> bool:
    """A leader of one of the organisation's teams at work (1 query)."""
    memberships = Membership.objects.filter(user=user, team__organisation=organisation, team__archived_at__isnull=True)
    return any(Capability.STEWARD_CHARTER in capabilities_of(m) for m in memberships)


def organisation_tags_access(user, org_slug: str, *, add: bool = False,
                             manage: bool = False) -> OrganisationTagPermissions:
    """The organisation and what the reader may do with its tags: 404 outside it, 403 for a write without the right."""
    organisation = organisation_access(user, org_slug)
    admin = is_organisation_admin(user, organisation)
    perms = OrganisationTagPermissions(organisation=organisation, manage=admin,
                                       add=admin or may_add_tags(user, organisation))
    if manage and not perms.manage:
        raise PermissionDenied(MANAGE_TAGS_REFUSAL)
    if add and not perms.add:
        raise PermissionDenied(ADD_TAGS_REFUSAL)
    return perms
