"""What charters put in someone's week (`alignment.my_week`): consent to give and objections to answer.

For those who respond to charters: a proposed charter they have not responded to, or whose text changed
after they responded (or whose amendment answering their objection waits for their word). For those
who steward it (the team's leaders): open objections to answer, and the consent round closing within
`CLOSING_SOON_DAYS` (or past its day). Two parts of My week's query for all the person's teams: the
proposed charters with how many responded, and the responses that may concern the person (their own, and
the open objections; those of charters they do not steward are left out here).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from alignment.models import Membership, User
from alignment.my_week import WeekItem, WeekSource, access_to
from alignment.one_query import Rows, Shaped
from charters import permissions
from charters.models import Charter, Response

CLOSING_SOON_DAYS = 3


def queries(person, memberships: list[Membership], now: datetime) -> dict[str, Shaped]:
    teams = [m.team_id for m in memberships]
    return {"proposed": Shaped(_proposed, {"teams": teams}),
            "responses": Shaped(_responses, {"teams": teams, "person": person.pk})}


def _proposed(teams: list[int]) -> Rows:
    """part: the proposed charters of my teams, with how many responded"""
    responded = (Response.objects.filter(charter=OuterRef("pk")).order_by().values("charter")
                 .annotate(n=Count("pk")).values("n"))
    return Rows(Charter.objects.filter(team_id__in=teams, state=Charter.State.PROPOSED),
                ("team", "number", "state", "revision", "proposed_at", "responses_close_on"),
                {"responded": Coalesce(Subquery(responded), 0)})


def _responses(teams: list[int], person: int) -> Rows:
    """part: my responses to my teams' proposed charters, and their open objections"""
    return Rows(Response.objects.filter(charter__team_id__in=teams, charter__state=Charter.State.PROPOSED)
                .filter(Q(member_id=person) | Q(kind=Response.Kind.OBJECTION, answer="")),
                ("charter", "member", "kind", "answer", "revision", "created_at", "updated_at"),
                {"member_display_name": F("member__display_name"), "member_email": F("member__email")},
                order=("created_at", "pk"))


def week_items(person, memberships: list[Membership], now: datetime, found: dict) -> list[WeekItem]:
    accesses = {m.team_id: access_to(person, m) for m in memberships}
    proposed = found["proposed"]
    for charter in proposed:
        charter.team = accesses[charter.team_id].team  # already loaded
    stewarding = [c.pk for c in proposed if permissions.may_answer_objections(accesses[c.team_id], c)]
    by_pk = {c.pk: c for c in proposed}
    responses = [r for r in found["responses"] if r.charter_id in by_pk]
    for response in responses:
        response.charter = by_pk[response.charter_id]  # already loaded
    mine = {r.charter_id: r for r in responses if r.member_id == person.pk}
    items = []
    for charter in proposed:
        access = accesses[charter.team_id]
        if permissions.may_consent(access, charter):
            item = _my_word(charter, mine.get(charter.pk))
            if item is not None:
                items.append(item)
        if permissions.may_answer_objections(access, charter):
            items += _closing(charter, now)
    for response in responses:
        charter = response.charter
        if response.member_id != person.pk and response.is_open_objection and charter.pk in stewarding:
            name = User.name_of(response.member_display_name, response.member_email)
            items.append(WeekItem(charter.team, "objection",
                                  f"Answer {name}’s objection to charter version {charter.number}",
                                  _consent_url(charter), for_leader=True, since=response.updated_at))
    return items


def _consent_url(charter: Charter) -> str:
    return charter.get_absolute_url() + "#consent"


def _my_word(charter: Charter, response: Response | None) -> WeekItem | None:
    """What the person owes the consent round: a first response, or confirming one given to an earlier text."""
    url, close = _consent_url(charter), charter.responses_close_on
    if response is None:
        return WeekItem(charter.team, "consent", f"Consent or object to the proposed charter (version "
                                                 f"{charter.number})", url, due_on=close, since=charter.proposed_at)
    if response.awaits_objectors_word:
        return WeekItem(charter.team, "reconfirm", f"Say whether the amendment to version {charter.number} "
                                                   "resolves your objection", url, due_on=close,
                        since=response.updated_at)
    if response.predates_latest_text:
        return WeekItem(charter.team, "reconfirm", f"The proposed charter (version {charter.number}) changed "
                                                   "after you responded: read it and confirm", url, due_on=close,
                        since=response.updated_at)
    return None


def _closing(charter: Charter, now: datetime) -> list[WeekItem]:
    close = charter.responses_close_on
    if close is None or close > now.astimezone(charter.team.zone).date() + timedelta(days=CLOSING_SOON_DAYS):
        return []
    count = charter.responded
    said = f"{count} response{'' if count == 1 else 's'} so far"
    return [WeekItem(charter.team, "consent_closing",
                     f"The consent round on charter version {charter.number} closes: {said}",
                     _consent_url(charter), for_leader=True, due_on=close)]


source = WeekSource(queries, week_items)
