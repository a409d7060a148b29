"""Commitment requests and renegotiations asked in chat, answered with buttons through the checkins services.

When a commitment is asked of someone (a leader's request, or a hand-over accepted) and they are linked to a
chat account in the team's chat, they get a direct message with Accept, Decline and Propose another date;
when an owner asks to renegotiate, each of the team's people who answer check-ins and are linked gets one
with Accept and Decline. The messages are written in the transaction that asked (`checkins.signals`, which the
checkins services send inside their transactions: checkins knows nothing of chat) and sent once it commits.

Each button acts as the linked person through the same service and capability as the web page's button:
`answer_request` (`CHECK_IN`), `decide_renegotiation` (`ANSWER_CHECKINS`). Proposing another date accepts
the request and asks to defer it to that date, with the reason, in one transaction.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from alignment.errors import ActionRefused
from alignment.permissions import Capability, TeamAccess, people_who_may
from chat import outbox, verification
from chat.blocks import Button, Dialog, Field, Message
from chat.dialogs import DialogErrors, Saved
from chat.models import ChatAccount, ChatConnection
from checkins import selectors, services
from checkins.models import Commitment, Renegotiation
from notifications.services import absolute_url

ACCEPT, DECLINE, ACCEPT_ANYWAY, PROPOSE = "commitment-accept", "commitment-decline", "commitment-anyway", "propose"
RENEGOTIATION_ACCEPT, RENEGOTIATION_DECLINE = "renegotiation-accept", "renegotiation-decline"
OVERLOAD_NOTE = "Accepted in chat, knowing my latest check-in said I am overloaded."


def _connection(team_id: int) -> ChatConnection | None:
    """The team's chat, if it has one (one query: all a team without chat pays for a request)."""
    return ChatConnection.objects.select_related("team__organisation").filter(team_id=team_id).first()


def _accounts(connection: ChatConnection, user_ids) -> dict[int, ChatAccount]:
    """The chat accounts these people linked in the connection's workspace, by person (one query)."""
    accounts = ChatAccount.objects.filter(kind=connection.kind, workspace_id=connection.workspace_id,
                                          user_id__in=list(user_ids))
    return {account.user_id: account for account in accounts}


