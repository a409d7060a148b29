"""What charters put in someone's week (`alignment.my_week`): consent to give and objections to answer.

For those who respond to charters: a proposed charter they have not responded to, or whose text changed
after they responded (or whose amendment answering their objection waits for their word). For those
who steward it (the team's leaders): open objections to answer, and the consent round closing within
`CLOSING_SOON_DAYS` (or past its day). Two queries for all the person's teams: the proposed charters
with how many responded, and the responses that concern the person (their own, and the open objections
of the charters they steward); the second is skipped when nothing is proposed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Q

from alignment.models import Membership
from alignment.my_week import WeekItem, access_to
from charters import permissions
from charters.models import Charter, Response

CLOSING_SOON_DAYS = 3


def week_items(person, memberships: list[Membership], now: datetime) -> list[WeekItem]:
    accesses = {m.team_id: access_to(person, m) for m in memberships}
    proposed = list(
        Charter.objects.filter(team_id__in=list(accesses), state=Charter.State.PROPOSED)
        .annotate(responded=Count("responses"))
        .only("team_id", "number", "state", "revision", "proposed_at", "responses_close_on")
    )  # query: the proposed charters of my teams, with how many responded
    if not proposed:
        return []
    for charter in proposed:
        charter.team = accesses[charter.team_id].team  # already loaded
    stewarding = [c.pk for c in proposed if permissions.may_answer_objections(accesses[c.team_id], c)]
    by_pk = {c.pk: c for c in proposed}
    responses = list(
        Response.objects.filter(charter__in=list(by_pk))
        .filter(Q(member=person) | Q(charter__in=stewarding, kind=Response.Kind.OBJECTION, answer=""))
        .select_related("member").only("charter", "member", "kind", "answer", "revision", "created_at",
                                       "updated_at", "member__display_name", "member__email")
        .order_by("created_at", "pk")
    )  # query: my responses, and the open objections of the charters I steward
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
            items.append(WeekItem(charter.team, "objection",
                                  f"Answer {response.member.name}’s objection to charter version {charter.number}",
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
