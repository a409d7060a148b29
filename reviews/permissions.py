"""What a reader may do with a review cycle or a retrospective: the reviews app's rules, for one reader.

The core answers the team-wide questions (`access.can(Capability.RUN_RETRO)`, `team_access(...)`
with 404 for outsiders and 403 without the capability); the rules here join a capability with
the state of one cycle or one session, which the models answer (`cycle.is_open`,
`retro.allows("cards")`). Views require the capabilities named here, selectors put the flags on
the page (`CyclePage.may_close`, `SessionPage.may`), and templates read those flags, never a role
or a phase string.
"""

from __future__ import annotations

from dataclasses import dataclass

from alignment.permissions import Capability, TeamAccess
from reviews.models import Retrospective, ReviewCycle

# Closing a cycle by hand (and choosing the commitments it carries over) is for whoever stewards the
# charter it runs under: the team's leaders. The scheduler closes the others when their end date comes.
CLOSE_CYCLE = Capability.STEWARD_CHARTER


def may_close_cycle(access: TeamAccess, cycle: ReviewCycle) -> bool:
    return cycle.is_open and access.can(CLOSE_CYCLE)


@dataclass(frozen=True)
class RetroPermissions:
    """What the reader may do in one session now: their capability, asked of the session's phase."""

    run: bool
    take_part: bool
    change_anonymity: bool
    change_hiding: bool
    change_votes: bool
    edit_prompts: bool
    review: bool
    add_cards: bool
    rate: bool
    group: bool
    vote: bool
    time: bool
    note: bool
    add_actions: bool
    advance: bool

    @property
    def change_settings(self) -> bool:
        return self.change_anonymity or self.change_hiding or self.change_votes


def retro_permissions(access: TeamAccess, retro: Retrospective) -> RetroPermissions:
    """Facilitators and leaders run a session (`RUN_RETRO`), everyone in the team takes part
    (`TAKE_PART_IN_RETRO`), each while the session's phase allows it (`Retrospective.ACTIVITIES`)."""
    run, part = access.can(Capability.RUN_RETRO), access.can(Capability.TAKE_PART_IN_RETRO)
    return RetroPermissions(
        run=run, take_part=part,
        change_anonymity=run and retro.allows("settings"),
        change_hiding=run and retro.allows("hide_text"),
        change_votes=run and retro.allows("votes_per_person"),
        edit_prompts=run and retro.allows("prompts"),
        review=run and retro.allows("review"),
        add_cards=part and retro.allows("cards"),
        rate=part and retro.allows("ratings"),
        group=part and retro.allows("grouping"),
        vote=part and retro.allows("votes"),
        time=run and retro.allows("timer"),
        note=part and retro.allows("notes"),
        add_actions=run and retro.allows("actions"),
        advance=run and not retro.is_closed,
    )


def may_run_retrospectives(access: TeamAccess) -> bool:
    """Opening the open cycle's session and choosing its prompts: the team's facilitators and leaders."""
    return access.can(Capability.RUN_RETRO)


# Review prompts (`ReviewTrigger`): the team reads them with their evidence; the leaders, who steward the
# charter, take one up in an amendment or dismiss it, and move the review date of the version in force.
READ_TRIGGER = Capability.READ_TEAM
ACT_ON_TRIGGER = Capability.STEWARD_CHARTER
SET_REVIEW_DATE = Capability.STEWARD_CHARTER


def may_act_on_trigger(access: TeamAccess, trigger) -> bool:
    return trigger.is_open and access.can(ACT_ON_TRIGGER)
