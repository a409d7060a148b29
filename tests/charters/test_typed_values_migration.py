"""Current values typed in the charter before they became readings are recorded as readings by migration 0008.

Each lineage without a reading gets its typed values, version by version where they changed, dated when their
version was ratified (a draft's: its last known change), filed as the editor files them; going back removes
those readings and no other.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from charters import services
from tests.charters.factories import complete_charter

BEFORE = [("charters", "0007_one_confidence_scale")]
AFTER = [("charters", "0008_typed_values_become_readings")]
LONDON = ZoneInfo("Europe/London")
V1_RATIFIED = datetime(2026, 6, 1, 9, tzinfo=LONDON)
V2_RATIFIED = datetime(2026, 9, 7, 9, tzinfo=LONDON)
V3_STARTED = datetime(2026, 10, 12, 9, tzinfo=LONDON)
V3_EDITED = datetime(2026, 10, 14, 16, tzinfo=LONDON)


def _readings(apps) -> set[tuple]:
    Progress = apps.get_model("charters", "KeyResultProgress")
    return set(Progress.objects.values_list("lineage_id", "key_result_id", "value", "confidence", "recorded_at",
                                            "source", "previous_confidence", "is_latest"))


@pytest.mark.django_db(transaction=True)
def test_typed_values_become_readings_and_going_back_removes_only_those(migrate, team):
    old = migrate(BEFORE)
    Charter, Goal, KeyResult, Progress = (old.get_model("charters", name)
                                          for name in ("Charter", "Goal", "KeyResult", "KeyResultProgress"))
    v1 = Charter.objects.create(team_id=team.pk, number=1, state="superseded", ratified_at=V1_RATIFIED,
                                created_at=datetime(2026, 5, 1, tzinfo=LONDON))
    v2 = Charter.objects.create(team_id=team.pk, number=2, state="ratified", based_on=v1, ratified_at=V2_RATIFIED,
                                created_at=datetime(2026, 8, 1, tzinfo=LONDON))
    v3 = Charter.objects.create(team_id=team.pk, number=3, state="proposed", based_on=v2, created_at=V3_STARTED,
                                proposed_at=V3_STARTED, edited_at=V3_EDITED)
    g1, g2, g3 = (Goal.objects.create(charter=version, objective="Reliable records") for version in (v1, v2, v3))

    def kr(goal, metric, value, confidence, **lineage):
        return KeyResult.objects.create(goal=goal, metric=metric, current_value=value, confidence=confidence,
                                        **lineage)

    uptime1 = kr(g1, "Uptime", 99, "on_track")
    KeyResult.objects.filter(pk=uptime1.pk).update(lineage=uptime1.pk)
    uptime2 = kr(g2, "Uptime", 99, "on_track", lineage=uptime1, origin=uptime1)  # the amendment's copy: no change
    kr(g3, "Uptime", Decimal("99.5"), "at_risk", lineage=uptime1, origin=uptime2)  # typed in the proposal
    bookings = kr(g3, "Bookings", 40, "on_track")  # added by the proposal, no lineage set: its own
    pages = kr(g2, "Pages a week", 7, "off_track")
    value_only = kr(g2, "Latency", 200, "")  # no confidence: the editor records no reading either
    kr(g2, "Errors", None, "on_track")
    deploys = kr(g2, "Deploys", 3, "on_track")
    checked_in = Progress.objects.create(lineage=deploys, key_result=deploys, value=4, confidence="at_risk",
                                         source="check_in", source_ref=1, is_latest=True,
                                         recorded_at=datetime(2026, 9, 20, tzinfo=LONDON))

    new = migrate(AFTER)

    found = _readings(new)
    assert found == {
        (uptime1.pk, uptime1.pk, Decimal("99.00"), "on_track", V1_RATIFIED, "charter", "", False),
        # typed in the proposal: filed on the version in force, as the editor files it
        (uptime1.pk, uptime2.pk, Decimal("99.50"), "at_risk", V3_EDITED, "charter", "on_track", True),
        (bookings.pk, bookings.pk, Decimal("40.00"), "on_track", V3_EDITED, "charter", "", True),
        (pages.pk, pages.pk, Decimal("7.00"), "off_track", V2_RATIFIED, "charter", "", True),
        (deploys.pk, deploys.pk, Decimal("4.00"), "at_risk", checked_in.recorded_at, "check_in", "", True),
    }
    Progress = new.get_model("charters", "KeyResultProgress")
    assert not Progress.objects.filter(recorded_by__isnull=False).exists()

    # Used since: a check-in moved uptime on, and the editor recorded a value of its own.
    later = datetime(2026, 10, 30, tzinfo=LONDON)
    Progress.objects.filter(lineage_id=uptime1.pk).update(is_latest=False)
    Progress.objects.create(lineage_id=uptime1.pk, key_result_id=uptime2.pk, value=98, confidence="off_track",
                            source="check_in", source_ref=2, recorded_at=later, previous_confidence="at_risk",
                            is_latest=True)
    Progress.objects.create(lineage_id=value_only.pk, key_result_id=value_only.pk, value=180,
                            confidence="on_track", source="charter", recorded_at=later, is_latest=True)

    back = migrate(BEFORE)

    assert _readings(back) == {
        (uptime1.pk, uptime2.pk, Decimal("98.00"), "off_track", later, "check_in", "", True),
        (value_only.pk, value_only.pk, Decimal("180.00"), "on_track", later, "charter", "", True),
        (deploys.pk, deploys.pk, Decimal("4.00"), "at_risk", checked_in.recorded_at, "check_in", "", True),
    }


@pytest.mark.django_db(transaction=True)
def test_the_cycle_page_and_the_ledger_read_a_value_typed_before(migrate, login, team, leader, frozen):
    from charters.models import KeyResult, KeyResultProgress
    from decisions.models import Decision

    frozen(datetime(2026, 11, 2, 9, tzinfo=LONDON))
    draft = complete_charter(team, leader)  # "currently 12, at risk", written as the editor wrote it before
    services.propose(charter=draft, actor=leader)
    services.ratify(charter=draft, actor=leader, despite_gaps=True)
    typed = KeyResult.objects.get(goal__charter=draft)
    frozen(datetime(2026, 11, 4, 9, tzinfo=LONDON))
    Decision.objects.create(team=team, title="Pause the pager rota", purpose_effect="advances", metric_effect="dents",
                            verdict="conscious_investment", key_result=typed, investment_until=date(2026, 12, 1),
                            logged_at=datetime(2026, 11, 4, 9, tzinfo=LONDON), logged_by=leader)
    frozen(datetime(2026, 11, 20, 9, tzinfo=LONDON))
    cycle = reverse("reviews:cycle", args=[team.organisation.slug, team.slug, 1])
    assert not KeyResultProgress.objects.exists()
    before = login(leader).get(cycle).content.decode()
    assert "<th scope=\"row\">Pause the pager rota</th><td>Metric 1</td><td>—</td><td>—</td>" in before

    migrate(BEFORE)
    migrate(AFTER)
    migrate(None)  # on to the newest migration: the pages read through today's models

    body = login(leader).get(cycle).content.decode()
    assert '<td>12% <span class="muted">(20%)</span></td>' in body
    assert '<li class="confidence at_risk" title="Week of 2 Nov 2026">at risk</li>' in body
    assert "<th scope=\"row\">Pause the pager rota</th><td>Metric 1</td><td>12%</td><td>12%</td>" in body
