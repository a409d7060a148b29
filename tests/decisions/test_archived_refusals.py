"""A proposal or a final call sent after a leader archived the team: refused in place, text kept (409)."""

from __future__ import annotations

import pytest
from pytest_django.asserts import assertContains

from alignment import services as team_services
from alignment.permissions import ARCHIVED_REFUSAL
from charters.models import Charter
from decisions.models import Decision
from tests.decisions.conftest import decision_url

pytestmark = pytest.mark.django_db

ARCHIVED = 409


@pytest.fixture
def active(team, write_charter) -> Charter:
    return write_charter(team, state=Charter.State.RATIFIED)


@pytest.fixture
def archive(team, leader):
    return lambda: team_services.archive_team(team=team, actor=leader)


def test_a_proposal_sent_after_the_archive_comes_back_with_its_text(login, member, active, archive):
    client = login(member)
    form = client.get(decision_url("create"), follow=True)  # opened while the team worked
    key = form.context["form"].initial["idempotency_key"]
    archive()

    response = client.post(decision_url("create"), {
        "title": "Weekend visits", "description": "Two nurses on Saturdays", "purpose_effect": "advances",
        "metric_effect": "improves", "idempotency_key": str(key)})

    assert response.status_code == ARCHIVED
    assertContains(response, ARCHIVED_REFUSAL, status_code=ARCHIVED)
    assertContains(response, 'value="Weekend visits"', status_code=ARCHIVED)
    assertContains(response, "Two nurses on Saturdays</textarea>", status_code=ARCHIVED)
    assert not Decision.objects.exists()


def test_the_form_itself_stays_closed_on_an_archived_team(login, member, archive):
    archive()

    assert login(member).get(decision_url("create"), {"key": "0" * 32}).status_code == 403


def test_a_final_call_sent_after_the_archive_comes_back_with_its_reason(login, leader, team, active, log_decisions,
                                                                       archive):
    decision = log_decisions(team, 3)[2]
    client = login(leader)
    archive()

    response = client.post(decision.get_absolute_url(),
                           {"outcome": "decline", "reason": "No budget this quarter", "version": "1"})

    assert response.status_code == ARCHIVED
    assertContains(response, ARCHIVED_REFUSAL, status_code=ARCHIVED)
    assertContains(response, "No budget this quarter</textarea>", status_code=ARCHIVED)
    decision.refresh_from_db()
    assert decision.outcome == Decision.Outcome.PENDING


def test_a_member_never_records_the_final_call(login, member, team, active, log_decisions, archive):
    decision = log_decisions(team, 3)[2]
    archive()

    response = login(member).post(decision.get_absolute_url(), {"outcome": "decline", "reason": "x", "version": "1"})

    assert response.status_code == 403
