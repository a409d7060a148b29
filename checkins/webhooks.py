"""What check-ins post to a team's chat webhooks (`alignment.webhooks`): the week's summary.

Counts only: a chat channel may be read by people outside the team, and a check-in's words are
read by its author, the team's leaders and facilitators (the README's check-in privacy), so no
name, blocker or note is ever posted.
"""

from __future__ import annotations

from django.urls import reverse

from alignment.weeks import TeamWeek
from notifications import webhooks

WEEK_SUMMARY = "checkin_summary"


def summary_text(team, week: TeamWeek, page) -> str:
    """The week in counts, from the team's week page (`checkins.selectors.team_week_page`)."""
    counts = page.counts
    people = len(page.people)
    label = str(week.label)
    lines = [
        f"{team.name}, {label[:1].lower()}{label[1:]}: {counts['submitted']} of {people} checked in.",
        f"Open blockers: {len(page.open_blockers)}.",
        f"Key results with falling confidence: {len(page.confidence_drops)}.",
        f"Load: {page.load_in_words}",  # counts below the team's minimum read "fewer than …" (alignment.privacy)
        f"Non-negotiables flagged as strained: {len(page.strains)}.",
    ]
    return "\n".join(lines)


def post_week_summary(*, team, week: TeamWeek, page, key: str) -> list[int]:
    """Post the week's summary once per team and week (`key`), when the leaders' digest is produced."""
    url = reverse("checkins:week", args=[team.organisation.slug, team.slug]) + f"?week={week.monday}"
    return webhooks.post_event(team=team, event=WEEK_SUMMARY, key=key, text=summary_text(team, week, page),
                               url=url, link_label="See the team's week")
