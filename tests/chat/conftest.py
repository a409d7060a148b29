"""The chat tests' world: a fake Slack/Mattermost API on loopback, the team connected to it, and requests signed
as each chat signs them.

`MONDAY` and `at(day, "HH:MM")` are the check-in tests' week (tests/checkins/conftest.py): the team's check-in is
due Friday (day 4) at 10:00, Europe/London. `slack` posts to Charter as Slack does (`slack.command(...)`,
`slack.click(...)`, `slack.submit(...)`), `mattermost` as Mattermost does.
"""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from charters.models import Boundary, Charter, Goal, KeyResult, NonNegotiable
from chat import services
from chat.models import ChatAccount, ChatKind
from tests.chat_api_server import (
    MATTERMOST_COMMAND_TOKEN,
    MATTERMOST_TEAM,
    MATTERMOST_TOKEN,
    SLACK_SECRET,
    SLACK_TOKEN,
    SLACK_WORKSPACE,
    ChatApi,
    slack_headers,
)
from tests.chat_server import allow_local_chat
from tests.checkins.conftest import MONDAY, at  # noqa: F401  (the week the tests live in)

CHANNEL = "CPLATFORM"
MEMBER_CHAT, LEADER_CHAT = "UMEMBER", "ULEADER"


@pytest.fixture
def api(settings):
    allow_local_chat(settings)
    settings.SITE_URL = "https://charter.example.com"
    with ChatApi() as server:
        yield server


@pytest.fixture
def charter(team, leader, member):
    """The team's charter in force: its purpose, two non-negotiables, two boundaries, a goal the member owns."""
    active = Charter.objects.create(
        team=team, number=1, state=Charter.State.RATIFIED, purpose_statement="Keep the hospital's software safe.",
        purpose_serves="Clinicians on the wards.", purpose_outcome="Releases nobody fears.",
        purpose_refuses="Patient safety, for any deadline.")
    NonNegotiable.objects.create(charter=active, title="Reviewed code only", standard="A second pair of eyes.",
                                 position=0)
    NonNegotiable.objects.create(charter=active, title="No pager heroics", position=1)
    Boundary.objects.create(charter=active, area="Tooling", label="team_decides", position=0)
    Boundary.objects.create(charter=active, area="Hiring", label="consult", position=1)
    goal = Goal.objects.create(charter=active, objective="Release weekly", purpose_part="outcome", owner=member)
    KeyResult.objects.create(goal=goal, metric="Releases per month", start_value=Decimal(1), target_value=Decimal(4))
    return active


@pytest.fixture
def slack_team(api, team, leader):
    """The team connected to the fake Slack through the service the settings page uses."""
    return services.connect(team=team, actor=leader, kind=ChatKind.SLACK, api_base_url=api.slack_url,
                            channel_id=CHANNEL, bot_token=SLACK_TOKEN, signing_secret=SLACK_SECRET)


@pytest.fixture
def mattermost_team(api, team, leader):
    return services.connect(team=team, actor=leader, kind=ChatKind.MATTERMOST, api_base_url=api.base,
                            channel_id="mmchannelplatform000000000", bot_token=MATTERMOST_TOKEN,
                            command_token=MATTERMOST_COMMAND_TOKEN)


def link(user, chat_user_id: str, *, kind: str = ChatKind.SLACK, workspace: str = SLACK_WORKSPACE) -> ChatAccount:
    return ChatAccount.objects.create(user=user, kind=kind, workspace_id=workspace, chat_user_id=chat_user_id,
                                      chat_user_name=chat_user_id.lower())


