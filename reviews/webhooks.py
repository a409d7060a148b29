"""What reviews posts to a team's webhooks (`notifications.webhooks`): a cycle closed, and a retrospective's
summary when it closes.

What a session produced, never who wrote what: counts, the themes by votes, the actions with their owners,
how the non-negotiables were rated. No card's author is read, anonymous session or not. A cycle's page is
read by everyone in the team (its summary by the organisation's admins too).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from django.db.models import Count
from django.urls import reverse

from alignment.privacy import shown_count
from notifications import webhooks
from notifications.services import absolute_url
from reviews.models import NonNegotiableRating, RetroAction, RetroCard, Retrospective, RetroTheme, ReviewCycle

RETRO_SUMMARY = "retro_summary"
CYCLE_CLOSED = "cycle_closed"
TOP_THEMES = 3
ACTIONS_SHOWN = 5


# A retrospective closed ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetroOutcome:
    """What a closed session produced, loaded once for the chat message and the JSON data."""

    cards: int
    themes: list[tuple[str, int]]  # name, votes; most voted first
    actions: list[RetroAction]
    ratings: Counter

    @property
    def votes(self) -> int:
        return sum(n for _, n in self.themes)


def retro_outcome(retro: Retrospective) -> RetroOutcome:
    """Four queries: cards, themes with votes, actions, ratings."""
    return RetroOutcome(
        cards=RetroCard.objects.filter(retrospective=retro).count(),
        themes=list(RetroTheme.objects.filter(retrospective=retro).annotate(n=Count("votes"))
                    .order_by("-n", "pk").values_list("name", "n")),
        actions=list(RetroAction.objects.filter(retrospective=retro).select_related("owner").order_by("pk")),
        ratings=Counter(dict(NonNegotiableRating.objects.filter(retrospective=retro).values_list("rating")
                             .annotate(n=Count("pk")).order_by())))


def summary_text(retro: Retrospective, outcome: RetroOutcome | None = None) -> str:
    """The closed session in a few lines."""
    team = retro.team
    outcome = outcome or retro_outcome(retro)
    cards, themes, actions, ratings, votes = (outcome.cards, outcome.themes, outcome.actions, outcome.ratings,
                                              outcome.votes)
    lines = [f"{team.name} closed its retrospective of cycle {retro.cycle.number}.",
             f"{cards} card{'s' if cards != 1 else ''} in {len(themes)} theme{'s' if len(themes) != 1 else ''}; "
             f"{votes} vote{'s' if votes != 1 else ''}."]
    if themes:
        lines.append("Top themes: " + "; ".join(f"{name} ({n} vote{'s' if n != 1 else ''})"
                                                for name, n in themes[:TOP_THEMES]))
    if actions:
        lines.append(f"Actions ({len(actions)}):")
        lines += [f"- {action.title}" + (f" ({action.owner.name}, due {action.due_on:%d %b})" if action.owner else "")
                  for action in actions[:ACTIONS_SHOWN]]
    if ratings:
        # counts as the summary page shows them: "fewer than 3" below the team's minimum (`alignment.privacy`)
        lines.append("Non-negotiables: " + ", ".join(f"{label.lower()} {shown_count(team, ratings.get(value, 0))}"
                                                     for value, label in NonNegotiableRating.Rating.choices))
    return "\n".join(lines)


def summary_data(retro: Retrospective, outcome: RetroOutcome, url: str) -> dict:
    """A JSON webhook's `data` for a closed session: what its summary page shows, never who wrote a card."""
    return {"retrospective": {
        "id": retro.pk,
        "cycle": retro.cycle.number,
        "closed_at": retro.closed_at.isoformat(timespec="seconds") if retro.closed_at else None,
        "anonymous": retro.is_anonymous,
        "cards": outcome.cards,
        "votes": outcome.votes,
        "themes": [{"name": name, "votes": n} for name, n in outcome.themes],
        "actions": [{"kind": action.kind, "title": action.title, "standard": action.standard,
                     "owner": webhooks.person(action.owner),
                     "due_on": action.due_on.isoformat() if action.due_on else None} for action in outcome.actions],
        # as the summary page shows them: a count below the team's minimum is withheld (`alignment.privacy`)
        "non_negotiable_ratings": {value: _count(shown_count(retro.team, outcome.ratings.get(value, 0)))
                                   for value in NonNegotiableRating.Rating.values},
        "url": absolute_url(url),
    }}


def _count(count) -> dict:
    return {"count": count.number, "shown": str(count)}


def post_retro_summary(retro: Retrospective) -> list[int]:
    """Post the closed session's summary once (keyed by the session), inside the closing transaction.

    Its queries run only for a team with a webhook that wants it, once for both formats.
    """
    team = retro.team
    url = reverse("reviews:retro_summary", args=[team.organisation.slug, team.slug, retro.pk])
    outcome = cache(lambda: retro_outcome(retro))
    return webhooks.post_event(team=team, event=RETRO_SUMMARY, key=f"retro-{retro.pk}",
                               text=lambda: summary_text(retro, outcome()), url=url, link_label="Read the summary",
                               data=lambda: summary_data(retro, outcome(), url))


# A cycle closed ------------------------------------------------------------------------------------


def _cycle_url(cycle: ReviewCycle) -> str:
    return reverse("reviews:cycle", args=[cycle.team.organisation.slug, cycle.team.slug, cycle.number])


def cycle_data(closed: ReviewCycle, opened: ReviewCycle) -> dict:
    """A JSON webhook's `data` for a closed cycle and the one it opened (the version it ran under: 1 query,
    unless loaded)."""
    charter = closed.charter
    return {
        "cycle": {
            "number": closed.number,
            "start_date": closed.start_date.isoformat(),
            "end_date": closed.end_date.isoformat(),
            "planned_end_date": closed.planned_end_date.isoformat() if closed.planned_end_date else None,
            "closed_at": closed.closed_at.isoformat(timespec="seconds") if closed.closed_at else None,
            "closed_by": webhooks.person(closed.closed_by),  # None: the scheduler closed it at its end
            "summary": closed.summary,
            "charter_version": charter.number if charter else None,
            "url": absolute_url(_cycle_url(closed)),
        },
        "next_cycle": {"number": opened.number, "start_date": opened.start_date.isoformat(),
                       "end_date": opened.end_date.isoformat(), "url": absolute_url(_cycle_url(opened))},
    }


def _cycle_closed(closed: ReviewCycle, opened: ReviewCycle) -> webhooks.Occurrence:
    counted = closed.summary.strip().splitlines()[-1]  # "Cycle 3 closed with 2 of 5 key results at target."
    text = f"{closed.team.name}: {counted}"
    return webhooks.Occurrence(team=closed.team, event=CYCLE_CLOSED, key=f"cycle-{closed.pk}", text=text,
                               url=_cycle_url(closed), link_label=f"See cycle {closed.number}",
                               data=lambda: cycle_data(closed, opened))


def post_cycles_closed(closed: Sequence[ReviewCycle], opened: Sequence[ReviewCycle]) -> list[int]:
    """Post each closed cycle (with the one it opened) once, keyed by the cycle, inside the closing transaction:
    for a batch of teams, in the queries of one."""
    for cycle, following in zip(closed, opened, strict=True):
        following.team = cycle.team  # already loaded
    return webhooks.post_events([_cycle_closed(cycle, following)
                                 for cycle, following in zip(closed, opened, strict=True)])
