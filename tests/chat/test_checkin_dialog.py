"""The weekly check-in answered in a Slack dialog: saved as the web form saves it, draft → submit → edit, until the
week closes; the web page shows the same check-in."""

from __future__ import annotations

import pytest

from charters.models import KeyResultProgress
from checkins import reminders
from checkins.models import CheckIn
from tests.chat.conftest import MEMBER_CHAT, at, link
from tests.checkins.conftest import as_shown

pytestmark = pytest.mark.django_db


def test_a_member_drafts_submits_and_edits_the_check_in_in_the_dialog(api, slack, slack_team, charter, member, client,
                                                                      frozen, django_capture_on_commit_callbacks):
    link(member, MEMBER_CHAT)
    frozen(at(4, "10:00"))
    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_reminders(now=at(4, "10:00"))
    asked = api.calls_to("chat.postMessage")[0].json
    key_result, strained = charter.goals.get().key_results.get(), charter.non_negotiables.get(position=0)

    # Max presses "Check in here": the dialog opens, empty, as the web form would.
    frozen(at(4, "11:00"))
    assert slack.click(asked, "Check in here").status_code == 200
    view = api.calls_to("views.open")[-1].json["view"]
    names = [block["block_id"] for block in view["blocks"] if block["type"] == "input"]
    assert names == ["progress", "load", f"kr_{key_result.pk}_value", f"kr_{key_result.pk}_confidence",
                     "blocker_0_what", "blocker_1_what", "blocker_2_what", "strained_non_negotiable",
                     "strain_note", "boundary_question", "save_as"]

    # He saves a draft.
    typed = {"progress": "Shipped the rota export.", "load": "overloaded", f"kr_{key_result.pk}_value": "2",
             f"kr_{key_result.pk}_confidence": "at_risk", "blocker_0_what": "Waiting for the vendor API keys",
             "strained_non_negotiable": str(strained.pk), "strain_note": "Two unreviewed hotfixes",
             "boundary_question": "Who picks the pager tool?"}
    answer = slack.submit(view, {**typed, "save_as": "draft"}).json()

    assert answer["response_action"] == "update"
    assert answer["view"]["title"]["text"] == "Draft saved"
    checkin = CheckIn.objects.get()
    assert (checkin.is_submitted, checkin.progress, checkin.load) == (False, typed["progress"], "overloaded")
    # The web page shows the same check-in, field for field.
    client.force_login(member)
    shown = as_shown(client)
    assert {name: shown[name] for name in typed} == {**typed, f"kr_{key_result.pk}_value": "2.00"}

    # Later he opens it again from the same message: it opens with the draft, and he submits it.
    frozen(at(4, "15:00"))
    slack.click(asked, "Check in here")
    view = api.calls_to("views.open")[-1].json["view"]
    assert view["blocks"][1]["element"]["initial_value"] == "Shipped the rota export."
    answer = slack.submit(view, {"save_as": "submit"}).json()

    assert answer["view"]["title"]["text"] == "Check-in submitted"
    assert "marked late" in answer["view"]["blocks"][0]["text"]["text"]
    checkin.refresh_from_db()
    assert checkin.is_submitted and checkin.is_late
    assert checkin.blockers.get().what == "Waiting for the vendor API keys"
    progress = KeyResultProgress.objects.get(source=KeyResultProgress.Source.CHECK_IN)
    assert (progress.value, progress.confidence) == (2, "at_risk")

    # Submitted, it is edited in place until the week closes: the dialog updates it.
    slack.click(asked, "Check in here")
    view = api.calls_to("views.open")[-1].json["view"]
    assert view["submit"]["text"] == "Update" and "save_as" not in [b.get("block_id") for b in view["blocks"]]
    slack.submit(view, {"progress": "Shipped the rota export and the pager runbook."})
    checkin.refresh_from_db()
    assert checkin.progress == "Shipped the rota export and the pager runbook."
    assert as_shown(client)["progress"] == checkin.progress

    # A dialog opened just before the week closes and sent just after is refused in words; nothing changes.
    frozen(at(6, "23:50"))
    slack.click(asked, "Check in here")
    view = api.calls_to("views.open")[-1].json["view"]
    frozen(at(7, "00:05"))
    refused = slack.submit(view, {"progress": "Too late"}).json()

    assert refused["response_action"] == "errors"
    assert "has ended, so its check-in can no longer change" in refused["errors"]["progress"]
    checkin.refresh_from_db()
    assert checkin.progress == "Shipped the rota export and the pager runbook."


def test_a_save_on_the_web_meanwhile_is_a_conflict_not_an_overwrite(api, slack, slack_team, charter, member, client,
                                                                    frozen, django_capture_on_commit_callbacks):
    link(member, MEMBER_CHAT)
    frozen(at(4, "10:00"))
    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_reminders(now=at(4, "10:00"))
    slack.click(api.calls_to("chat.postMessage")[0].json, "Check in here")
    view = api.calls_to("views.open")[-1].json["view"]
    client.force_login(member)
    web = as_shown(client) | {"progress": "Typed on the web", "load": "light"}
    assert client.post("/o/harbour/t/platform/check-ins/this-week/draft/", web).status_code == 302

    refused = slack.submit(view, {"progress": "Typed in Slack", "save_as": "draft"}).json()

    assert "saved somewhere else" in refused["errors"]["progress"]
    assert CheckIn.objects.get().progress == "Typed on the web"


def test_someone_who_does_not_check_in_is_told_so(api, slack, slack_team, charter, leader):
    """A leader who is only a leader writes no check-in: the command says so, as the page's 403 does."""
    link(leader, "ULEADER")

    answer = slack.command("checkin", user="ULEADER").json()

    assert answer["text"] == "Weekly check-ins are written by the team's members and facilitators."
    assert api.calls_to("views.open") == []