def _due(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def commitment_url(connection: ChatConnection, commitment_id: int) -> str:
    team = connection.team
    return absolute_url(reverse("checkins:commitment", args=[team.organisation.slug, team.slug, commitment_id]))


def request_message(connection: ChatConnection, commitment: Commitment, chat_user_id: str, *,
                    warning: str = "") -> Message:
    def value(action: str) -> str:
        return verification.sign_action({"a": action, "u": chat_user_id, "c": connection.pk,
                                         "t": connection.team_id, "m": commitment.pk})

    buttons = (Button("Accept anyway", value(ACCEPT_ANYWAY), "primary") if warning
               else Button("Accept", value(ACCEPT), "primary"),
               Button("Decline", value(DECLINE), "danger"), Button("Propose another date", value(PROPOSE)))
    return Message(title=f"{connection.team.name}: you are asked to commit to “{commitment.title}”",
                   text=warning or (f"Standard of completion: {commitment.standard.strip().rstrip('.')}.\n"
                                    f"Due {_due(commitment.due_on)}."),
                   buttons=buttons, link_url=commitment_url(connection, commitment.pk))


def commitment_asked(sender, *, commitment: Commitment, **kwargs) -> None:
    """Someone is asked to take a commitment on (`checkins.signals.commitment_asked`): ask them in chat too,
    once per asking."""
    instance = commitment
    connection = _connection(instance.team_id)
    account = _accounts(connection, [instance.owner_id]).get(instance.owner_id) if connection else None
    if account is None:
        return
    outbox.queue([outbox.message_row(
        connection=connection, chat_user_id=account.chat_user_id, key=f"commitment:{instance.pk}:v{instance.version}",
        message=request_message(connection, instance, account.chat_user_id))])


def renegotiation_asked(sender, *, renegotiation: Renegotiation, **kwargs) -> None:
    """An owner asks to renegotiate (`checkins.signals.renegotiation_asked`): the team's people who decide it are
    asked in chat too, once."""
    instance = renegotiation
    commitment = instance.commitment
    connection = _connection(commitment.team_id)
    if connection is None:
        return
    deciders = people_who_may(connection.team, Capability.ANSWER_CHECKINS, besides=instance.asked_by)
    accounts = _accounts(connection, [person.pk for person in deciders])
    rows = []
    for person in deciders:
        account = accounts.get(person.pk)
        if account is None:
            continue

        def value(action: str, chat_user_id: str = account.chat_user_id) -> str:
            return verification.sign_action({"a": action, "u": chat_user_id, "c": connection.pk,
                                             "t": connection.team_id, "r": instance.pk})

        asked = [f"Why: {instance.reason.strip()}"]
        if instance.is_defer and instance.proposed_due_on:
            asked.insert(0, f"From {_due(instance.was_due_on)} to {_due(instance.proposed_due_on)}.")
        elif instance.is_rescope:
            asked.insert(0, f"New standard of completion: {instance.proposed_standard.strip()}")
        elif instance.is_hand_over and instance.proposed_owner is not None:
            asked.insert(0, f"To hand it over to {instance.proposed_owner.name}.")
        rows.append(outbox.message_row(
            connection=connection, chat_user_id=account.chat_user_id, key=f"renegotiation:{instance.pk}",
            message=Message(
                title=f"{connection.team.name}: {instance.asked_by.name} asks to {instance.get_kind_display()}: "
                      f"“{commitment.title}”",
                text="\n".join(asked),
                buttons=(Button("Accept", value(RENEGOTIATION_ACCEPT), "primary"),
                         Button("Decline", value(RENEGOTIATION_DECLINE), "danger")),
                link_url=commitment_url(connection, commitment.pk))))
    outbox.queue(rows)


# The buttons ---------------------------------------------------------------------------------------------


def answer_request(access: TeamAccess, connection: ChatConnection, data: dict, chat_user_id: str) -> Message:
    """Accept or decline a request as the person asked; the message that asked becomes the answer.

    Accepting while one's latest check-in says overloaded asks first, as the web page does: the message
    becomes the question, with "Accept anyway".
    """
    action, commitment_id = data["a"], int(data["m"])
    accept = action in (ACCEPT, ACCEPT_ANYWAY)
    if action == ACCEPT and selectors.is_overloaded(access.team, access.user):
        commitment = Commitment.objects.filter(pk=commitment_id, team=access.team).first()
        if commitment is not None and commitment.is_requested and commitment.owner_id == access.user.pk:
            return request_message(connection, commitment, chat_user_id, warning=(
                "Your latest check-in says you are overloaded. Instead of taking on more, you can renegotiate "
                "another commitment first (on the web page), decline this one, or accept it anyway."))
    answered = services.answer_request(commitment_id=commitment_id, team=access.team, actor=access.user,
                                       accept=accept, overload_note=OVERLOAD_NOTE if action == ACCEPT_ANYWAY else None)
    return Message(title=f"{'Accepted' if accept else 'Declined'}: “{answered.title}”",
                   text=f"Due {_due(answered.due_on)}." if accept else "The leader who asked is told on the web.",
                   link_url=commitment_url(connection, answered.pk))


def decide_renegotiation(access: TeamAccess, connection: ChatConnection, data: dict) -> Message:
    accept = data["a"] == RENEGOTIATION_ACCEPT
    decided = services.decide_renegotiation(renegotiation_id=int(data["r"]), team=access.team, actor=access.user,
                                            accept=accept)
    return Message(title=f"{decided.get_state_display().capitalize()}: {decided}",
                   text=f"{decided.asked_by.name} hears of it.",
                   link_url=commitment_url(connection, decided.commitment_id))


# Proposing another date ----------------------------------------------------------------------------------


def propose_dialog(access: TeamAccess, connection: ChatConnection, data: dict, chat_user_id: str,
                   replaces: dict) -> Dialog:
    commitment = Commitment.objects.filter(pk=int(data["m"]), team=access.team).first()
    if commitment is None or not commitment.is_requested or commitment.owner_id != access.user.pk:
        raise ActionRefused("This request is no longer waiting for your answer.")
    state = verification.sign_action({"a": PROPOSE, "u": chat_user_id, "c": connection.pk, "t": access.team.pk,
                                      "m": commitment.pk, "n": verification.new_nonce(), **replaces})
    return Dialog(callback=PROPOSE, title="Propose another date", state=state, submit_label="Propose",
                  intro=f"“{commitment.title}”, due {_due(commitment.due_on)}. You accept it and ask to move it to "
                        "your date; the team's leader accepts or declines that.",
                  fields=(Field("proposed_due_on", "The date you can keep (YYYY-MM-DD)", "text", optional=False,
                                max_length=10),
                          Field("reason", "Why", "textarea", optional=False, max_length=2000)))


class _ProposalForm(forms.Form):
    proposed_due_on = forms.DateField(error_messages={"invalid": "Give a date as YYYY-MM-DD."})
    reason = forms.CharField(max_length=2000)


def propose_date(access: TeamAccess, state: dict, values: dict[str, str]) -> Saved:
    """Accept the request and ask to defer it to the date given, with the reason: both or neither."""
    form = _ProposalForm(values)
    if not form.is_valid():
        raise DialogErrors({name: " ".join(errors) for name, errors in form.errors.items()})
    due_on, reason = form.cleaned_data["proposed_due_on"], form.cleaned_data["reason"]
    if due_on < timezone.localdate(timezone.now(), access.team.zone):
        raise DialogErrors({"proposed_due_on": "Give a date from today on."})
    with transaction.atomic():
        commitment = services.answer_request(commitment_id=int(state["m"]), team=access.team, actor=access.user,
                                             accept=True)
        services.ask_to_renegotiate(commitment_id=commitment.pk, team=access.team, actor=access.user,
                                    kind=Renegotiation.Kind.DEFER, reason=reason, due_on=due_on)
    team = access.team
    return Saved("Date proposed", f"You accepted “{commitment.title}” and asked to move it to {_due(due_on)}. "
                                  "The team's leader accepts or declines that; you hear of it.",
                 absolute_url(reverse("checkins:commitment", args=[team.organisation.slug, team.slug, commitment.pk])),
                 replaces={key: state[key] for key in ("ch", "ts") if key in state})
