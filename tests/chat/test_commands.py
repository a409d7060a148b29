"""`/charter` in Slack: link your account, read the charter, put a proposal to the purpose."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from chat.models import ChatAccount
from decisions.models import Decision
from tests.chat.conftest import LEADER_CHAT, MEMBER_CHAT, link

pytestmark = pytest.mark.django_db


def test_link_answers_a_signed_link_the_member_confirms_signed_in(slack, slack_team, member, client):
    answer = slack.command("link")

    assert answer.status_code == 200
    assert answer.json()["response_type"] == "ephemeral"  # nobody else sees the link
    found = re.search(r"https://charter\.example\.com(/chat/link/[^/\s]+/)", answer.json()["text"])
    path = found[1]

    # Following it only asks; nothing is matched by e-mail, nothing is linked yet.
    client.force_login(member)
    question = client.get(path)
    assert "Link Slack account @umember to you, Max Member?" in question.content.decode()
    assert not ChatAccount.objects.exists()

    confirmed = client.post(path)

    assert confirmed.status_code == 302
    account = ChatAccount.objects.get()
    assert (account.user, account.chat_user_id, account.workspace_id) == (member, MEMBER_CHAT, slack_team.workspace_id)
    # The same chat user now acts as Max: /charter answers for his team.
    assert "Platform's charter" in slack.command("").json()["text"]


def test_a_link_expires_after_15_minutes(slack, slack_team, member, client, frozen):
    from datetime import timedelta

    from django.utils import timezone

    path = re.search(r"(/chat/link/[^/\s]+/)", slack.command("link").json()["text"])[1]
    later = timezone.now() + timedelta(minutes=16)
    frozen(later)
    client.force_login(member)

    assert client.get(path).status_code == 400
    assert client.post(path).status_code == 400
    assert not ChatAccount.objects.exists()


def test_charter_shows_purpose_non_negotiables_and_boundaries(slack, slack_team, charter, member):
    link(member, MEMBER_CHAT)

    answer = slack.command("").json()

    text = "\n".join(block["text"]["text"] for block in answer["blocks"] if block["type"] == "section")
    assert "*Platform's charter*" in text
    assert "Who it serves: Clinicians on the wards." in text
    assert "• Reviewed code only — A second pair of eyes." in text
    assert "• Tooling: team decides" in text and "• Hiring: consult" in text
    assert answer["blocks"][-1]["elements"][0]["url"] == "https://charter.example.com/o/harbour/t/platform/charter/"


def test_someone_not_linked_is_offered_the_link_and_nothing_else(slack, slack_team, charter):
    answer = slack.command("").json()

    assert "not linked to anyone in Charter yet" in answer["text"]
    assert "Platform" not in answer["text"]


def test_decide_opens_the_dialog_and_logs_the_verdict_of_the_decision_rule(api, slack, slack_team, charter,
                                                                              member, leader):
    link(member, MEMBER_CHAT)

    assert slack.command("decide Pause feature work for a reliability sprint").content == b""

    view = api.calls_to("views.open")[0].json["view"]
    assert view["blocks"][1]["element"]["initial_value"] == "Pause feature work for a reliability sprint"
    assert "Who it serves: Clinicians on the wards." in view["blocks"][0]["text"]["text"]
    key_result = charter.goals.get().key_results.get()

    # A conscious investment must name its dent, as on the web form.
    missing = slack.submit(view, {"purpose_effect": "advances", "metric_effect": "dents"}).json()
    assert missing["response_action"] == "errors"
    assert "names the key result it dents" in missing["errors"]["key_result"]
    assert not Decision.objects.exists()

    answer = slack.submit(view, {"purpose_effect": "advances", "metric_effect": "dents",
                                 "key_result": str(key_result.pk), "investment_amount": "one release",
                                 "investment_until": "2027-01-31"}).json()

    decision = Decision.objects.get()
    assert (decision.verdict, decision.logged_by, decision.key_result) == (
        Decision.Verdict.CONSCIOUS_INVESTMENT, member, key_result)
    assert decision.verdict == Decision.rule("advances", "dents")[0]
    assert answer["response_action"] == "update"
    said = answer["view"]["blocks"][0]["text"]["text"]
    assert said.startswith("Logged “Pause feature work for a reliability sprint”. The purpose says: Conscious investment.")
    assert "The team's leaders make the final call: Lena Leader." in said
    # The same dialog sent again logs nothing more.
    assert slack.submit(view, {"purpose_effect": "advances", "metric_effect": "dents",
                               "key_result": str(key_result.pk), "investment_amount": "one release",
                               "investment_until": "2027-01-31"}).json()["response_action"] == "errors"
    assert Decision.objects.count() == 1


def test_a_person_acts_with_their_own_capabilities_only(slack, slack_team, charter, outsider, admin):
    """Someone linked but outside the team reads nothing of it and decides nothing for it."""
    link(outsider, "UOUTSIDER")
    link(admin, "UADMIN")

    decided = slack.command("decide Buy a new pager", user="UOUTSIDER").json()
    read = slack.command("", user="UADMIN").json()

    assert decided["text"] == "You are not in Platform in Charter."
    assert "Platform's charter" in read["text"]  # admins read every charter of the organisation
    assert slack.command("decide Buy a new pager", user="UADMIN").json()["text"] == "You are not in Platform in Charter."
    assert not Decision.objects.exists()


def test_help_lists_the_commands(slack, slack_team):
    text = slack.command("help").json()["text"]

    assert "/charter decide <proposal>" in text and "/charter link" in text


def test_ones_chat_accounts_are_a_link_away_from_the_profile(client, leader, slack_team):
    link(leader, LEADER_CHAT)
    client.force_login(leader)

    assert f'<a href="{reverse("chat:accounts")}">Chat accounts</a>' in client.get(reverse("profile")).content.decode()
    assert "@uleader" in client.get(reverse("chat:accounts")).content.decode()
