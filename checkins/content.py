"""What a check-in says, as a value: built by `CheckInForm.content()`, written by `checkins.services`.

It sits between the form and the services, so that the services import no form and anything
else that writes a check-in (tests, the demo) builds one without a request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.crypto import salted_hmac

if TYPE_CHECKING:
    from datetime import date
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
class CarriedBlocker:
    """An open blocker of an earlier week, shown again in this week's form: still in the way, or resolved (and how).

    It stays the one row it was (the leader's list counts it once); only submitting says it is resolved. Until
    then the answer is kept with the check-in (`CheckInContent.carried_answers`), so a draft shows it again.
    """

    blocker_id: int
    resolved: bool = False
    resolution: str = ""


def saved_carried(answers: dict) -> dict[int, CarriedBlocker]:
    """The answers a check-in keeps about earlier weeks' blockers (`CheckIn.carried_answers`), by blocker id."""
    return {int(pk): CarriedBlocker(int(pk), bool(answer.get("resolved")), str(answer.get("resolution", "")))
            for pk, answer in answers.items() if pk.isdigit() and isinstance(answer, dict)}


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
    # Earlier weeks' open blockers as answered in this week's form: kept with every save, acted on when the check-in
    # is submitted.
    carried: tuple[CarriedBlocker, ...] = ()

    def carried_answers(self) -> dict[str, dict]:
        """The answers about earlier weeks' blockers as the check-in keeps them (`CheckIn.carried_answers`, read
        back by `saved_carried`): those that say more than the form's default (still in the way, no note)."""
        return {str(item.blocker_id): {"resolved": item.resolved, "resolution": item.resolution}
                for item in self.carried if item.resolved or item.resolution}

    def named(self) -> frozenset[tuple[str, int]]:
        """What it names by id and would write (`named`): the non-negotiable under strain, who could help with
        each blocker row that says something and the goal it holds up, each key result given a value or a
        confidence."""
        return named(
            _pk(self.strained_non_negotiable),
            ((row.what, _pk(row.who_could_help), _pk(row.goal)) for row in self.blockers),
            ((entry.key_result.pk, entry.value, entry.confidence) for entry in self.key_results))

    def fingerprint(self) -> str:
        """The fingerprint of what it names by id and keeps in rows of their own (`fingerprint`)."""
        return fingerprint(
            _pk(self.strained_non_negotiable),
            ((row.position, row.what, _pk(row.who_could_help), _pk(row.goal)) for row in self.blockers),
            ((entry.key_result.pk, entry.value, entry.confidence) for entry in self.key_results))


def fingerprint(strained_non_negotiable: int | None, blockers: Iterable[tuple[int, str, int | None, int | None]],
                values: Iterable[tuple[int, Decimal | None, str]]) -> str:
    """A short digest of what a check-in says beyond its words and load, as the database keeps it: the
    non-negotiable under strain (its id), the open blockers (position, what, who could help, goal ids) and
    the key-result values (key result id, value, confidence).

    A blank blocker row and a key result with neither value nor confidence save nothing, so they are left
    out, and values are written to two places as they are stored: a form's content and what is saved from
    it have the same fingerprint. The check-in form carries the fingerprint of what was saved at its
    version, so a draft saved with all of this unchanged is read without looking up the ids it names and
    written as the check-in's words and load alone (`services.save_draft`).
    """
    rows = sorted(row for row in blockers if row[1])
    kept = sorted((key_result, None if value is None else f"{value:.2f}", confidence)
                  for key_result, value, confidence in values if value is not None or confidence)
    return hashlib.blake2b(repr((strained_non_negotiable, rows, kept)).encode(), digest_size=12).hexdigest()


def named(strained_non_negotiable: int | None, blockers: Iterable[tuple[str, int | None, int | None]],
          values: Iterable[tuple[int, Decimal | None, str]]) -> frozenset[tuple[str, int]]:
    """The ids a check-in names and writes, each with its kind: its strained non-negotiable, who could help with
    and the goal of each blocker that says what is in the way (what, who, goal ids), and each key result given a
    value or a confidence (id, value, confidence). A blank row or value writes nothing, so names nothing."""
    ids = {("non_negotiable", strained_non_negotiable)} if strained_non_negotiable is not None else set()
    for what, who, goal in blockers:
        if what:
            ids.update((kind, pk) for kind, pk in (("person", who), ("goal", goal)) if pk is not None)
    ids.update(("key_result", key_result) for key_result, value, confidence in values
               if value is not None or confidence)
    return frozenset(ids)


def vouched(*, team: int, author: int, week: date, ids: Iterable[tuple[str, int]]) -> str:
    """The server's word that `ids` were checked against what the team and its charter offered this writer when
    their check-in of `week` was read or saved: a keyed digest (`salted_hmac`), which nobody without the site's
    secret can make for other ids, another writer, team or week.

    The check-in form carries it (`named`) beside the fingerprint. A draft whose ids are the ones vouched for
    is read and written without asking the database what may be chosen (`views._read`); any other id is
    checked as a submission's are. Ids checked once stay written until the writer changes them, as they do
    when a draft is saved with none of them changed; submitting checks every one again.
    """
    listed = ",".join(f"{kind}:{pk}" for kind, pk in sorted(ids))
    return salted_hmac("checkins.content.vouched", f"{team}:{author}:{week.isoformat()}:{listed}",
                       algorithm="sha256").hexdigest()[:32]


def _pk(obj) -> int | None:
    return obj.pk if obj is not None else None
