"""The demo's retrospectives: two reviewed cycles per team (so the health trend has points) and Platform's
next session set up for facilitator@example.com; seeding again changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from alignment.models import Team, User
from checkins.models import Commitment
from reviews.models import (
    CycleCommitment,
    NonNegotiableRating,
    RetroAction,
    RetroCard,
    Retrospective,
    RetroTheme,
    RetroVote,
    ReviewCycle,
)
from reviews.retro.selectors import health_trend


def seed() -> None:
    call_command("seed_demo", stdout=StringIO())


@pytest.fixture
def seeded(demo_seeded_once, db):
    """The demo, seeded once for this module's readers (`demo_seeded_once`)."""


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (ReviewCycle, Retrospective, RetroCard, RetroTheme, RetroVote,
                                                     NonNegotiableRating, RetroAction, CycleCommitment, Commitment))


def test_every_team_reviewed_two_cycles_before_the_open_one(seeded):
    for team in Team.objects.all():
        cycles = list(ReviewCycle.objects.filter(team=team).order_by("number"))
        assert [(c.number, c.state) for c in cycles] == [(1, "closed"), (2, "closed"), (3, "open")]
        assert cycles[0].end_date == cycles[1].start_date and cycles[1].end_date == cycles[2].start_date
        closed = Retrospective.objects.filter(team=team, phase="closed").order_by("cycle__number")
        assert [r.cycle.number for r in closed] == [1, 2] and closed[1].previous == closed[0]
        for retro in closed:
            assert retro.cards.count() >= 3 and retro.themes.count() >= 2 and retro.actions.exists()
            assert retro.votes.count() >= 5
            assert not retro.cards.filter(theme__isnull=True).exists()
        # Every participant rated every non-negotiable: the trend has two points for each.
        trend = health_trend(team)
        assert trend.cycle_numbers == [1, 2]
        assert all(cycle.total for nn in trend.non_negotiables for cycle in nn.cycles)


def test_votes_keep_within_three_each(seeded):
    for retro in Retrospective.objects.filter(phase="closed"):
        per_voter = {}
        for voter in retro.votes.values_list("voter_id", flat=True):
            per_voter[voter] = per_voter.get(voter, 0) + 1
        assert max(per_voter.values()) <= retro.votes_per_person


def test_last_cycles_actions_were_reviewed_and_became_commitments(seeded):
    platform = Team.objects.get(slug="platform")
    first = Retrospective.objects.get(team=platform, cycle__number=1)
    assert set(first.actions.values_list("review", flat=True)) == {"done", "not_done"}
    second = Retrospective.objects.get(team=platform, cycle__number=2)
    assert second.is_anonymous
    amendment = second.actions.get(kind="amendment")
    assert amendment.amendment_charter is not None and amendment.amendment_charter.is_editable
    for action in second.actions.filter(kind="commitment"):
        assert action.commitment.is_open
        assert CycleCommitment.objects.filter(commitment=action.commitment, cycle__number=3, carry_over=True).exists()


def test_platforms_next_session_is_ready_for_its_facilitator(seeded, client):
    platform = Team.objects.get(slug="platform")
    ready = Retrospective.objects.get(team=platform, cycle__state="open")
    facilitator = User.objects.get(email="facilitator@example.com")

    assert (ready.phase, ready.facilitator, ready.previous.cycle.number) == ("setup", facilitator, 2)
    assert ready.prompts.filter(kind="non_negotiable").count() == 4
    client.force_login(facilitator)
    body = client.get(ready.get_absolute_url()).content.decode()
    assert "Start the retrospective" in body and "Book the incident review when the incident closes" in body


def test_seeding_again_changes_nothing(seeded, settings):
    settings.DEBUG = True
    before = counts()

    seed()

    assert counts() == before
