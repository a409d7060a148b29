"""What requests between teams put in someone's week (`alignment.my_week`): for all their teams at once.

For those who answer a team's requests (its leaders): every open request to it, until it is answered
(a consultation by its due date; the decision log's by the final call on its decision). For the asker: an
open consultation they have not yet given input on.

One part of My week's query: the open requests to the teams the person answers, and their own open
consultations, with whether they added input.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse

from alignment.my_week import WeekItem, WeekSource, access_to
from alignment.one_query import Rows, Shaped
from asks import permissions
from asks.models import Ask, AskComment, Route


def queries(person, memberships: list, now: datetime) -> dict[str, Shaped]:
    answering = [m.team_id for m in memberships if permissions.answers_asks(access_to(person, m))]
    return {"open": Shaped(_open, {"answering": answering, "teams": [m.team_id for m in memberships],
                                   "person": person.pk})}


def _open(answering: list[int], teams: list[int], person: int) -> Rows:
    """part: open requests to the teams I answer, and my consultations"""
    asks = Ask.objects.open().filter(Q(receiving_team_id__in=answering)
                                     | Q(asked_by_id=person, route=Route.CONSULT, asking_team_id__in=teams))
    return Rows(asks, ("asking_team", "receiving_team", "route", "title", "set_by", "due_on", "created_at"),
                {"gave_input": Exists(AskComment.objects.filter(ask=OuterRef("pk"), author_id=person)),
                 "asking_team_name": F("asking_team__name"),
                 "receiving_team_name": F("receiving_team__name"),
                 "receiving_team_slug": F("receiving_team__slug"),
                 "organisation_slug": F("receiving_team__organisation__slug")},
                order=("created_at", "pk"))


def week_items(person, memberships: list, now: datetime, found: dict) -> list[WeekItem]:
    teams = {m.team_id: m.team for m in memberships}
    items = []
    for ask in found["open"]:
        url = reverse("asks:detail", args=[ask.organisation_slug, ask.receiving_team_slug, ask.pk])
        if ask.receiving_team_id in teams:
            team, asking = teams[ask.receiving_team_id], ask.asking_team_name
            if ask.is_consult:
                items.append(WeekItem(team, "ask_consult", f"Consult {asking}, then decide: “{ask.title}”", url,
                                      for_leader=True, due_on=ask.due_on))
            elif ask.is_fixed:
                owner = ask.set_by or "its owner"
                items.append(WeekItem(team, "ask_fixed", f"Pass {asking}’s request to {owner} and record the "
                                                         f"answer: “{ask.title}”", url, for_leader=True,
                                      since=ask.created_at))
            elif ask.goes_to_decision_log:
                items.append(WeekItem(team, "ask_decision", f"Make the final call on {asking}’s request: "
                                                            f"“{ask.title}”", url, for_leader=True,
                                      since=ask.created_at))
            else:
                items.append(WeekItem(team, "ask_unclear", f"Unclear who decides {asking}’s request: "
                                                           f"“{ask.title}”", url, for_leader=True,
                                      since=ask.created_at))
        elif not ask.gave_input:
            items.append(WeekItem(teams[ask.asking_team_id], "ask_give_input",
                                  f"{ask.receiving_team_name} consults you: add your input to “{ask.title}”", url,
                                  due_on=ask.due_on))
    return items


source = WeekSource(queries, week_items)
