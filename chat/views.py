"""The chat app's pages (the team's chat settings, confirming a link, one's chat accounts) and what chats post.

The pages are thin views as everywhere else. The five addresses Slack and Mattermost post to are exempt from
CSRF (a chat cannot carry a token); each is proved by `chat.incoming` before anything is done, and answered
the way its chat expects: a slash command with an ephemeral message, a click with nothing (Slack, whose
answers go through the outbox) or the post's new text (Mattermost), a dialog with its errors or its outcome.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from alignment import confirm, permissions
from alignment.errors import ActionRefused
from alignment.permissions import Capability
from chat import blocks, conversation, incoming, outbox, selectors, services
from chat.acting import Incoming
from chat.dialogs import DialogErrors, Saved
from chat.forms import ConnectForm
from chat.linking import read_link_token
from chat.models import ChatAccount, ChatConnection, ChatMessage
from chat.verification import Refused
from notifications.services import absolute_url

logger = logging.getLogger(__name__)


# The team's chat ----------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def team_chat(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    """Connect the team to Slack or Mattermost, or change its connection (its leaders)."""
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.MANAGE_TEAM)
    page = selectors.team_chat_page(access.team)
    form = ConnectForm(request.POST or None, connection=page.connection)
    if request.method == "POST" and form.is_valid():
        try:
            connection = services.connect(team=access.team, actor=request.user, **form.cleaned_data)
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{access.team.name} is connected to {connection.get_kind_display()}"
                                      f"{f' #{connection.channel_name}' if connection.channel_name else ''}.")
            return redirect("chat:team", org_slug, team_slug)
    return render(request, "chat/team_chat.html", {"team": access.team, "access": access, "page": page,
                                                   "form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def disconnect(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.MANAGE_TEAM)
    connection = get_object_or_404(ChatConnection, team=access.team)
    connection.team = access.team  # already loaded
    if question := confirm.ask(request, question=f"Disconnect {access.team.name} from {connection.get_kind_display()}?",
                               yes="Yes, disconnect", back=reverse("chat:team", args=[org_slug, team_slug]),
                               access=access, consequences=[
                                   "Nobody in the team is asked to check in or to answer in chat any more.",
                                   "/charter no longer answers for the team; messages not sent yet are dropped.",
                                   "People's linked chat accounts stay theirs."]):
        return question
    try:
        services.disconnect(connection=connection)
    except ActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{access.team.name} is no longer connected to chat.")
    return redirect("chat:team", org_slug, team_slug)


# Linking a chat account ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    """The page `/charter link` leads to: “Link chat account X to you?”, linked when the signed-in person confirms."""
    link_request = read_link_token(token)
    if request.method == "POST" and link_request is not None:
        account = services.link_account(user=request.user, request=link_request)
        messages.success(request, f"Your {account.get_kind_display()} account @{account.chat_user_name or account.chat_user_id} "
                                  "is linked to you. Charter asks you to check in there and answers /charter as you.")
        return redirect("chat:accounts")
    page = selectors.link_page(link_request, request.user)
    return render(request, "chat/link_confirm.html", {"page": page, "token": token},
                  status=200 if link_request is not None else 400)


@login_required
@require_http_methods(["GET"])
def accounts(request: HttpRequest) -> HttpResponse:
    return render(request, "chat/account_list.html", {"accounts": selectors.accounts_of(request.user)})


@login_required
@require_POST
def unlink(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_object_or_404(ChatAccount, pk=account_id, user=request.user)
    name = f"{account.get_kind_display()} @{account.chat_user_name or account.chat_user_id}"
    if question := confirm.ask(request, question=f"Unlink {name}?", yes="Yes, unlink it",
                               back=reverse("chat:accounts"), consequences=[
                                   "Charter stops asking you to check in there, and /charter no longer knows you.",
                                   "You can link it again with /charter link."]):
        return question
    services.unlink_account(account=account)
    messages.success(request, f"{name} is no longer linked to you.")
    return redirect("chat:accounts")


# What Slack posts ---------------------------------------------------------------------------------------------


def _refused(refused: Refused) -> JsonResponse:
    logger.warning("chat request refused: %s", refused)
    return JsonResponse({"error": "not verified"}, status=401)


@csrf_exempt
@require_POST
def slack_commands(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    try:
        who, text = incoming.slack_command(request, now)
    except Refused as refused:
        return _refused(refused)
    message = conversation.run_command(who, text, now)
    if message is None:  # a dialog opened
        return HttpResponse()
    return JsonResponse({"response_type": "ephemeral", **blocks.slack_message(message)})


@csrf_exempt
@require_POST
def slack_interactions(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    try:
        who, interaction = incoming.slack_interaction(request, now)
    except Refused as refused:
        return _refused(refused)
    if interaction.type == "view_submission":
        first = next(iter(interaction.values), "")
        try:
            saved = conversation.submit_dialog(who, interaction.data, interaction.values, now,
                                               then=lambda saved: _answered(who, interaction.data, saved))
        except DialogErrors as errors:
            return JsonResponse({"response_action": "errors", "errors": errors.errors or {first: errors.general}})
        except ActionRefused as refused:
            return JsonResponse({"response_action": "errors", "errors": {first: str(refused)}})
        text = f"{saved.text}\n{saved.link_url}" if saved.link_url else saved.text
        return JsonResponse({"response_action": "update", "view": blocks.slack_result_view(saved.title, text)})
    if interaction.type == "block_actions":
        clicked = conversation.Clicked(interaction.channel_id, interaction.message_ts)
        with transaction.atomic():  # the answer's message is written with what the button did
            outcome = conversation.run_action(who, interaction.data, clicked, now)
            connection = who.connection_of(int(interaction.data.get("t", 0)))
            if connection is not None and (outcome.replace or outcome.say):
                Op = ChatMessage.Op
                outbox.queue([outbox.message_row(
                    connection=connection, chat_user_id=who.chat_user_id, key=f"click:{who.trigger_id}",
                    op=Op.UPDATE if outcome.replace else Op.EPHEMERAL, channel_id=clicked.channel_id,
                    message_ts=clicked.message_id, message=outcome.replace or blocks.Message(text=outcome.say),
                    now=now)])
    return HttpResponse()


# What Mattermost posts ---------------------------------------------------------------------------------------


@csrf_exempt
@require_POST
def mattermost_commands(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    try:
        who, text = incoming.mattermost_command(request, now)
    except Refused as refused:
        return _refused(refused)
    message = conversation.run_command(who, text, now)
    if message is None:
        return HttpResponse()
    return JsonResponse({"response_type": "ephemeral", "text": blocks.mattermost_text(message)})


def _mattermost_post(message: blocks.Message) -> dict:
    return blocks.mattermost_post(message, actions_url=absolute_url(reverse("chat:mattermost_actions")))


@csrf_exempt
@require_POST
def mattermost_actions(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    try:
        who, data, post_id = incoming.mattermost_action(request, now)
    except Refused as refused:
        return _refused(refused)
    outcome = conversation.run_action(who, data, conversation.Clicked(who.channel_id, post_id), now)
    if outcome.replace is not None:
        return JsonResponse({"update": _mattermost_post(outcome.replace)})
    return JsonResponse({"ephemeral_text": outcome.say} if outcome.say else {})


@csrf_exempt
@require_POST
def mattermost_dialogs(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    try:
        who, data, values, cancelled = incoming.mattermost_dialog(request, now)
    except Refused as refused:
        return _refused(refused)
    if cancelled:
        return JsonResponse({})
    try:
        conversation.submit_dialog(who, data, values, now, then=lambda saved: _answered(who, data, saved, tell=True))
    except DialogErrors as errors:
        return JsonResponse({"errors": errors.errors} if errors.errors else {"error": errors.general})
    except ActionRefused as refused:
        return JsonResponse({"error": str(refused)})
    return JsonResponse({})


def _answered(who: Incoming, data: dict, saved: Saved, *, tell: bool = False) -> None:
    """In the transaction that saved a dialog: the message it answered becomes the outcome (a proposed date), and
    (`tell`: Mattermost, whose dialogs cannot show it) the outcome in a direct message."""
    connection = who.connection_of(int(data["t"]))
    message = blocks.Message(title=saved.title, text=saved.text, link_url=saved.link_url)
    rows = []
    if saved.replaces.get("ts"):
        rows.append(outbox.message_row(connection=connection, chat_user_id=who.chat_user_id,
                                       key=f"dialog:{data['n']}:answered", op=ChatMessage.Op.UPDATE,
                                       channel_id=saved.replaces.get("ch", ""), message_ts=saved.replaces["ts"],
                                       message=message))
    if tell:
        rows.append(outbox.message_row(connection=connection, chat_user_id=who.chat_user_id, key=f"dialog:{data['n']}",
                                       message=message))
    outbox.queue(rows)
