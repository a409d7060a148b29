"""The weekly check-in asked in a direct message at the reminder time, with a button that opens the dialog.

`checkins.reminders` calls `dm_checkin_reminders` (registered in `ChatConfig.ready`) with each batch of people
owed a reminder or a nudge now. Of them, those linked to a chat account in their team's chat get a direct
message — once per person, team and week (the row's key is the week's, whether the reminder or the nudge
finds them first) — unless they snoozed reminders; during their quiet hours it waits for them to end, as
the e-mail does. Queries: the teams' chat connections (1); when one is connected, the accounts linked (1) and
the outbox's two.
"""

from __future__ import annotations

from datetime import datetime

from chat import outbox, verification
from chat.blocks import Button, Message
from chat.models import ChatAccount, ChatConnection
from checkins.reminders import DueReminder, message_for
from notifications.services import absolute_url, is_snoozed, quiet_hours_end

CHECK_IN = "checkin"


def dm_checkin_reminders(due: list[DueReminder], now: datetime) -> None:
    connections = {c.team_id: c for c in ChatConnection.objects.filter(
        team_id__in={reminder.membership.team_id for reminder in due})}
    if not connections:
        return
    accounts = {(a.user_id, a.kind, a.workspace_id): a for a in ChatAccount.objects.filter(
        user_id__in={r.membership.user_id for r in due if r.membership.team_id in connections},
        workspace_id__in={c.workspace_id for c in connections.values()})}
    known: dict[tuple, dict[str, str]] = {}  # each team's words for the week, written once
    rows = []
    for reminder in due:
        person, connection = reminder.membership.user, connections.get(reminder.membership.team_id)
        account = connection and accounts.get((person.pk, connection.kind, connection.workspace_id))
        if account is None or is_snoozed(person, now):
            continue
        words = message_for(reminder, known)
        button = Button("Check in here", verification.sign_action({
            "a": CHECK_IN, "u": account.chat_user_id, "c": connection.pk, "t": connection.team_id}), "primary")
        rows.append(outbox.message_row(
            connection=connection, chat_user_id=account.chat_user_id, key=f"checkin:{reminder.key}",
            message=Message(title=words["subject"], text=words["body"], buttons=(button,),
                            link_url=absolute_url(words["url"]), link_label="Open the check-in page"),
            not_before=quiet_hours_end(person, now), now=now))
    outbox.queue(rows)
