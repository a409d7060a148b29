"""Every request from chat is proved before anything is done: Slack's signature and timestamp, Mattermost's token
and Charter's own signed context; a replay is refused; a refused request writes nothing."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chat.models import ChatAccount, SeenRequest
from tests.chat.conftest import CHANNEL, MEMBER_CHAT, link
from tests.chat_api_server import SLACK_WORKSPACE, slack_headers
from tests.matrix import assert_no_writes

pytestmark = pytest.mark.django_db


def command_body(text: str = "") -> bytes:
    return urlencode({"team_id": SLACK_WORKSPACE, "channel_id": CHANNEL, "user_id": MEMBER_CHAT,
                      "user_name": "umember", "command": "/charter", "text": text, "trigger_id": "t.1"}).encode()


@pytest.mark.parametrize("case", ["another secret", "stale timestamp", "no signature", "another workspace"])
def test_an_unproved_slack_request_is_refused_and_writes_nothing(case, slack, slack_team, member):
    link(member, MEMBER_CHAT)
    body = command_body("link")
    headers = {
        "another secret": slack_headers(body, secret="not-the-apps-secret"),
        "stale timestamp": slack_headers(body, timestamp=int(timezone.now().timestamp()) - 6 * 60),
        "no signature": {"HTTP_X_SLACK_REQUEST_TIMESTAMP": str(int(timezone.now().timestamp()))},
        "another workspace": slack_headers(body.replace(SLACK_WORKSPACE.encode(), b"TELSEWHERE")),
    }[case]
    if case == "another workspace":
        body = body.replace(SLACK_WORKSPACE.encode(), b"TELSEWHERE")

    with CaptureQueriesContext(connection) as queries:
        response = slack.post("slack_commands", body, **headers)

    assert response.status_code == 401
    assert "chat/link" not in response.content.decode()
    assert_no_writes(queries)


def test_a_slack_request_sent_again_is_refused(slack, slack_team):
    body = command_body("help")
    headers = slack_headers(body)

    assert slack.post("slack_commands", body, **headers).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        replayed = slack.post("slack_commands", body, **headers)

    assert replayed.status_code == 401
    assert_no_writes(queries)
    assert SeenRequest.objects.count() == 1


def test_a_mattermost_command_with_a_wrong_token_is_refused(mattermost, mattermost_team):
    with CaptureQueriesContext(connection) as queries:
        assert mattermost.command("link", token="guessed").status_code == 401
    assert_no_writes(queries)


def test_a_mattermost_command_sent_again_is_refused(client, mattermost, mattermost_team):
    assert mattermost.command("help").status_code == 200
    mattermost.triggers -= 1  # the same trigger again: the same request

    assert mattermost.command("help").status_code == 401


def test_a_mattermost_click_with_a_forged_or_another_persons_context_is_refused(client, mattermost, mattermost_team,
                                                                                member):
    link(member, "mmmember", kind="mattermost", workspace=mattermost_team.workspace_id)
    for context in ({"value": "forged"}, {"value": ""}, {}):
        body = {"user_id": "mmmember", "post_id": "p1", "trigger_id": "t-forged", "context": context}
        response = client.post(reverse("chat:mattermost_actions"), body, content_type="application/json")
        assert response.status_code == 401
    assert not SeenRequest.objects.exists()
    assert ChatAccount.objects.count() == 1
