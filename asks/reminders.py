"""Reminders before a consultation is due: the receiving team's leaders hear the day before, once.

An open *consult* ask has a due date in the receiving team's calendar. From `REMIND_HOUR` the day before
until the due date ends (in the team's zone), its leaders are owed one reminder (`notices.ASK_DUE`, a
reminder kind: snoozed reminders skip it, quiet hours hold its e-mail). Each is a `Delivery` keyed by the
ask and its due date, so a rerun of the task, or two at once, sends nothing twice. A window that passed
while the scheduler was down is not sent late: "due tomorrow" the day after would be wrong.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from alignment.models import Membership
from alignment.permissions import Capability, capabilities_of
from asks import notices
from asks.models import Ask, Route
from notifications import services as notifications
from notifications.models import Delivery

logger = logging.getLogger(__name__)

REMIND_HOUR = time(9, 0)  # in the receiving team's zone, with the working day


def reminder_window(due_on: date, zone) -> tuple[datetime, datetime]:
    """When the reminder of an ask due on `due_on` may go: from `REMIND_HOUR` the day before to the day's end."""
    return (datetime.combine(due_on - timedelta(days=1), REMIND_HOUR, tzinfo=zone),
            datetime.combine(due_on + timedelta(days=1), time(0), tzinfo=zone))


def is_due(ask: Ask, now: datetime) -> bool:
    opens, closes = reminder_window(ask.due_on, ask.receiving_team.zone)
    return opens <= now < closes


@dataclass(frozen=True)
class Sent:
    asks: int
    deliveries: int


def due_reminders(now: datetime) -> list[notifications.Message]:
    """The reminders owed at `now` and not yet delivered, in three queries whatever their number.

    Queries: open consult asks of teams at work due from yesterday to the day after tomorrow (UTC: every
    zone's "today" and "tomorrow" fall in it), with their teams; the leaders of their receiving teams;
    the deliveries already made for their keys.
    """
    today = now.astimezone(UTC).date()
    candidates = [ask for ask in (
        Ask.objects.open().filter(route=Route.CONSULT, due_on__gte=today - timedelta(days=1),
                                  due_on__lte=today + timedelta(days=2),
                                  receiving_team__archived_at__isnull=True, asking_team__archived_at__isnull=True)
        .select_related("receiving_team__organisation", "asking_team", "asked_by").order_by("pk"))
        if is_due(ask, now)]  # query: open consult asks falling due
    if not candidates:
        return []
    teams = {ask.receiving_team_id for ask in candidates}
    answerers: dict[int, list] = {}
    for membership in (Membership.objects.filter(team_id__in=teams).select_related("user")
                       .order_by("pk")):  # query: the people of the receiving teams
        if Capability.RECORD_OUTCOME in capabilities_of(membership):
            answerers.setdefault(membership.team_id, []).append(membership.user)
    keys = [notices.due_key(ask) for ask in candidates]
    told = set(Delivery.objects.filter(kind=notices.ASK_DUE, key__in=keys)
               .values_list("recipient_id", "key"))  # query: reminders already delivered
    return [notices.due_message(ask, person) for ask in candidates
            for person in answerers.get(ask.receiving_team_id, ())
            if (person.pk, notices.due_key(ask)) not in told]


def send_consult_reminders(*, now: datetime | None = None) -> int:
    """Remind the leaders of every consultation due tomorrow or today, once each; returns how many went."""
    now = now or timezone.now()
    messages = due_reminders(now)
    delivered = notifications.deliver_many(messages, now=now) if messages else []
    logger.info("consult reminders: %d owed, %d delivered", len(messages), len(delivered))
    return len(delivered)


PREVIEW_LABEL = "consult reminder"


def next_times(teams: list, now: datetime) -> dict[int, dict[str, datetime | None]]:
    """Per receiving team: when its next consult reminder goes (registered with `alignment.schedule`). Two queries.

    `now` when one is owed and not yet sent (the scheduler's next run sends it); else when the reminder of its
    next open consultation opens; None when no open consultation is due from today on.

    Queries: the open consult asks of these teams due from yesterday (UTC) on; the deliveries already made for
    those whose window is open.
    """
    ids = [team.pk for team in teams]
    yesterday = now.astimezone(UTC).date() - timedelta(days=1)  # in UTC: every zone's today falls after it
    asks = list(Ask.objects.open().filter(route=Route.CONSULT, receiving_team__in=ids, due_on__gte=yesterday)
                .only("pk", "receiving_team_id", "due_on").order_by())  # query: open consultations of these teams
    zones = {team.pk: team.zone for team in teams}
    windows = {ask.pk: reminder_window(ask.due_on, zones[ask.receiving_team_id]) for ask in asks}
    open_now = [notices.due_key(ask) for ask in asks if windows[ask.pk][0] <= now < windows[ask.pk][1]]
    told = set(Delivery.objects.filter(kind=notices.ASK_DUE, key__in=open_now)
               .values_list("key", flat=True)) if open_now else set()  # query: reminders already delivered
    times: dict[int, dict[str, datetime | None]] = {team.pk: {PREVIEW_LABEL: None} for team in teams}
    for ask in asks:
        opens, closes = windows[ask.pk]
        if opens <= now < closes:
            when = now if notices.due_key(ask) not in told else None
        else:
            when = opens if opens > now else None
        current = times[ask.receiving_team_id][PREVIEW_LABEL]
        if when is not None and (current is None or when < current):
            times[ask.receiving_team_id][PREVIEW_LABEL] = when
    return times
