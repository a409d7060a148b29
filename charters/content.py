"""A charter version with its lists loaded: what the pure checks, the Markdown and the pages work on.

Built by `charters.selectors.load_content`; read, never queried, by `charters.completeness`,
`charters.versions` and `charters.prose`. It imports only the models, so that every module
that reads a charter can import it without importing the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from charters.models import Boundary, Charter, Goal, KeyResult, NonNegotiable


@dataclass
class CharterContent:
    """A charter with its lists loaded, so that templates and checks issue no queries."""

    charter: Charter
    non_negotiables: list[NonNegotiable] = field(default_factory=list)
    boundaries: list[Boundary] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)

    @property
    def key_results(self) -> list[KeyResult]:
        return [kr for goal in self.goals for kr in goal.key_results_list]
