"""The check-in tests' world: the standard cast, an active charter whose goal the member owns, and a clock.

`MONDAY` is the Monday of a team week in Europe/London; `at(day, "HH:MM")` is a moment of that
week (day 0 = Monday). The team's check-in is due Friday (day 4) at 10:00.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from charters.models import Charter, Goal, KeyResult, NonNegotiable

ORG, TEAM = "harbour", "platform"
LONDON = ZoneInfo("Europe/London")
MONDAY = date(2026, 11, 16)


def at(day: int, clock: str = "09:00", monday: date = MONDAY) -> datetime:
    hours, minutes = (int(part) for part in clock.split(":"))
    return datetime.combine(monday + timedelta(days=day), datetime.min.time(), LONDON).replace(
        hour=hours, minute=minutes)


def url(name: str, *args, query: str = "") -> str:
    path = reverse(f"checkins:{name}", args=[ORG, TEAM, *args])
    return f"{path}?{query}" if query else path


@pytest.fixture
def charter(team, leader, member):
    """The team's active charter: two non-negotiables, a goal owned by the member with one key result."""
    active = Charter.objects.create(team=team, number=1, state=Charter.State.RATIFIED,
                                    purpose_statement="Keep the hospital's software safe to change.")
    NonNegotiable.objects.create(charter=active, title="Reviewed code only", position=0)
    NonNegotiable.objects.create(charter=active, title="No pager heroics", position=1)
    goal = Goal.objects.create(charter=active, objective="Release weekly", purpose_part="outcome", owner=member)
    KeyResult.objects.create(goal=goal, metric="Releases per month", start_value=Decimal(1),
                             target_value=Decimal(4))
    return active


def form_data(**overrides) -> dict:
    """A check-in as typed into the form for the week of MONDAY, version 0 (nothing saved yet)."""
    data = {"version": "0", "week": MONDAY.isoformat(), "blocker_rows": "3",
            "progress": "Shipped the rota export.", "highlights": "", "load": "about_right",
            "strained_non_negotiable": "", "strain_note": "", "boundary_question": ""}
    for n in range(3):
        data.update({f"blocker_{n}_what": "", f"blocker_{n}_who": "", f"blocker_{n}_goal": ""})
    data.update(overrides)
    return data


def as_shown(client) -> dict:
    """This week's form as the page gives it: every field's value, the version and fingerprint included."""
    return form_fields(client.get(url("this_week")).content.decode())


def form_fields(body: str) -> dict:
    """The check-in form's every field and its value, as `body` (a page drawing the form) gives them."""
    start = body.index('class="checkin-form')
    form = body[start:body.index("</form>", start)]
    data = {m[1]: m[2] for m in re.finditer(r'<input type="(?:hidden|text|number)" name="([^"]+)"'
                                             r'(?: value="([^"]*)")?', form)}
    data.update((m[1], m[2]) for m in re.finditer(r'<input type="radio" name="([^"]+)" value="([^"]*)"[^>]*checked',
                                                   form))
    data.update((m[1], m[2].lstrip("\n")) for m in re.finditer(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>',
                                                               form, re.S))
    for m in re.finditer(r'<select name="([^"]+)".*?</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', m[0])
        data[m[1]] = chosen[1] if chosen else ""
    data.pop("csrfmiddlewaretoken", None)
    return {name: value or "" for name, value in data.items()}
