"""What the scheduler will send when, per team: feature apps register how to work it out.

The core never imports a feature app, so `manage.py schedule_preview` asks the previews that apps
register in their `ready()`: `preview(teams, now) -> {team id: {what: aware datetime or None}}`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

Preview = Callable[[list, datetime], dict[int, dict[str, datetime | None]]]
_previews: list[Preview] = []


def register_preview(preview: Preview) -> None:
    if preview not in _previews:
        _previews.append(preview)


def upcoming(teams: list, now: datetime) -> dict[int, dict[str, datetime | None]]:
    """Every registered preview's times, merged per team, in registration order."""
    merged: dict[int, dict[str, datetime | None]] = {team.pk: {} for team in teams}
    for preview in _previews:
        for team_id, times in preview(teams, now).items():
            merged[team_id].update(times)
    return merged
