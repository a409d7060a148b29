"""What a check-in says, as a value: built by `CheckInForm.content()`, written by `checkins.services`.

It sits between the form and the services, so that the services import no form and anything
else that writes a check-in (tests, the demo) builds one without a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from decimal import Decimal

    from charters.models import Goal, KeyResult, NonNegotiable


@dataclass(frozen=True)
class BlockerRow:
    """One blocker row as typed: its position in the form, and what it says (blank: no blocker there)."""

    position: int
    what: str
    who_could_help: object | None = None  # a person of the team; None for "the team's leader"
    goal: Goal | None = None


@dataclass(frozen=True)
class KeyResultEntry:
    """A new value for one of the writer's key results, and how confident they are in it."""

    key_result: KeyResult
    value: Decimal | None
    confidence: str  # a `KeyResultProgress.Confidence`, or "" not yet chosen


@dataclass(frozen=True)
class CheckInContent:
    """Everything a person writes in their weekly check-in; a draft may leave any of it blank."""

    progress: str = ""
    highlights: str = ""
    load: str = ""  # a `CheckIn.Load`, or "" not yet chosen
    strained_non_negotiable: NonNegotiable | None = None
    strain_note: str = ""
    boundary_question: str = ""  # where it was unclear who decides
    blockers: tuple[BlockerRow, ...] = ()  # every row of the form, cleared ones included
    key_results: tuple[KeyResultEntry, ...] = ()
