"""What requests between teams put in someone's week (`alignment.my_week`): for all their teams at once, in one query.

For those who answer a team's requests (its leaders): every open request to it, until it is answered
(a consultation by its due date; the decision log's by the final call on its decision). For the asker: an
open consultation they have not yet given input on.

Query: the open requests to the teams the person answers, and their own open consultations, with whether
they added input (none when neither applies).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, Q

from alignment.my_week import WeekItem, access_to
from asks import permissions
from asks.models import Ask, AskComment, Route


def week_items(person, memberships: list, now: datetime) -> list[WeekItem]:
    teams = {m.team_id: m.team for m in memberships}
    answering = [m.team_id for m in memberships if permissions.answers_asks(access_to(person, m))]
    asks = (Ask.objects.open()
            .filter(Q(receiving_team_id__in=answering) | Q(asked_by=person, route=Route.CONSULT,
                                                            asking_team_id__in=list(teams)))
            .select_related("asking_team", "receiving_team__organisation")
            .annotate(gave_input=Exists(AskComment.objects.filter(ask=OuterRef("pk"), author=person)))
            .order_by("created_at", "pk"))  # query: open requests to the teams I answer, and my consultations
    items = []
    for ask in asks:
        url = ask.get_absolute_url()  # the receiving team and its organisation are loaded
        if ask.receiving_team_id in teams:
            team, asking = teams[ask.receiving_team_id], ask.asking_team.name
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
                                  f"{ask.receiving_team.name} consults you: add your input to “{ask.title}”", url,
                                  due_on=ask.due_on))
    return items