class Slack:
    """Posts to Charter as Slack does, signed with the app's secret (the fake's)."""

    def __init__(self, client):
        self.client = client
        self.triggers = 0

    def post(self, name: str, body: bytes, **headers):
        return self.client.post(reverse(f"chat:{name}"), body, content_type="application/x-www-form-urlencoded",
                                **(headers or slack_headers(body)))

    def command(self, text: str = "", *, user: str = MEMBER_CHAT, channel: str = CHANNEL, **headers):
        self.triggers += 1
        body = urlencode({"token": "deprecated", "team_id": SLACK_WORKSPACE, "channel_id": channel,
                          "user_id": user, "user_name": user.lower(), "command": "/charter", "text": text,
                          "trigger_id": f"trigger.{self.triggers}", "response_url": "https://hooks.invalid/x"}).encode()
        return self.post("slack_commands", body, **headers)

    def interaction(self, payload: dict):
        self.triggers += 1
        payload = {"team": {"id": SLACK_WORKSPACE}, "trigger_id": f"trigger.{self.triggers}", **payload}
        return self.post("slack_interactions", urlencode({"payload": json.dumps(payload)}).encode())

    def click(self, message: dict, button: str, *, user: str = MEMBER_CHAT, channel: str = "DMEMBER",
              ts: str = "1790000000.000001"):
        """Press the button labelled `button` of a message Charter posted (`chat.postMessage`'s body)."""
        action = next(element for block in message["blocks"] if block["type"] == "actions"
                      for element in block["elements"] if element["text"]["text"] == button)
        return self.interaction({"type": "block_actions", "user": {"id": user, "username": user.lower()},
                                 "channel": {"id": channel}, "container": {"channel_id": channel, "message_ts": ts},
                                 "actions": [{"action_id": action["action_id"], "value": action.get("value", "")}]})

    def submit(self, view: dict, values: dict[str, str], *, user: str = MEMBER_CHAT):
        """Submit a modal Charter opened (`views.open`'s view) with these values by block, others as opened."""
        state = {}
        for block in view["blocks"]:
            if block["type"] != "input":
                continue
            element, name = block["element"], block["block_id"]
            if element["type"] in ("static_select", "radio_buttons"):
                value = values.get(name, (element.get("initial_option") or {}).get("value"))
                state[name] = {"value": {"type": element["type"],
                                         "selected_option": {"value": value} if value else None}}
            else:
                state[name] = {"value": {"type": element["type"], "value": values.get(name, element.get("initial_value"))}}
        return self.interaction({"type": "view_submission", "user": {"id": user, "username": user.lower()},
                                 "view": {**view, "state": {"values": state}}})


@pytest.fixture
def slack(client):
    return Slack(client)


class Mattermost:
    """Posts to Charter as a Mattermost server does."""

    def __init__(self, client):
        self.client = client
        self.triggers = 0

    def command(self, text: str = "", *, user: str = "mmmember", token: str = MATTERMOST_COMMAND_TOKEN,
                channel: str = "mmchannelplatform000000000"):
        self.triggers += 1
        body = {"token": token, "team_id": MATTERMOST_TEAM, "channel_id": channel, "user_id": user,
                "user_name": user, "command": "/charter", "text": text, "trigger_id": f"mmtrigger{self.triggers}"}
        return self.client.post(reverse("chat:mattermost_commands"), urlencode(body),
                                content_type="application/x-www-form-urlencoded")

    def click(self, post: dict, button: str, *, user: str = "mmmember"):
        self.triggers += 1
        action = next(a for a in post["props"]["attachments"][0]["actions"] if a["name"] == button)
        body = {"user_id": user, "user_name": user, "channel_id": post.get("channel_id", ""), "team_id": "",
                "post_id": "post0001", "trigger_id": f"mmtrigger{self.triggers}", "type": "",
                "context": action["integration"]["context"]}
        return self.client.post(reverse("chat:mattermost_actions"), json.dumps(body), content_type="application/json")

    def submit(self, dialog: dict, values: dict, *, user: str = "mmmember"):
        """Submit a dialog Charter opened (`actions/dialogs/open`'s body) with these values, others as opened."""
        submission = {e["name"]: e.get("default") for e in dialog["dialog"]["elements"]}
        submission.update(values)
        body = {"type": "dialog_submission", "callback_id": dialog["dialog"]["callback_id"],
                "state": dialog["dialog"]["state"], "user_id": user, "channel_id": "", "team_id": MATTERMOST_TEAM,
                "submission": submission, "cancelled": False}
        return self.client.post(reverse("chat:mattermost_dialogs"), json.dumps(body), content_type="application/json")


@pytest.fixture
def mattermost(client):
    return Mattermost(client)
