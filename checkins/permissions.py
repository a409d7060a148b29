"""Who may read and answer check-ins and commitments: the rules about one of them, for one reader.

The core answers the team-wide questions (`access.may_check_in`, `access.may_answer_checkins`,
`access.can(...)`); the rules here add what depends on a check-in or a commitment: whose it is,
how far it went, whom a blocker names, and the team's setting that opens check-ins to everyone in it. Views and
selectors ask these functions; templates read the flags the selectors give them
(`checkin.may`, `blocker.may_resolve`, `CommitmentPage.may`, `TeamWeekPage.may_read_checkins`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from alignment.permissions import Capability, TeamAccess, capabilities_of
from checkins.models import Blocker, CheckIn, Commitment


def may_read_checkins(access: TeamAccess) -> bool:
    """Every submitted check-in of the team: its leaders and facilitators, or the whole team when
    its setting opens check-ins to the team. Others in the team see the week's summary only."""
    return access.can(Capability.READ_CHECKINS) or (access.team.checkins_open_to_team
                                                    and access.can(Capability.READ_TEAM))


def may_read_checkins_of(access: TeamAccess, person_id: int) -> bool:
    """A person's past check-ins: their own, or anyone's for those who read the team's check-ins."""
    return (access.in_team and person_id == access.user.pk) or may_read_checkins(access)


def may_read_checkin(access: TeamAccess, checkin: CheckIn) -> bool:
    """A draft is its writer's alone; a submitted check-in is read as `may_read_checkins_of` says."""
    return _is_authors(access, checkin) or (checkin.is_submitted and may_read_checkins(access))


def readable_checkins(access: TeamAccess, checkins):
    """`may_read_checkin` as a filter on a queryset of the team's check-ins, so a page of them is one query:
    a draft is its writer's alone, a submitted one is read by readers of the team's check-ins.

    tests/api/test_checkins.py holds it to `may_read_checkin` for every check-in of a week and every reader.
    """
    mine = Q(author=access.user) if access.in_team else Q(pk__in=[])
    if may_read_checkins(access):
        return checkins.filter(mine | Q(state=CheckIn.State.SUBMITTED))
    return checkins.filter(mine)


def may_see_replies(access: TeamAccess, checkin: CheckIn) -> bool:
    """The replies to a check-in are between its author and the team's leaders (archived teams included)."""
    answers = Capability.ANSWER_CHECKINS in capabilities_of(access.membership)
    return checkin.is_submitted and (_is_authors(access, checkin) or answers)


def may_reply(access: TeamAccess, checkin: CheckIn) -> bool:
    """Its author and the team's leaders write in the thread, while the team is not archived."""
    return may_see_replies(access, checkin) and not access.team.is_archived


def may_acknowledge(access: TeamAccess, checkin: CheckIn) -> bool:
    """A leader acknowledges someone else's submitted check-in."""
    return access.may_answer_checkins and checkin.is_submitted and checkin.author_id != access.user.pk


def may_resolve_blocker(access: TeamAccess, blocker: Blocker) -> bool:
    """A blocker of a submitted check-in is resolved by the team's leaders, by whoever raised it, or by the person
    it names as who could help; never while the team is archived. (Whether it is still open, the service says.)

    `blocker.check_in` loaded (its author's id and state are read).
    """
    if not access.in_team or access.team.is_archived or not blocker.check_in.is_submitted:
        return False
    return (access.may_answer_checkins or blocker.check_in.author_id == access.user.pk
            or blocker.who_could_help_id == access.user.pk)


def _is_authors(access: TeamAccess, checkin: CheckIn) -> bool:
    return access.in_team and checkin.author_id == access.user.pk


@dataclass(frozen=True)
class CheckInPermissions:
    """What the reader may do with one check-in, for pages and templates."""

    see_replies: bool
    reply: bool
    acknowledge: bool


def for_checkin(access: TeamAccess, checkin: CheckIn) -> CheckInPermissions:
    return CheckInPermissions(see_replies=may_see_replies(access, checkin), reply=may_reply(access, checkin),
                              acknowledge=may_acknowledge(access, checkin))


@dataclass(frozen=True)
class CommitmentPermissions:
    """What the reader may do with one commitment, for its page."""

    renegotiate: bool
    mark_done: bool
    answer_request: bool
    decide_renegotiations: bool


def for_commitment(access: TeamAccess, commitment: Commitment, *, pending_renegotiation: bool) -> CommitmentPermissions:
    """Its owner renegotiates an open one (one request at a time), marks it done, or answers a request;
    the team's leaders decide renegotiations."""
    owner = commitment.owner_id == access.user.pk
    return CommitmentPermissions(
        renegotiate=owner and commitment.is_open and not pending_renegotiation,
        mark_done=owner and commitment.is_open,
        answer_request=owner and commitment.is_requested,
        decide_renegotiations=access.can(Capability.ANSWER_CHECKINS),
    )
