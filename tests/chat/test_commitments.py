"""Commitment requests and renegotiations asked in a direct message and answered with its buttons."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from checkins import services
from checkins.models import Commitment, Renegotiation
from tests.chat.conftest import LEADER_CHAT, MEMBER_CHAT, at, link

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(api, slack_team, team, leader, member, frozen, django_capture_on_commit_callbacks):
    """Lena asks Max to commit; Max, linked, gets the request in Slack."""
    link(member, MEMBER_CHAT)
    link(leader, LEADER_CHAT)
    frozen(at(1, "09:00"))
    with django_capture_on_commit_callbacks(execute=True):
        commitment = services.create_commitment(team=team, owner=member, actor=leader, title="Write the runbook",
                                                standard="Reviewed by on-call.", due_on=date(2026, 11, 27))
    return commitment


def test_the_person_asked_accepts_with_the_button(api, slack, asked, django_capture_on_commit_callbacks):
    request = api.calls_to("chat.postMessage")[0].json
    assert request["channel"] == MEMBER_CHAT
    assert request["text"].startswith("Platform: you are asked to commit to “Write the runbook”")
    assert [b["text"]["text"] for b in request["blocks"][-1]["elements"]] == [
        "Accept", "Decline", "Propose another date", "Open in Charter"]

    with django_capture_on_commit_callbacks(execute=True):
        assert slack.click(request, "Accept").status_code == 200

    asked.refresh_from_db()
    assert asked.is_open
    answered = api.calls_to("chat.update")[0].json  # the request became the answer, its buttons gone
    assert (answered["channel"], answered["ts"]) == ("DMEMBER", "1790000000.000001")
    assert answered["text"].startswith("Accepted: “Write the runbook”")
    assert [b["type"] for b in answered["blocks"][-1]["elements"]] == ["button"]  # "Open in Charter" only

    # Pressed again (an old message), the service refuses in words, to him alone.
    with django_capture_on_commit_callbacks(execute=True):
        slack.click(request, "Decline")
    said = api.calls_to("chat.postEphemeral")[0].json
    assert (said["user"], said["text"]) == (MEMBER_CHAT, "This commitment is already open.")
    asked.refresh_from_db()
    assert asked.is_open


def test_someone_else_cannot_press_the_buttons_of_a_request_made_to_another(api, slack, asked):
    request = api.calls_to("chat.postMessage")[0].json

    assert slack.click(request, "Accept", user=LEADER_CHAT).status_code == 401  # the value names Max
    asked.refresh_from_db()
    assert asked.is_requested


def test_propose_another_date_accepts_and_asks_to_defer(api, slack, asked, leader, frozen,
                                                        django_capture_on_commit_callbacks):
    request = api.calls_to("chat.postMessage")[0].json
    slack.click(request, "Propose another date")
    view = api.calls_to("views.open")[0].json["view"]

    with django_capture_on_commit_callbacks(execute=True):
        answer = slack.submit(view, {"proposed_due_on": "2026-12-04", "reason": "The vendor is late."}).json()

    assert answer["view"]["title"]["text"] == "Date proposed"
    asked.refresh_from_db()
    renegotiation = Renegotiation.objects.get()
    assert asked.is_open and renegotiation.is_defer and renegotiation.proposed_due_on == date(2026, 12, 4)
    # The request is replaced by what came of it, and the leader is asked in Slack to decide.
    assert api.calls_to("chat.update")[0].json["text"].startswith("Date proposed")
    to_leader = [call.json for call in api.calls_to("chat.postMessage") if call.json["channel"] == LEADER_CHAT][0]
    assert "Max Member asks to defer (a new date): “Write the runbook”" in to_leader["text"]
    assert "From Friday 27 November 2026 to Friday 4 December 2026." in to_leader["text"]

    with django_capture_on_commit_callbacks(execute=True):
        slack.click(to_leader, "Decline", user=LEADER_CHAT, channel="DLEADER")

    renegotiation.refresh_from_db()
    assert renegotiation.state == Renegotiation.State.DECLINED and renegotiation.decided_by == leader
    assert Commitment.objects.get().due_on == date(2026, 11, 27)


def test_a_team_without_chat_pays_one_query_for_a_request(team, leader, member):
    with CaptureQueriesContext(connection) as queries:
        services.create_commitment(team=team, owner=member, actor=leader, title="Write the runbook",
                                   standard="Reviewed by on-call.", due_on=date(2026, 11, 27))

    # Chat's look-up of the team's connection (there is none), and nothing more of chat's.
    assert [q["sql"][:40] for q in queries.captured_queries if "chat_" in q["sql"]] == [
        'SELECT "chat_chatconnection"."id", "chat_'[:40]]
