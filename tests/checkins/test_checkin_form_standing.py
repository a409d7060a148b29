"""The check-in form says where each of the writer's key results stands: its latest reading, else the charter's value."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from charters.models import Goal, KeyResult, KeyResultProgress
from charters.services import record_progress
from tests.checkins.conftest import at, form_data, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_member(login, member, frozen):
    frozen(at(2, "10:04"))
    return login(member)


def standing_of(body: str, metric: str) -> str:
    """The key result's line on the form as it reads on screen: its target and where it stands."""
    line = re.search(rf"<p><strong[^>]*>{metric}</strong>(.*?)</p>", body, re.S)
    assert line, f"no line for {metric}"
    return as_text(re.sub(r'<span class="visually-hidden">[^<]*</span>', "", line[1]))


def as_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def test_a_key_result_with_a_reading_shows_its_value_confidence_and_date(as_member, member, charter):
    key_result = KeyResult.objects.get()
    # Two readings: only the newer one is where it stands. Sunday 20:00 in London is Monday morning in Auckland.
    record_progress(key_result=key_result, actor=member, value=2, confidence="on_track", recorded_at=at(-7))
    record_progress(key_result=key_result, actor=member, value=3, confidence="at_risk", recorded_at=at(-1, "20:00"))
    member.time_zone = "Pacific/Auckland"
    member.save(update_fields=["time_zone"])

    body = as_member.get(url("this_week")).content.decode()

    assert standing_of(body, "Releases per month") == "target 4 · now 3 · at risk (Mon 16 Nov)"


def test_the_date_is_the_readers_own(as_member, member, charter):
    record_progress(key_result=KeyResult.objects.get(), actor=member, value=3, confidence="off_track",
                    recorded_at=at(-1, "20:00"))

    body = as_member.get(url("this_week")).content.decode()

    assert standing_of(body, "Releases per month") == "target 4 · now 3 · off track (Sun 15 Nov)"  # the member's UTC


def test_without_a_reading_it_shows_the_value_typed_in_the_charter(as_member, member, charter):
    KeyResult.objects.filter(metric="Releases per month").update(current_value=Decimal(2))
    Goal.objects.get().key_results.create(metric="Pages with alt text", unit="%", target_value=Decimal(100),
                                          position=1)

    body = as_member.get(url("this_week")).content.decode()

    assert standing_of(body, "Releases per month") == "target 4 · now 2"
    assert standing_of(body, "Pages with alt text") == "target 100% · no reading yet"
    assert not KeyResultProgress.objects.exists()


def test_the_form_shown_again_after_a_refusal_says_the_same(as_member, member, charter):
    key_result = KeyResult.objects.get()
    record_progress(key_result=key_result, actor=member, value=3, confidence="at_risk", recorded_at=at(0))

    response = as_member.post(url("submit"), form_data(**{f"kr_{key_result.pk}_value": "5"}))

    assert response.status_code == 400
    assert standing_of(response.content.decode(), "Releases per month") == "target 4 · now 3 · at risk (Mon 16 Nov)"


def test_the_standing_describes_the_key_results_fields_to_a_screen_reader(as_member, member, charter):
    key_result = KeyResult.objects.get()
    record_progress(key_result=key_result, actor=member, value=3, confidence="at_risk", recorded_at=at(0))

    body = as_member.get(url("this_week")).content.decode()

    group = re.search(r'<div class="kr-row" role="group" aria-labelledby="([^"]+)" aria-describedby="([^"]+)">', body)
    assert group, "the key result's fields are a group named by its metric and described by where it stands"
    assert re.search(rf'<strong id="{group[1]}">Releases per month</strong>', body)
    described = re.search(rf'<span class="muted" id="{group[2]}">(.*?)</span>\s*</p>', body, re.S)
    # Words, not colour; and the date is said to be when it was recorded.
    assert as_text(described[1]) == "target 4 · now 3 · at risk (recorded Mon 16 Nov)"
