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
    Goal,
    KeyResult,
    Response,
)
from charters.selectors import load_content
from reviews.models import CycleGoal, ReviewCycle

DEMO_TEAMS = ["platform", "growth", "clinical-support"]


@pytest.fixture
def seed(db, settings):
    settings.DEBUG = True  # seeding refuses to run with DEBUG off

    def run() -> None:
        call_command("seed_demo", stdout=StringIO())

    return run


@pytest.fixture
def seeded(demo_seeded_once, db) -> None:
    """The demo, seeded once for this module's readers (`demo_seeded_once`)."""


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

    # Two past cycles closed with their retrospectives (the reviews demo); the open one is the third.
    cycle = ReviewCycle.objects.get(team=team, state=ReviewCycle.State.OPEN)

    assert cycle.number == 3
    assert (cycle.end_date - cycle.start_date).days == 7 * team.review_cadence_weeks
    assert cycle.charter == Charter.objects.get(team=team, number=1)
    # The goals of the version in force; an amendment's goals join the cycle when it is ratified.
    goals = set(Goal.objects.filter(charter__team=team, charter__state=Charter.State.RATIFIED).values_list("pk", flat=True))
    assert goals
    assert set(CycleGoal.objects.filter(cycle=cycle).values_list("goal", flat=True)) == goals


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


def test_running_seed_demo_twice_changes_no_row_counts(seed):
    seed()
    first = row_counts()
    assert first["charters.Charter"] == 4

    seed()

    assert row_counts() == first
