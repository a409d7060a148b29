"""A retrospective's world for the retro tests: a charter in force, an open cycle, a session in any phase.

Plain functions (like `tests/charters/factories.py`), so each test says what it builds:

    charter = charter_in_force(team)
    cycle = open_cycle(team, charter)
    retro = session(team, cycle, facilitator, phase="collect", anonymous=True)
    write_card(retro, member, "Deploys felt calmer")
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import F
from django.urls import reverse

from charters.models import Charter, Goal, KeyResult, NonNegotiable
from reviews.models import RetroCard, RetroPrompt, Retrospective, RetroTheme, ReviewCycle
from reviews.retro import services

ORG, TEAM = "harbour", "platform"
LONDON = ZoneInfo("Europe/London")
CYCLE_START = date(2026, 10, 5)  # a Monday; the cycle runs six weeks, to 16 Nov
CYCLE_END = CYCLE_START + timedelta(weeks=6)
REVIEW_DAY = datetime(2026, 11, 13, 14, 0, tzinfo=LONDON)  # the Friday the team reviews the cycle


def url(name: str, *args, query: str = "") -> str:
    path = reverse(f"reviews:{name}", args=[ORG, TEAM, *args])
    return f"{path}?{query}" if query else path


def charter_in_force(team, *, non_negotiables=("Reviewed code only", "No pager heroics"), owner=None) -> Charter:
    charter = Charter.objects.create(team=team, number=1, state=Charter.State.RATIFIED,
                                     purpose_statement="Keep the hospital's software safe to change.",
                                     purpose_serves="Clinicians on the wards")
    for position, title in enumerate(non_negotiables):
        NonNegotiable.objects.create(charter=charter, title=title, position=position,
                                     standard=f"Everyone can tell: {title.lower()}.")
    goal = Goal.objects.create(charter=charter, objective="Release weekly", purpose_part="outcome", owner=owner)
    KeyResult.objects.create(goal=goal, metric="Releases per month", start_value=1, target_value=4)
    return charter


def open_cycle(team, charter, *, number: int = 1, start: date = CYCLE_START, weeks: int = 6) -> ReviewCycle:
    return ReviewCycle.objects.create(team=team, number=number, start_date=start,
                                      end_date=start + timedelta(weeks=weeks), charter=charter)


def closed_cycle(team, charter, *, number: int, start: date) -> ReviewCycle:
    return ReviewCycle.objects.create(team=team, number=number, start_date=start, end_date=start + timedelta(weeks=6),
                                      charter=charter, state=ReviewCycle.State.CLOSED,
                                      closed_at=datetime.combine(start + timedelta(weeks=6), datetime.min.time(),
                                                                 LONDON))


def session(team, facilitator, *, phase: str = Retrospective.Phase.SETUP, anonymous: bool = False,
            hide_text: bool = False, votes: int = 3, template_id: int | None = None) -> Retrospective:
    """The open cycle's retrospective (charter-review prompts), put straight into `phase`."""
    retro = services.start_retrospective(team=team, actor=facilitator, template_id=template_id)
    Retrospective.objects.filter(pk=retro.pk).update(
        phase=phase, is_anonymous=anonymous, hide_text_while_collecting=hide_text, votes_per_person=votes,
        closed_at=REVIEW_DAY if phase == Retrospective.Phase.CLOSED else None, version=F("version") + 1)
    retro.refresh_from_db()
    return retro


def set_phase(retro: Retrospective, phase: str) -> Retrospective:
    Retrospective.objects.filter(pk=retro.pk).update(
        phase=phase, closed_at=REVIEW_DAY if phase == Retrospective.Phase.CLOSED else None,
        version=F("version") + 1)
    retro.refresh_from_db()
    return retro


def prompt_of(retro: Retrospective, kind: str = "keep") -> RetroPrompt:
    return RetroPrompt.objects.filter(retrospective=retro, kind=kind).first()


def write_card(retro: Retrospective, author, text: str, *, kind: str = "keep", theme=None) -> RetroCard:
    """A card stored straight in the database (whatever the phase), as if written while collecting."""
    return RetroCard.objects.create(retrospective=retro, prompt=prompt_of(retro, kind), author=author, text=text,
                                    theme=theme, token=uuid.uuid4())


def theme(retro: Retrospective, name: str, *cards: RetroCard) -> RetroTheme:
    made = RetroTheme.objects.create(retrospective=retro, name=name)
    RetroCard.objects.filter(pk__in=[card.pk for card in cards]).update(theme=made)
    return made
