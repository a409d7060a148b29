"""Review cycles and retrospectives, read only: the team's cycles, one cycle as its page computes it, the team's
retrospectives and a closed one's summary.

A cycle is read as its page is (the team, and the organisation's admins: counts, never a check-in), from
`reviews.selectors.cycle_page` and `scoreboard_goals`; a retrospective's summary is the team's own, from
`reviews.retro.selectors.summary_page`, which carries the session's anonymity (no author in an anonymous
session, whoever reads) and the team's small-team privacy (ratings below its minimum read "fewer than N").
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db.models import F
from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema
from ninja.pagination import CursorPagination, paginate

from alignment.errors import ActionRefused
from alignment.permissions import Capability
from api import access
from api.endpoints.checkins import Composed, PersonRef, ShownCountOut, person
from api.endpoints.teams import absolute
from checkins.models import CheckIn
from reviews import selectors
from reviews.models import Retrospective, ReviewCycle
from reviews.retro import selectors as retro_selectors

router = Router(tags=["Review cycles and retrospectives"])
team_path = "/organisations/{org}/teams/{team}"
AREA = "cycles"


class CycleSummary(Schema):
    number: int
    state: str = Field(description="open or closed")
    start_date: date
    end_date: date
    planned_end_date: date | None = Field(description="Closed early: the day it was planned to end")
    closed_at: datetime | None
    closed_by: PersonRef | None = Field(description="None: the scheduler closed it at its end date")
    charter_version: int | None = Field(description="The charter version it ran under")
    url: str

    @staticmethod
    def resolve_closed_by(cycle) -> PersonRef | None:
        return person(cycle.closed_by)

    @staticmethod
    def resolve_charter_version(cycle) -> int | None:
        return cycle.charter_number

    @staticmethod
    def resolve_url(cycle) -> str:
        return absolute(cycle.get_absolute_url())


@router.get(team_path + "/cycles", response=list[CycleSummary],
            summary="The team's review cycles, newest first (the team and the organisation's admins)")
@paginate(CursorPagination, ordering=("-number",))
def cycles(request: HttpRequest, org: str, team: str):
    team_access = access.team(request, org, team, Capability.READ_SUMMARY, area=AREA)
    return (ReviewCycle.objects.filter(team=team_access.team).select_related("team__organisation", "closed_by")
            .annotate(charter_number=F("charter__number")))


class WeekValue(Schema):
    week: date
    value: Decimal | None
    confidence: str = Field(description="on_track, at_risk or off_track; empty: no reading yet")


class ScoreKeyResult(Schema):
    id: int
    metric: str
    unit: str
    start_value: Decimal | None
    target_value: Decimal | None
    final_value: Decimal | None = Field(description="Where it ended (a closed cycle) or stands now")
    final_confidence: str
    percent: int | None
    amendments: list[str] = Field(description="How amendments ratified during the cycle changed it")
    weeks: list[WeekValue] = Field(description="Where it stood at the end of each week of the cycle")


class ScoreGoal(Schema):
    id: int
    objective: str
    amendments: list[str]
    key_results: list[ScoreKeyResult]


class LoadCount(ShownCountOut):
    load: str


class WeekParticipationOut(Schema):
    week: date
    submitted: int
    late: int
    loads: list[LoadCount] = Field(description="Each load's count, as the team's small-team privacy shows it")


class StrainTotal(ShownCountOut):
    non_negotiable: str


class VerdictCount(Schema):
    verdict: str
    count: int


class InvestmentOut(Schema):
    decision: int
    title: str
    key_result: str
    then: Decimal | None = Field(description="The key result's value when the decision was logged")
    now: Decimal | None = Field(description="At the cycle's end, or now while it runs")
    amount: str
    until: date | None
    verdict: str = Field(description="recovered, overdue or not yet")


class CommitmentRow(Schema):
    id: int
    title: str
    owner: PersonRef


class CommitmentOutcome(Schema):
    outcome: str = Field(description="kept, renegotiated, handed over, dropped, declined or still open")
    commitments: list[CommitmentRow]


class RatingCounts(Schema):
    held: ShownCountOut
    strained: ShownCountOut
    broken: ShownCountOut


class HealthCycle(RatingCounts):
    cycle: int


class HealthOut(Schema):
    non_negotiable: str
    cycles: list[HealthCycle]


class RetroRef(Schema):
    id: int
    phase: str
    closed: bool
    summary: str | None = Field(description="The summary's address in this API, once it is closed")


class CycleOut(CycleSummary):
    summary: str = Field(description="What the cycle taught the team, written when it closed")
    days_early: int
    retrospective: RetroRef | None
    key_results_at_target: int
    goals: list[ScoreGoal]
    removed: list[str] = Field(description="Key results an amendment took out during the cycle")
    participation: list[WeekParticipationOut]
    strains: list[StrainTotal]
    boundary_questions: int
    verdicts: list[VerdictCount]
    investments: list[InvestmentOut]
    commitments: list[CommitmentOutcome]
    blockers_opened: int
    blockers_resolved: int
    health: list[HealthOut] = Field(description="How each non-negotiable was rated, cycle after cycle")


def _shown(count) -> ShownCountOut:
    return ShownCountOut(count=count.number, shown=str(count))


def _cycle_out(page: selectors.CyclePage) -> Composed:
    cycle = page.cycle
    team = cycle.team
    retro = page.retrospective
    summary_url = None
    if retro is not None and retro.is_closed:
        summary_url = absolute(reverse("api:v1:retrospective_summary", kwargs={
            "org": team.organisation.slug, "team": team.slug, "retro_id": retro.pk}))
    loads = [value for value, _ in CheckIn.Load.choices]
    return Composed(
        cycle, days_early=page.days_early,
        retrospective=RetroRef(id=retro.pk, phase=retro.phase, closed=retro.is_closed, summary=summary_url)
        if retro is not None else None,
        key_results_at_target=page.at_target,
        goals=[ScoreGoal(id=goal.pk, objective=goal.objective, amendments=[str(a) for a in goal.amendments],
                         key_results=[ScoreKeyResult(
                             id=row.key_result.pk, metric=row.key_result.metric, unit=row.key_result.unit,
                             start_value=row.key_result.start_value, target_value=row.key_result.target_value,
                             final_value=row.final.value if row.final else None,
                             final_confidence=row.final.confidence if row.final else "", percent=row.percent,
                             amendments=[str(a) for a in row.key_result.amendments],
                             weeks=[WeekValue(week=w.week.monday, value=w.reading.value if w.reading else None,
                                              confidence=w.reading.confidence if w.reading else "")
                                    for w in row.weeks]) for row in rows])
               for goal, rows in selectors.scoreboard_goals(page)],
        removed=[str(removed) for removed in page.removed],
        participation=[WeekParticipationOut(
            week=week.week.monday, submitted=week.submitted, late=week.late,
            loads=[LoadCount(load=load, **_shown(count).dict()) for load, (_, count) in zip(loads, week.loads,
                                                                                             strict=True)])
            for week in page.participation],
        strains=[StrainTotal(non_negotiable=strain.non_negotiable_title, **_shown(strain.total).dict())
                 for strain in page.strains],
        boundary_questions=page.boundary_questions,
        verdicts=[VerdictCount(verdict=str(label), count=count) for label, count in page.verdicts],
        investments=[InvestmentOut(decision=row.decision.pk, title=row.decision.title,
                                   key_result=row.decision.key_result.metric, then=row.then, now=row.now,
                                   amount=row.decision.investment_amount, until=row.decision.investment_until,
                                   verdict=row.verdict) for row in page.ledger],
        commitments=[CommitmentOutcome(outcome=outcome, commitments=[
            CommitmentRow(id=c.pk, title=c.title, owner=person(c.owner)) for c in rows])
            for outcome, rows in page.commitments.items()],
        blockers_opened=page.blockers_opened, blockers_resolved=page.blockers_resolved,
        health=[HealthOut(non_negotiable=trend.title, cycles=[
            HealthCycle(cycle=c.cycle_number, held=_shown(c.shown.held), strained=_shown(c.shown.strained),
                        broken=_shown(c.shown.broken)) for c in trend.cycles])
            for trend in (page.health.non_negotiables if page.health else [])],
    )


@router.get(team_path + "/cycles/{number}", response=CycleOut,
            summary="One cycle as its page computes it: the scoreboard, check-ins, decisions, commitments, blockers")
def cycle(request: HttpRequest, org: str, team: str, number: int):
    team_access = access.team(request, org, team, Capability.READ_SUMMARY, area=AREA)
    page = selectors.cycle_page(team_access, number)
    if page is None:
        raise Http404("No such cycle")
    return _cycle_out(page)


class RetrospectiveOut(Schema):
    id: int
    cycle: int
    phase: str
    anonymous: bool
    facilitator: PersonRef | None
    started_at: datetime | None
    closed_at: datetime | None
    url: str

    @staticmethod
    def resolve_cycle(retro) -> int:
        return retro.cycle.number

    @staticmethod
    def resolve_anonymous(retro) -> bool:
        return retro.is_anonymous

    @staticmethod
    def resolve_facilitator(retro) -> PersonRef | None:
        return person(retro.facilitator)

    @staticmethod
    def resolve_url(retro) -> str:
        return absolute(retro.get_absolute_url())


@router.get(team_path + "/retrospectives", response=list[RetrospectiveOut],
            summary="The team's retrospectives, newest first (the team's own people)")
@paginate(CursorPagination, ordering=("-pk",))
def retrospectives(request: HttpRequest, org: str, team: str):
    team_access = access.team(request, org, team, Capability.READ_TEAM, area=AREA)
    return Retrospective.objects.filter(team=team_access.team).select_related("cycle", "facilitator",
                                                                              "team__organisation")


class CardOut(Schema):
    prompt: str
    text: str
    author: str | None = Field(description="None in an anonymous session, whoever reads")


class ThemeOut(Schema):
    name: str
    votes: int | None
    cards: list[CardOut]
    notes: list[str]


class ActionOut(Schema):
    kind: str
    title: str
    owner: PersonRef | None
    due_on: date
    standard: str
    proposed_change: str


class ReviewedActionOut(Schema):
    title: str
    owner: PersonRef | None
    review: str = Field(description="What the session said of it; empty when it was not reviewed")


class NonNegotiableRatingOut(RatingCounts):
    non_negotiable: str


class ParticipationOut(Schema):
    name: str
    cards: int | None = Field(description="None in an anonymous session: how many cards someone wrote is theirs")
    ratings: int
    votes: int


class RetroSummaryOut(Schema):
    id: int
    cycle: int
    cycle_start: date
    cycle_end: date
    facilitator: PersonRef | None
    anonymous: bool
    closed_at: datetime | None
    card_count: int
    votes_cast: int
    actions: list[ActionOut]
    last_actions: list[ReviewedActionOut] = Field(description="The previous session's actions, as this one "
                                                               "reviewed them")
    non_negotiables: list[NonNegotiableRatingOut]
    themes: list[ThemeOut] = Field(description="Most voted first")
    unthemed_cards: list[CardOut]
    participation: list[ParticipationOut]
    url: str


def _card(card) -> CardOut:
    return CardOut(prompt=card.prompt_text, text=card.text, author=card.author_name or None)


def _summary_out(page: retro_selectors.SummaryPage) -> RetroSummaryOut:
    retro = page.retro
    team = retro.team
    return RetroSummaryOut(
        id=retro.pk, cycle=retro.cycle.number, cycle_start=retro.cycle.start_date, cycle_end=retro.cycle.end_date,
        facilitator=person(retro.facilitator), anonymous=retro.is_anonymous, closed_at=retro.closed_at,
        card_count=page.card_count, votes_cast=page.votes_cast,
        actions=[ActionOut(kind=a.kind, title=a.title, owner=person(a.owner), due_on=a.due_on, standard=a.standard,
                           proposed_change=a.proposed_change) for a in page.actions],
        last_actions=[ReviewedActionOut(title=a.title, owner=person(a.owner), review=a.review)
                      for a in page.reviewed],
        non_negotiables=[NonNegotiableRatingOut(non_negotiable=view.prompt.non_negotiable.title,
                                                held=_shown(view.tally.held), strained=_shown(view.tally.strained),
                                                broken=_shown(view.tally.broken))
                         for view in page.non_negotiable_prompts if view.tally is not None],
        themes=[ThemeOut(name=view.theme.name, votes=view.votes, cards=[_card(card) for card in view.cards],
                         notes=[note.text for note in view.notes]) for view in page.themes],
        unthemed_cards=[_card(card) for card in page.lone_cards],
        participation=[ParticipationOut(name=p.name, cards=p.cards, ratings=p.ratings, votes=p.votes)
                       for p in page.participation],
        url=absolute(reverse("reviews:retro_summary", args=[team.organisation.slug, team.slug, retro.pk])),
    )


@router.get(team_path + "/retrospectives/{retro_id}/summary", response=RetroSummaryOut,
            summary="A closed retrospective's summary, as its summary page shows it (the team's own people)",
            description=("Actions, themes by votes with their cards and notes, how the non-negotiables held and who "
                         "took part. An anonymous session names no card's author and counts nobody's cards; a "
                         "rating counted by fewer people than the team's privacy minimum reads “fewer than N”. A "
                         "session still running is a 409."))
def retrospective_summary(request: HttpRequest, org: str, team: str, retro_id: int):
    team_access = access.team(request, org, team, Capability.READ_TEAM, area=AREA)
    page = retro_selectors.summary_page(team_access, retro_id)
    if page is None:
        raise Http404("No such retrospective")
    if not page.retro.is_closed:
        raise ActionRefused(f"This retrospective is still running (at “{page.retro.get_phase_display()}”): its "
                            "summary is read here once it closes.")
    return _summary_out(page)
