"""The completeness panel: what a charter still lacks, where, and how to fix it.

Checks run on a loaded CharterContent and issue no queries. A check marked
`required` must pass before a charter can be proposed to the team: a purpose with
its three parts, the 3Ps (People, Process, Performance), a standard for every
non-negotiable, labelled boundaries and goals tied to the purpose. The others are
advice (more than five non-negotiables, key results without a target).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from charters.content import CharterContent
from charters.models import PurposePart

MAX_NON_NEGOTIABLES = 5


@dataclass
class Finding:
    message: str
    anchor: str  # DOM id of the section or item to fix


@dataclass
class Check:
    key: str
    label: str
    required: bool
    findings: list[Finding] = field(default_factory=list)
    # A check about items that do not exist yet ("every non-negotiable has its standard" with
    # none) has nothing to pass on: it does not count as passed, and blocks nothing.
    vacuous: bool = False

    @property
    def passed(self) -> bool:
        return not self.findings and not self.vacuous

    @property
    def blocks_proposing(self) -> bool:
        return self.required and bool(self.findings)


@dataclass
class Completeness:
    checks: list[Check]

    @property
    def passed_count(self) -> int:
        return sum(check.passed for check in self.checks)

    @property
    def total(self) -> int:
        return len(self.checks)

    @property
    def is_complete(self) -> bool:
        return self.passed_count == self.total

    @property
    def blocking(self) -> list[Check]:
        """Required checks that fail: these stop the charter being proposed."""
        return [check for check in self.checks if check.blocks_proposing]

    @property
    def can_propose(self) -> bool:
        return not self.blocking

    @property
    def findings(self) -> list[Finding]:
        return [finding for check in self.checks for finding in check.findings]


def check_charter(content: CharterContent) -> Completeness:
    charter = content.charter
    checks = [
        Check("purpose_statement", "Purpose in one line", True),
        Check("purpose_parts", "Purpose has its three parts", True),
        Check("people", "People: expected behaviours", True),
        Check("process", "Process: rituals, cadence, definition of done", True),
        Check("performance", "Performance: a goal with a key result", True),
        Check("non_negotiables_few", "A few non-negotiables (1–5)", False),
        Check("non_negotiable_standards", "Every non-negotiable has its standard", True),
        Check("boundaries_labelled", "Boundaries labelled fixed / consult / team decides", True),
        Check("goals_linked", "Goals linked to the purpose, with an accepted tradeoff", True),
        Check("key_result_targets", "Every key result has a target", False),
    ]
    by_key = {check.key: check for check in checks}

    def add(key: str, message: str, anchor: str) -> None:
        by_key[key].findings.append(Finding(message, anchor))

    by_key["non_negotiable_standards"].vacuous = not content.non_negotiables
    by_key["goals_linked"].vacuous = not content.goals
    by_key["key_result_targets"].vacuous = not content.key_results

    if not charter.purpose_statement.strip():
        add("purpose_statement", "Write the purpose in one line: the sentence people quote when they decide.",
            "purpose")
    for part in PurposePart:
        if not charter.purpose_part_text(part).strip():
            add("purpose_parts", f"The purpose is missing “{part.label.lower()}”. Add it so the purpose can "
                "settle tradeoffs.", "purpose")
    if not charter.people.strip():
        add("people", "No People section: say which behaviours the team expects of itself.", "people")
    if not charter.process.strip():
        add("process", "No Process section: describe your rituals, their cadence and your definition of done.",
            "process")
    if not any(goal.key_results_list for goal in content.goals):
        add("performance", "No Performance: add a goal with at least one key result, so progress is measured.",
            "goals")

    count = len(content.non_negotiables)
    if count == 0:
        add("non_negotiables_few", "No non-negotiables yet: name the few standards that never bend.",
            "non_negotiables")
    elif count > MAX_NON_NEGOTIABLES:
        add("non_negotiables_few", f"{count} non-negotiables is more than five: when everything is "
            "non-negotiable, nothing is. Merge or drop some.", "non_negotiables")
    for item in content.non_negotiables:
        if not item.standard.strip():
            add("non_negotiable_standards", f"“{item.title}” has no standard: say what meeting it looks like.",
                f"non_negotiable-{item.pk}")

    if not content.boundaries:
        add("boundaries_labelled", "No boundaries yet: list areas of work and who decides in each.", "boundaries")
    for item in content.boundaries:
        if not item.label:
            add("boundaries_labelled", f"“{item.area}” has no label: choose fixed, consult or team decides.",
                f"boundary-{item.pk}")

    for goal in content.goals:
        if not goal.purpose_part:
            add("goals_linked", f"Goal “{goal.objective}” is not linked to a part of the purpose.",
                f"goal-{goal.pk}")
        if not goal.tradeoff.strip():
            add("goals_linked", f"Goal “{goal.objective}” names no tradeoff it consciously accepts.",
                f"goal-{goal.pk}")
        for kr in goal.key_results_list:
            if kr.target_value is None:
                add("key_result_targets", f"Key result “{kr.metric}” has no target.", f"key_result-{kr.pk}")
    return Completeness(checks)
