"""Check-in deadlines in a person's calendar feed (registered in `CheckinsConfig.ready`).

A week's deadline is the team's check-in time: `Team.checkin_weekday` at `Team.checkin_time` in
the team's zone (`TeamWeek.due_at`). It is the moment the reminder goes out
(`checkins.reminders.reminder_at`) and after which a submission is marked late; the check-in can
still be edited until the week closes (the end of Sunday), which the event's description says.

Listed for each team the person checks in with (`Capability.CHECK_IN`: members and facilitators;
a leader who is only a leader writes none) and that is not archived (an archived team takes no
check-ins). One query, whatever the number of teams and weeks: the person's memberships with
their teams; the weeks are computed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.urls import reverse

from alignment.models import Membership
from alignment.permissions import TeamAccess
from alignment.weeks import weeks_between
from checkins.reminders import reminder_at
from notifications.services import Event

# A deadline is a moment; calendar apps show a zero-length event poorly, so it gets a short slot.
DEADLINE_SLOT = timedelta(minutes=15)


def checkin_deadlines(user, start: datetime, end: datetime) -> list[Event]:
    """The check-in deadlines of the person's teams that fall in [start, end) (1 query)."""
    memberships = (Membership.objects.in_active_teams().filter(user=user)
                   .select_related("team__organisation").order_by("team_id"))
    events = []
    for membership in memberships:
        team = membership.team
        if not TeamAccess(team=team, user=user, membership=membership).may_check_in:
            continue
        url = reverse("checkins:this_week", args=[team.organisation.slug, team.slug])
        for week in weeks_between(team, start, end):
            due = reminder_at(team, week)
            if not start <= due < end:
                continue
            events.append(Event(
                uid=f"checkin-deadline/team-{team.pk}/week-{week.monday.isoformat()}",
                title=f"{team.name}: check-in due",
                start=due,
                end=(due.astimezone(UTC) + DEADLINE_SLOT).astimezone(team.zone),  # elapsed time, not wall clock
                url=url,
                description=(f"Your weekly check-in for {team.name} is due at {due:%H:%M} on {due:%A} {due.day} "
                             f"{due:%b} ({team.time_zone}): what moved, your load and any blocker. After that "
                             f"it is marked late; you can still edit it until the week closes at the end of "
                             f"{week.sunday:%A} {week.sunday.day} {week.sunday:%b}."),
            ))
    return events
