"""Small-team privacy: a count of answers too small to show, shown as "fewer than N" instead.

In a team of five, "Overloaded: 2" nearly names two people. A team sets the fewest answers a count
shows (`Team.privacy_minimum`, 3 unless changed); every count of load and of the charter's pulse goes
through `shown_count` wherever it is shown (pages, digests, chat summaries, exports), for leaders too.
A count of none is hidden as well: beside the total, "0 light" would tell what the others said.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ShownCount:
    """A count as it may be shown: the number, or "fewer than N" when it is below the team's minimum."""

    value: int
    minimum: int

    @property
    def is_hidden(self) -> bool:
        # A minimum of 1 hides nothing: every count, none included, is shown.
        return self.value < self.minimum and self.minimum > 1

    @property
    def number(self) -> int | None:
        """The number, or None when it is hidden (an export's cell)."""
        return None if self.is_hidden else self.value

    @property
    def is_none(self) -> bool:
        """Nobody: a table may show a dot for it where a count is not one of a whole (strain, not load)."""
        return self.value == 0

    @property
    def people(self) -> str:
        """"person" or "people" after it: "fewer than 3 people", "4 people"."""
        return "person" if not self.is_hidden and self.value == 1 else "people"

    @property
    def plural_suffix(self) -> str:
        """"s" unless it reads as one: "time{{ count.plural_suffix }}"."""
        return "" if not self.is_hidden and self.value == 1 else "s"

    def __str__(self) -> str:
        return f"fewer than {self.minimum}" if self.is_hidden else str(self.value)


def shown_count(team, value: int) -> ShownCount:
    """`value` as `team` lets it be shown (`Team.privacy_minimum`)."""
    return ShownCount(value=value, minimum=team.privacy_minimum)
