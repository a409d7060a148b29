"""`manage.py seed_demo` gives every demo team a charter to click through, and is safe to rerun."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from alignment.models import Team
from charters.completeness import check_charter
from charters.models import (
    Charter,
    Comment,
    Decision,
    Goal,
    KeyResult,
    Response,
    judge,
    recommended_outcome,
)
from charters.selectors import load_content
from reviews.models import ReviewCycle

DEMO_TEAMS = ["platform", "growth", "clinical-support"]


@pytest.fixture
def seed(db, settings):
    settings.DEBUG = True  # seeding refuses to run with DEBUG off

    def run() -> None:
        call_command("seed_demo", stdout=StringIO())

    return run


@pytest.fixture
def seeded(seed) -> None:
    seed()


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


@pytest.mark.parametrize("slug", DEMO_TEAMS)
def test_every_demo_team_has_a_complete_ratified_charter(seeded, slug):
    team = Team.objects.get(slug=slug)

    charter = Charter.objects.get(team=team, state=Charter.State.RATIFIED)

    assert charter.number == 1 and charter.ratified_by is not None
    assert check_charter(load_content(charter)).can_propose
    assert not Response.objects.filter(charter=charter, kind=Response.Kind.OBJECTION).exists()


@pytest.mark.parametrize("slug", DEMO_TEAMS)
def test_every_demo_team_has_an_open_cycle_its_goals_run_in(seeded, slug):
    team = Team.objects.get(slug=slug)

    cycle = ReviewCycle.objects.get(team=team)

    assert (cycle.number, cycle.state) == (1, ReviewCycle.State.OPEN)
    assert (cycle.end_date - cycle.start_date).days == 7 * team.review_cadence_weeks
    assert cycle.charter == Charter.objects.get(team=team, number=1)
    goals = Goal.objects.filter(charter__team=team)
    assert goals.exists()
    assert set(goals.values_list("cycle", flat=True)) == {cycle.pk}


def test_platform_has_an_open_proposed_amendment(seeded):
    platform = Team.objects.get(slug="platform")
    active = Charter.objects.get(team=platform, state=Charter.State.RATIFIED)

    amendment = Charter.objects.get(team=platform, state=Charter.State.PROPOSED)

    assert amendment.number == 2 and amendment.based_on == active
    assert amendment.amendment_note
    assert amendment.non_negotiables.count() == active.non_negotiables.count() + 1
    # Copied goals keep their origin, so check-ins carry over at ratification.
    assert all(goal.origin_id for goal in amendment.goals.all())
    assert KeyResult.objects.filter(goal__charter=amendment, origin__isnull=True).count() == 0


def test_the_platform_amendment_has_comments_with_a_reply(seeded):
    amendment = Charter.objects.get(team__slug="platform", state=Charter.State.PROPOSED)

    comments = Comment.objects.filter(charter=amendment)

    assert comments.filter(parent__isnull=True).exists()
    assert comments.filter(parent__isnull=False).exists()


def test_the_platform_amendment_has_one_consent_and_one_open_objection(seeded):
    amendment = Charter.objects.get(team__slug="platform", state=Charter.State.PROPOSED)

    responses = list(amendment.responses.all())

    assert sorted(r.kind for r in responses) == ["consent", "objection"]
    [objection] = [r for r in responses if r.kind == Response.Kind.OBJECTION]
    assert objection.reason and objection.is_open_objection
    assert {r.member.email for r in responses} <= set(
        amendment.team.memberships.values_list("user__email", flat=True)
    )


def test_decisions_of_every_verdict_exist(seeded):
    assert set(Decision.objects.values_list("verdict", flat=True)) == set(Decision.Verdict.values)
    assert Decision.objects.values("team").distinct().count() >= 2


def test_seeded_decisions_agree_with_the_rule_and_explain_departures(seeded):
    for decision in Decision.objects.all():
        assert decision.verdict == judge(decision.purpose_effect, decision.metric_effect)[0]
        assert decision.charter is not None and decision.charter.team_id == decision.team_id
        assert decision.outcome != Decision.Outcome.PENDING
        if decision.outcome != recommended_outcome(decision.verdict):
            assert decision.outcome_reason.strip(), decision.title


def test_seeded_conscious_investments_name_their_key_result(seeded):
    investments = Decision.objects.filter(verdict=Decision.Verdict.CONSCIOUS_INVESTMENT)

    assert investments.exists()
    for decision in investments:
        assert decision.key_result is not None and decision.investment_until is not None
        assert decision.key_result.goal.charter.team_id == decision.team_id


def test_running_seed_demo_twice_changes_no_row_counts(seed):
    seed()
    first = row_counts()
    assert first["charters.Charter"] == 4 and first["charters.Decision"] == 7

    seed()

    assert row_counts() == first
