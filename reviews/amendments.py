"""A cycle's goals through the amendments ratified during it: each key result once, as the version in force has it.

Ratifying an amendment mid-cycle adds the new version's goals to the open cycle (`services.join_open_cycle`),
so a cycle holds the goals of every version it ran under. A key result's versions share a `lineage`; what
the cycle shows, counts and records when it closes is each lineage once, in the newest version among the
cycle's goals (the version in force, or in force when it closed), with what each amendment changed.
Pure: works on key results already loaded, each with its goal and `charter_number` (its version's number).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from charters.models import KeyResult
from charts.svg import format_number

# A key result's definition, as the cycle page names each part.
COMPARED = (("metric", "metric"), ("unit", "unit"), ("start_value", "start"), ("target_value", "target"))


@dataclass(frozen=True)
class Amendment:
    """What one version changed in a key result (or a goal): "amended in version 2: target 40 → 50"."""

    number: int
    changes: tuple[str, ...]

    def __str__(self) -> str:
        return f"amended in version {self.number}: {'; '.join(self.changes)}"


@dataclass(frozen=True)
class Removed:
    """A key result an amendment took out of the charter during the cycle."""

    key_result: KeyResult
    number: int  # the version without it

    def __str__(self) -> str:
        return f"{self.key_result.metric} (removed in version {self.number})"


@dataclass(frozen=True)
class InForce:
    key_results: list[KeyResult]  # each lineage once, in the given order, with `amendments`; goals with theirs
    removed: list[Removed]


def in_force(key_results: list[KeyResult]) -> InForce:
    """Each lineage once, as the newest version among `key_results` has it; the lineages it dropped."""
    if not key_results:
        return InForce([], [])
    newest = max(kr.charter_number for kr in key_results)
    versions: dict[int, list[KeyResult]] = {}
    for kr in key_results:
        versions.setdefault(kr.lineage_key, []).append(kr)
    later = sorted({kr.charter_number for kr in key_results})
    shown, removed = [], []
    goal_amendments: dict[int, list[Amendment]] = {}
    for kr in key_results:
        chain = sorted(versions[kr.lineage_key], key=lambda k: k.charter_number)
        if kr is not chain[-1]:
            continue
        if kr.charter_number != newest:
            removed.append(Removed(kr, next(n for n in later if n > kr.charter_number)))
            continue
        kr.amendments = [a for a in (_amendment(old, new) for old, new in pairwise(chain)) if a]
        for old, new in pairwise(chain):
            if old.goal.objective != new.goal.objective:
                renamed = f"objective “{old.goal.objective}” → “{new.goal.objective}”"
                change = Amendment(new.charter_number, (renamed,))
                if change not in goal_amendments.setdefault(new.goal_id, []):
                    goal_amendments[new.goal_id].append(change)
        shown.append(kr)
    for kr in shown:
        kr.goal.amendments = goal_amendments.get(kr.goal_id, [])
    return InForce(shown, removed)


def _amendment(old: KeyResult, new: KeyResult) -> Amendment | None:
    changes = []
    for name, words in COMPARED:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            changes.append(f"{words} {_written(before, old.unit)} → {_written(after, new.unit)}")
    return Amendment(new.charter_number, tuple(changes)) if changes else None


def _written(value, unit: str) -> str:
    if value is None or value == "":
        return "none"
    return value if isinstance(value, str) else format_number(value, unit)
