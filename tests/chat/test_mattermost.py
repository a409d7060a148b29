"""Mattermost's flavour: its slash command's token, its interactive dialog, its buttons' context."""

from __future__ import annotations

from datetime import date

import pytest

from checkins import services
from checkins.models import CheckIn
from tests.chat.conftest import at, link
from tests.chat_api_server import MATTERMOST_BOT, MATTERMOST_TEAM

pytestmark = pytest.mark.django_db


@pytest.fixture
def max_in_mattermost(mattermost_team, member):
    return link(member, "mmmember", kind="mattermost", workspace=MATTERMOST_TEAM)


def test_the_slash_command_answers_with_the_charter(mattermost, max_in_mattermost, charter):
    answer = mattermost.command("")

    assert answer.status_code == 200
    body = answer.json()
    assert body["response_type"] == "ephemeral"
    assert body["text"].startswith("**Platform's charter**\nKeep the hospital's software safe.")
    assert "#### Non-negotiables\n- Reviewed code only — A second pair of eyes.\n- No pager heroics" in body["text"]
    assert "[Open in Charter](https://charter.example.com/o/harbour/t/platform/charter/)" in body["text"]


def test_the_check_in_dialog_saves_and_confirms_in_a_direct_message(api, mattermost, max_in_mattermost, charter,
                                                                     member, frozen,
                                                                     django_capture_on_commit_callbacks):
    frozen(at(3, "12:00"))
    assert mattermost.command("checkin").status_code == 200
    opened = api.calls_to("actions/dialogs/open")[0].json
    assert opened["url"] == "https://charter.example.com/chat/mattermost/dialogs/"
    assert opened["dialog"]["title"] == "Weekly check-in"
    elements = {e["name"]: e for e in opened["dialog"]["elements"]}
    assert elements["load"]["type"] == "select" and elements["save_as"]["type"] == "radio"

    with django_capture_on_commit_callbacks(execute=True):
        saved = mattermost.submit(opened, {"progress": "Paired on the rota export.", "load": "about_right",
                                           "save_as": "submit"})

    assert saved.json() == {}
    checkin = CheckIn.objects.get()
    assert (checkin.author, checkin.is_submitted, checkin.is_late) == (member, True, False)
    assert checkin.progress == "Paired on the rota export."
    # Mattermost's dialog cannot show the outcome: it comes as a direct message from the bot.
    assert api.calls_to("channels/direct")[0].json == [MATTERMOST_BOT, "mmmember"]
    post = api.calls_to("posts")[0].json
    assert post["message"].startswith("**Check-in submitted**")

    # The same submission again is refused: a dialog is saved once.
    assert mattermost.submit(opened, {"progress": "Replayed"}).status_code == 401
    checkin.refresh_from_db()
    assert checkin.progress == "Paired on the rota export."


def test_a_dialog_error_keeps_it_open_to_fix(api, mattermost, max_in_mattermost, charter, frozen):
    frozen(at(3, "12:00"))
    mattermost.command("checkin")
    opened = api.calls_to("actions/dialogs/open")[0].json

    refused = mattermost.submit(opened, {"progress": "", "load": "", "save_as": "submit"}).json()

    assert set(refused["errors"]) == {"progress", "load"}
    assert not CheckIn.objects.exists()
    # Fixed, the same dialog saves: a refused submission used nothing up.
    assert mattermost.submit(opened, {"progress": "Fixed", "load": "light", "save_as": "submit"}).json() == {}
    assert CheckIn.objects.get().progress == "Fixed"


def test_a_commitment_request_is_answered_with_its_button(api, mattermost, max_in_mattermost, team, leader, member,
                                                          frozen, django_capture_on_commit_callbacks):
    frozen(at(1, "09:00"))
    with django_capture_on_commit_callbacks(execute=True):
        commitment = services.create_commitment(team=team, owner=member, actor=leader, title="Write the runbook",
                                                standard="Reviewed by on-call.", due_on=date(2026, 11, 27))
    post = api.calls_to("posts")[0].json
    assert [a["name"] for a in post["props"]["attachments"][0]["actions"]] == [
        "Accept", "Decline", "Propose another date"]

    answer = mattermost.click(post, "Decline").json()

    commitment.refresh_from_db()
    assert commitment.is_declined
    assert answer["update"]["message"].startswith("**Declined: “Write the runbook”**")
    assert answer["update"]["props"] == {}  # the buttons go
