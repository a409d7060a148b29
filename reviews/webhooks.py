"""What reviews posts to a team's chat webhooks (`alignment.webhooks`): a retrospective's summary when it closes.

What the session produced, never who wrote what: counts, the themes by votes, the actions with their
owners, how the non-negotiables were rated. No card's author is read, anonymous session or not.
"""

from __future__ import annotations

from collections import Counter

from django.db.models import Count
from django.urls import reverse

from notifications import webhooks
from reviews.models import NonNegotiableRating, RetroAction, RetroCard, Retrospective, RetroTheme

RETRO_SUMMARY = "retro_summary"
TOP_THEMES = 3
ACTIONS_SHOWN = 5


def summary_text(retro: Retrospective) -> str:
    """The closed session in a few lines: four queries (cards, themes with votes, actions, ratings)."""
    team = retro.team
    cards = RetroCard.objects.filter(retrospective=retro).count()
    themes = list(RetroTheme.objects.filter(retrospective=retro).annotate(n=Count("votes"))
                  .order_by("-n", "pk").values_list("name", "n"))
    actions = list(RetroAction.objects.filter(retrospective=retro).select_related("owner").order_by("pk"))
    ratings = Counter(dict(NonNegotiableRating.objects.filter(retrospective=retro).values_list("rating")
                           .annotate(n=Count("pk")).order_by()))
    votes = sum(n for _, n in themes)
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
        lines.append("Non-negotiables: " + ", ".join(f"{label.lower()} {ratings.get(value, 0)}"
                                                     for value, label in NonNegotiableRating.Rating.choices))
    return "\n".join(lines)


def post_retro_summary(retro: Retrospective) -> list[int]:
    """Post the closed session's summary once (keyed by the session), inside the closing transaction."""
    team = retro.team
    if not webhooks.wants_event(team=team, event=RETRO_SUMMARY):
        return []  # the summary's queries only for a team that posts it
    url = reverse("reviews:retro_summary", args=[team.organisation.slug, team.slug, retro.pk])
    return webhooks.post_event(team=team, event=RETRO_SUMMARY, key=f"retro-{retro.pk}", text=summary_text(retro),
                               url=url, link_label="Read the summary")
