"""The current value typed in the charter is a reading: the cycle page shows it, and the ledger's "Then" has it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from charters import services as charters
from charters.models import KeyResult
from decisions.models import Decision
from reviews.models import ReviewCycle
from tests.charters.factories import complete_charter

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def typed(team, leader, frozen):
    """A first charter whose leader typed "currently 14, on track" in the editor, ratified on 2 Nov."""
    frozen(datetime(2026, 11, 2, 9, tzinfo=LONDON))
    draft = complete_charter(team, leader)
    kr = KeyResult.objects.get(goal__charter=draft)
    kr.current_value, kr.confidence = Decimal(14), "on_track"
    charters.update_item(charter=draft, item=kr, expected_version=kr.version, actor=leader)
    charters.propose(charter=draft, actor=leader)
    charters.ratify(charter=draft, actor=leader, despite_gaps=True)
    return kr


def test_the_cycle_page_shows_the_value_typed_in_the_charter(login, team, member, typed, frozen):
    frozen(datetime(2026, 11, 20, 9, tzinfo=LONDON))

    body = login(member).get(reverse("reviews:cycle", args=[team.organisation.slug, team.slug, 1])).content.decode()

    assert '<td>14% <span class="muted">(40%)</span></td>' in body
    assert '<li class="confidence on_track" title="Week of 2 Nov 2026">on track</li>' in body


def test_the_ledger_then_is_the_value_typed_in_the_charter(login, team, leader, typed, frozen):
    frozen(datetime(2026, 11, 4, 9, tzinfo=LONDON))
    Decision.objects.create(team=team, title="Pause the pager rota", purpose_effect="advances", metric_effect="dents",
                            verdict="conscious_investment", key_result=typed, investment_until=date(2026, 12, 1),
                            logged_at=datetime(2026, 11, 4, 9, tzinfo=LONDON), logged_by=leader)
    frozen(datetime(2026, 11, 20, 9, tzinfo=LONDON))

    body = login(leader).get(reverse("reviews:cycle", args=[team.organisation.slug, team.slug, 1])).content.decode()

    assert "<th scope=\"row\">Pause the pager rota</th><td>Metric 1</td><td>14%</td><td>14%</td>" in body
    assert ReviewCycle.objects.get(team=team).is_open
