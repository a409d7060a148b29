"""Review sessions in a person's calendar feed (registered in `ReviewsConfig.ready`).

A retrospective has no date of its own: as in `reviews.rollover`, a cycle's session is the day the
cycle ends, from 00:00 on its end date in the team's zone (`rollover.ends_at`, the moment the
session reminder counts back from and the cycle rolls over) to 00:00 the next day there. Cycles
closed early keep the day they were closed on (`close_cycle` moves the end date), so past sessions
stay where they happened. The event links to the cycle's retrospective once one is started, else
to the cycle page.

Listed for every team of the person's that is not archived (everyone in a team takes part in its
retrospectives). Cycles are created one at a time (the next opens when one closes), so a session
appears once its cycle is open. Two queries, whatever the number of teams or cycles: the person's
memberships, then the cycles ending in the window with their retrospective's id.

Also each team's charter review date (`charter_review_dates`): the day the version in force is to be
reviewed by, an all-day event for everyone in the team, linking to the charter page.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import OuterRef, Subquery
from django.urls import reverse

from alignment.models import Membership
from alignment.permissions import Capability, TeamAccess
from charters.models import Charter
from notifications.services import Event, all_day, days_around
from reviews.models import Retrospective, ReviewCycle
from reviews.rollover import ends_at


def review_sessions(user, start: datetime, end: datetime) -> list[Event]:
    """The review sessions of the person's teams that start in [start, end) (2 queries)."""
    teams = {}
    for membership in (Membership.objects.in_active_teams().filter(user=user)
                       .select_related("team__organisation")):
        if TeamAccess(team=membership.team, user=user, membership=membership).can(Capability.TAKE_PART_IN_RETRO):
            teams[membership.team_id] = membership.team
    if not teams:
        return []
    retrospective = Retrospective.objects.filter(cycle=OuterRef("pk")).values("pk")[:1]  # one per cycle
    cycles = (ReviewCycle.objects.filter(team_id__in=list(teams), end_date__range=days_around(start, end))
              .annotate(retrospective_id=Subquery(retrospective)).order_by("team_id", "number"))
    events = []
    for cycle in cycles:
        team = cycle.team = teams[cycle.team_id]  # already loaded
        session = ends_at(cycle)
        if not start <= session < end:
            continue
        local = session.astimezone(team.zone)
        next_midnight = datetime.combine(local.date() + timedelta(days=1), time.min, team.zone)
        if cycle.retrospective_id is not None:
            url = reverse("reviews:retrospective", args=[team.organisation.slug, team.slug, cycle.retrospective_id])
        else:
            url = reverse("reviews:cycle", args=[team.organisation.slug, team.slug, cycle.number])
        events.append(Event(
            uid=f"review-session/team-{team.pk}/cycle-{cycle.number}",
            title=f"{team.name}: review of cycle {cycle.number}",
            start=local,
            end=next_midnight,
            url=url,
            description=(f"Cycle {cycle.number} of {team.name} ends on {cycle.end_date:%A %d %b %Y} "
                         f"({team.time_zone}): the day of its retrospective, which reviews the charter, the "
                         "non-negotiables and the cycle's work."),
        ))
    return events


def charter_review_dates(user, start: datetime, end: datetime) -> list[Event]:
    """The review dates of the versions in force of the person's teams in [start, end), all day (1 query).

    Everyone in the team sees the date (it is on the charter page too); archived teams drop out.
    """
    charters = (Charter.objects.active()
                .filter(team__memberships__user=user, team__archived_at__isnull=True,
                        review_on__range=days_around(start, end))
                .select_related("team__organisation").order_by("team_id"))
    events = []
    for charter in charters:  # query: my teams' versions in force whose review date is in the window
        team = charter.team
        if (day := all_day(charter.review_on, team.zone, start, end)) is None:
            continue
        events.append(Event(
            uid=f"charter-review/team-{team.pk}/version-{charter.number}",
            title=f"{team.name}: review the charter (version {charter.number})",
            start=day[0],
            end=day[1],
            url=reverse("charters:detail", args=[team.organisation.slug, team.slug]),
            description=(f"Version {charter.number} of the charter of {team.name} is to be reviewed by "
                         f"{charter.review_on:%A %d %b %Y}: revisit it, amend it, or move the review date."),
        ))
    return events
