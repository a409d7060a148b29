"""One confidence scale everywhere (on track / at risk / off track), and what the charter's editor types is a reading.

The key-result editor asked 0–10 while progress and check-ins said three words; migration 0007 maps the old
numbers (0–3 off track, 4–6 at risk, 7–10 on track) and back (2, 5, 8), tested in test_migrations.py. A current
value typed in the editor is recorded through `record_progress` (source "charter"), once per change, so every
reader of readings sees it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from pytest_django.asserts import assertContains

from charters import services
from charters.forms import KeyResultForm
from charters.models import Charter, Goal, KeyResult, KeyResultProgress
from tests.charters.conftest import charter_url
from tests.charters.factories import complete_charter, ratified_charter

pytestmark = pytest.mark.django_db
CHARTER = KeyResultProgress.Source.CHARTER


def test_the_editor_asks_the_three_words_not_a_number(team, leader):
    form = KeyResultForm(team=team)

    assert [value for value, _ in form.fields["confidence"].choices] == ["", "on_track", "at_risk", "off_track"]
    assert 'type="radio"' in str(form["confidence"]) and 'type="number"' not in str(form["confidence"])


def test_the_database_refuses_a_number_for_confidence(team, leader):
    from django.db import IntegrityError, transaction

    goal = Goal.objects.get(charter=complete_charter(team, leader))
    with pytest.raises(IntegrityError), transaction.atomic():
        KeyResult.objects.filter(goal=goal).update(confidence="7")


@pytest.fixture
def draft(team, leader) -> Charter:
    return complete_charter(team, leader)


def key_result_fields(kr: KeyResult, **changes) -> dict:
    fields = {"metric": kr.metric, "unit": kr.unit, "start_value": kr.start_value, "target_value": kr.target_value,
              "current_value": kr.current_value, "confidence": kr.confidence, "version": kr.version}
    return {name: "" if value is None else value for name, value in {**fields, **changes}.items()}


def test_a_current_value_typed_in_the_editor_is_a_reading_once_per_change(login, leader, draft):
    kr = KeyResult.objects.get(goal__charter=draft)
    client = login(leader)
    edit = charter_url("item_edit", 1, "key_result", kr.pk)

    client.post(edit, key_result_fields(kr, current_value="14", confidence="on_track"))
    kr.refresh_from_db()
    client.post(edit, key_result_fields(kr, metric="Availability in clinic hours"))  # no new value: no reading
    kr.refresh_from_db()
    client.post(edit, key_result_fields(kr, confidence="off_track"))

    readings = list(KeyResultProgress.objects.filter(lineage=kr).order_by("recorded_at", "pk"))
    assert [(r.value, r.confidence, r.source, r.recorded_by) for r in readings] == [
        (Decimal(14), "on_track", CHARTER, leader), (Decimal(14), "off_track", CHARTER, leader)]
    assert [r.is_latest for r in readings] == [False, True]


def test_a_key_result_added_with_a_current_value_starts_with_a_reading(login, leader, draft):
    goal = Goal.objects.get(charter=draft)

    login(leader).post(charter_url("key_result_add", 1, goal.pk), {
        "metric": "Visits on time", "unit": "%", "start_value": "60", "target_value": "90", "current_value": "64",
        "confidence": "at_risk"})

    kr = KeyResult.objects.get(metric="Visits on time")
    assert list(KeyResultProgress.objects.filter(lineage=kr).values_list("value", "confidence", "source")) == [
        (Decimal(64), "at_risk", CHARTER)]


def test_a_current_value_without_a_confidence_is_refused_in_words(login, leader, draft):
    kr = KeyResult.objects.get(goal__charter=draft)

    response = login(leader).post(charter_url("item_edit", 1, "key_result", kr.pk),
                                  key_result_fields(kr, current_value="15", confidence=""))

    assertContains(response, "Say how confident you are in the current value", status_code=400)
    assert not KeyResultProgress.objects.exists()


def test_a_value_typed_in_an_amendment_joins_the_history_of_the_version_in_force(team, leader):
    active = ratified_charter(team, leader)
    draft = services.start_amendment(team=team, actor=leader)
    in_force, copy = KeyResult.objects.get(goal__charter=active), KeyResult.objects.get(goal__charter=draft)
    copy.current_value, copy.confidence = Decimal(16), "on_track"

    services.update_item(charter=draft, item=copy, expected_version=copy.version, actor=leader)
    services.discard(charter=draft, actor=leader)

    reading = KeyResultProgress.objects.get()
    assert (reading.lineage_id, reading.key_result_id, reading.value, reading.is_latest) == (
        in_force.pk, in_force.pk, Decimal(16), True)


def test_the_charter_page_shows_the_words(login, leader, team):
    ratified_charter(team, leader)

    assertContains(login(leader).get(charter_url("detail")), '<span class="badge confidence-at_risk">at risk</span>')


def test_saving_a_typed_value_costs_a_fixed_number_of_queries(team, leader, django_assert_num_queries):
    active = ratified_charter(team, leader)
    draft = services.start_amendment(team=team, actor=leader)
    copy = KeyResult.objects.get(goal__charter=draft)
    copy.current_value, copy.confidence = Decimal(16), "on_track"

    # 1 savepoint, 2 lock the amendment, 3 the key result's saved value and confidence, 4 the compare-and-set
    # save; `record_progress`: 5 savepoint, 6 the key result's version and lineage, 7 lock the amendment again,
    # 8 lock the version in force, 9 its key result of the lineage, 10 the reading before and 11 after it (none:
    # the first of its lineage), 12 insert the reading, 13 release; 14 a new revision of the text and 15 its
    # re-read; 16 release.
    with django_assert_num_queries(16):
        services.update_item(charter=draft, item=copy, expected_version=copy.version, actor=leader)

    assert KeyResultProgress.objects.get().key_result_id == KeyResult.objects.get(goal__charter=active).pk
