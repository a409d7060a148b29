"""Decision review dates in a person's calendar feed (registered in `DecisionsConfig.ready`).

A decision with a review date (`Decision.review_on`) is an all-day event on that day in the team's zone,
from 00:00 to 00:00 the next day there (like a review session, `reviews.calendar`), for the people who
make the team's final calls (`Capability.RECORD_OUTCOME`: its leaders) in teams at work. Marking it
reviewed clears or moves the date, so the event leaves the feed or moves with it. One query, whatever
the number of teams or decisions: the decisions dated in the window of the teams the person leads.
"""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse

from alignment.models import Membership
from decisions.models import Decision
from notifications.services import Event, all_day, days_around


def review_dates(user, start: datetime, end: datetime) -> list[Event]:
    """The review dates of the person's teams' decisions whose day starts in [start, end) (1 query)."""
    # The teams whose final calls the person makes (`Membership.objects.leaders()`: the role that brings
    # `Capability.RECORD_OUTCOME`), at work: asked inside the one query, so a feed without any costs no more.
    deciding = Membership.objects.leaders().in_active_teams().filter(user=user).values("team_id")
    decisions = (Decision.objects.filter(team_id__in=deciding, review_on__range=days_around(start, end))
                 .select_related("team__organisation").order_by("review_on", "pk"))
    events = []
    for decision in decisions:  # query: those teams' decisions with a review date in the window, with the team
        team = decision.team
        if (day := all_day(decision.review_on, team.zone, start, end)) is None:
            continue
        events.append(Event(
            uid=f"decision-review/team-{team.pk}/decision-{decision.pk}",
            title=f"{team.name}: review the decision “{decision.title}”",
            start=day[0],
            end=day[1],
            url=reverse("decisions:detail", args=[team.organisation.slug, team.slug, decision.pk]) + "#review",
            description=(f"The team set {decision.review_on:%A} {decision.review_on.day} {decision.review_on:%B} "
                         f"to look at “{decision.title}” again. Read it, then mark it reviewed (or give the next "
                         "review date) on its page."),
        ))
    return events
