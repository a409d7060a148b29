"""Who may open and do what on every chat URL.

The team's chat settings are its leaders' (`MANAGE_TEAM`: 403 for the rest of the team, 404 outside it, an admin in no
team included). Confirming a link and one's chat accounts are anyone's own, signed in; someone else's account is 404.
The addresses chats post to answer nobody by who is signed in: a request not proved by its chat is 401, anonymous or
not, and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import resolve, reverse

from alignment import confirm
from chat import services
from chat.linking import LinkRequest, link_token
from chat.models import ChatAccount, ChatConnection, ChatKind, ChatMessage, SeenRequest
from tests.chat.conftest import CHANNEL, MEMBER_CHAT, link
from tests.chat_api_server import SLACK_SECRET, SLACK_TOKEN, SLACK_WORKSPACE
from tests.matrix import Matrix

OK, FOUND, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, NOT_ALLOWED, LOGIN = 200, 302, 401, 403, 404, 405, "login"
PEOPLE = ["leader", "member", "facilitator", "outsider", "stranger", "admin", "anonymous"]
TEAM = ("harbour", "platform")


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    url: Callable[[dict], str]
    answers: tuple  # in the order of PEOPLE
    data: Callable[[dict], dict] = field(default=lambda world: {})

    def __str__(self) -> str:
        return self.name


def leaders_only(status_ok: int) -> tuple:
    return (status_ok, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND, LOGIN)


def everyone_signed_in(status: int) -> tuple:
    return (status,) * 6 + (LOGIN,)


CASES = [
    Case("team chat", "get", lambda w: reverse("chat:team", args=TEAM), leaders_only(OK)),
    Case("connect", "post", lambda w: reverse("chat:team", args=TEAM), leaders_only(FOUND),
         data=lambda w: {"kind": "slack", "api_base_url": w["api"].slack_url, "channel_id": "CNEW",
                         "bot_token": SLACK_TOKEN, "signing_secret": SLACK_SECRET}),
    Case("disconnect", "post", lambda w: reverse("chat:disconnect", args=TEAM), leaders_only(FOUND),
         data=lambda w: dict(confirm.CONFIRMED)),
    Case("link", "get", lambda w: reverse("chat:link", args=[w["token"]]), everyone_signed_in(OK)),
    Case("confirm link", "post", lambda w: reverse("chat:link", args=[w["token"]]), everyone_signed_in(FOUND)),
    Case("accounts", "get", lambda w: reverse("chat:accounts"), everyone_signed_in(OK)),
    Case("unlink", "post", lambda w: reverse("chat:unlink", args=[w["account"]]),
         (NOT_FOUND, FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, LOGIN), data=lambda w: dict(confirm.CONFIRMED)),
]
# What chats post: the same answer whoever is signed in (the test below sends each as two people).
POSTED_BY_CHATS = ["slack_commands", "slack_interactions", "mattermost_commands", "mattermost_actions",
                   "mattermost_dialogs"]


def state() -> tuple:
    return (list(ChatConnection.objects.values()), list(ChatAccount.objects.values()),
            list(ChatMessage.objects.values()), SeenRequest.objects.count())


matrix = Matrix(state)


@pytest.fixture
def world(api, team, leader, member, facilitator, outsider, stranger, admin):
    services.connect(team=team, actor=leader, kind=ChatKind.SLACK, api_base_url=api.slack_url, channel_id=CHANNEL,
                     bot_token=SLACK_TOKEN, signing_secret=SLACK_SECRET)
    account = link(member, MEMBER_CHAT)
    token = link_token(LinkRequest(ChatKind.SLACK, SLACK_WORKSPACE, "UNEWCOMER", "newcomer"))
    return {"api": api, "token": token, "account": account.pk}


@pytest.mark.django_db
def test_every_chat_url_is_in_the_matrix(world):
    from chat import urls

    named = {pattern.name for pattern in urls.urlpatterns}
    in_matrix = {resolve(case.url(world)).url_name for case in CASES} | set(POSTED_BY_CHATS)
    assert named <= in_matrix, f"add to CASES: {sorted(named - in_matrix)}"


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("person", PEOPLE)
def test_matrix(client, request, world, case, person):
    expected = dict(zip(PEOPLE, case.answers, strict=True))[person]
    if person != "anonymous":
        client.force_login(request.getfixturevalue(person))
    if expected == LOGIN:
        matrix.sent_to_log_in(client, case, world)
    elif expected in (OK, FOUND):
        response = matrix.send(client, case, world)
        assert response.status_code == expected, response.content.decode()[:1000]
    else:
        matrix.refused_without_writing(client, case, world, expected)


@pytest.mark.django_db
@pytest.mark.parametrize("person", ["anonymous", "leader"])
def test_what_chats_post_is_refused_unproved_whoever_is_signed_in(client, request, world, person):
    if person != "anonymous":
        client.force_login(request.getfixturevalue(person))
    posted = {"team_id": SLACK_WORKSPACE, "user_id": MEMBER_CHAT, "text": "link", "token": "x", "payload": "{}"}
    for name in POSTED_BY_CHATS:
        case = Case(name, "post", lambda w, name=name: reverse(f"chat:{name}"), (), data=lambda w: posted)
        matrix.refused_without_writing(client, case, world, UNAUTHORIZED)
        assert client.get(reverse(f"chat:{name}")).status_code == NOT_ALLOWED


@pytest.mark.django_db
def test_the_leader_connects_and_the_secrets_are_kept_sealed_and_shown_masked(client, api, team, leader):
    client.force_login(leader)
    settings_page = client.get(reverse("team_settings", args=TEAM)).content.decode()
    assert f"""<a href="{reverse('chat:team', args=TEAM)}">Connect the team's chat</a>""" in settings_page

    response = client.post(reverse("chat:team", args=TEAM), {
        "kind": "slack", "api_base_url": api.slack_url, "channel_id": CHANNEL, "bot_token": SLACK_TOKEN,
        "signing_secret": SLACK_SECRET})

    assert response.status_code == 302
    connection = ChatConnection.objects.get()
    assert (connection.workspace_id, connection.channel_name) == (SLACK_WORKSPACE, "platform")
    assert SLACK_TOKEN not in connection.bot_token_sealed and SLACK_SECRET not in connection.signing_secret_sealed
    page = client.get(reverse("chat:team", args=TEAM)).content.decode()
    assert "…0001" in page and SLACK_TOKEN not in page and SLACK_SECRET not in page
    assert "https://charter.example.com/chat/slack/interactions/" in page  # the manifest's address to paste
    # A token Slack refuses is said in words, and nothing changes.
    refused = client.post(reverse("chat:team", args=TEAM), {
        "kind": "slack", "api_base_url": api.slack_url, "channel_id": CHANNEL, "bot_token": "xoxb-wrong"})
    assert refused.status_code == 400
    assert "Slack did not accept the bot&#x27;s token" in refused.content.decode()
    assert ChatConnection.objects.get().bot_token_sealed == connection.bot_token_sealed


@pytest.mark.django_db
def test_a_private_address_is_refused_for_the_api(client, team, leader):
    client.force_login(leader)

    response = client.post(reverse("chat:team", args=TEAM), {
        "kind": "mattermost", "api_base_url": "https://10.0.0.5", "channel_id": "c", "bot_token": "t",
        "command_token": "c"})

    assert "points inside a private network" in response.content.decode()
    assert not ChatConnection.objects.exists()
