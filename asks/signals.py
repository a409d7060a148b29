"""Requests' cross-team signal on the alignment map (registered with charters in `asks/apps.py`).

A *consult* request still open after its due date: the receiving team said it would decide after consulting
the asker by then. The map names both teams, the area the request touches (a boundary of the receiving
team's ratified charter) and how long it is overdue, never the request's own words: those are for the two
teams (`asks.permissions`). Overdue from the day after the due date, in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.template.defaultfilters import pluralize

from alignment.row_urls import RowUrls
from asks.models import Ask, Route
from charters.organisation_map import CharterLink, Signal, SignalGroup


def overdue_consultations(organisation, *, now: datetime, shown: int) -> SignalGroup:
    """Open consult requests past their due date, the longest overdue first: 1 query (2 with more than `shown`)."""
    today = now.astimezone(UTC).date()
    overdue = Ask.objects.open().filter(route=Route.CONSULT, receiving_team__organisation=organisation,
                                        due_on__lt=today)
    # query: the longest overdue, plus one
    rows = list(overdue.values_list("pk", "area", "due_on", "asking_team__name", "asking_team__slug",
                                    "receiving_team__name", "receiving_team__slug")
                .order_by("due_on", "pk")[:shown + 1])
    # query: only with more than shown, how many in all
    total = len(rows) if len(rows) <= shown else overdue.count()
    urls = RowUrls("charters:detail", organisation.slug) if rows else None
    signals = []
    for _pk, area, due_on, asking, asking_slug, receiving, receiving_slug in rows[:shown]:
        days = (today - due_on).days
        about = f" about {area}" if area else ""
        signals.append(Signal(
            summary=f"{asking} is waiting on {receiving}: a consultation{about} was due {due_on:%-d %B}",
            teams=(CharterLink(asking, urls.of(asking_slug)), CharterLink(receiving, urls.of(receiving_slug))),
            detail=f"Unanswered {days} day{pluralize(days)} past its date."))
    return SignalGroup(kind="consult-overdue", heading="Consultations past their date", signals=tuple(signals),
                       total=total)
