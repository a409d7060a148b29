"""The demo's check-ins: varied weeks, this week half done, member@example.com still to check in; idempotent."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from alignment.models import Team
from alignment.weeks import current_week
from checkins.models import Blocker, CheckIn


@pytest.fixture
def seeded(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())


def test_this_week_is_half_done_and_the_demo_member_has_not_submitted(seeded):
    team = Team.objects.get(slug="platform")
    this_week = CheckIn.objects.filter(team=team, week=current_week(team).monday)

    assert this_week.filter(state="submitted").exists() and this_week.filter(state="draft").exists()
    assert not this_week.filter(author__email="member@example.com").exists()
    assert CheckIn.objects.filter(load="overloaded").values("author").distinct().count() == 1
    assert CheckIn.objects.filter(strained_non_negotiable__isnull=False).values(
        "strained_non_negotiable").distinct().count() >= 2
    assert Blocker.objects.open().exists() and Blocker.objects.filter(resolved_at__isnull=False).exists()
    assert CheckIn.objects.filter(is_late=True).exists()


def test_no_two_check_ins_say_the_same_thing(seeded):
    texts = list(CheckIn.objects.values_list("progress", flat=True))

    assert len(texts) == len(set(texts))


def test_seeding_twice_changes_nothing(seeded):
    before = (CheckIn.objects.count(), Blocker.objects.count())

    call_command("seed_demo", stdout=StringIO())

    assert (CheckIn.objects.count(), Blocker.objects.count()) == before


def test_commitments_in_every_state_with_renegotiations_decided_and_pending(seeded):
    from checkins.models import Commitment, Renegotiation

    assert set(Commitment.objects.values_list("state", flat=True)) >= {"open", "done", "dropped", "requested"}
    states = set(Renegotiation.objects.values_list("state", flat=True))
    assert states == {"accepted", "declined", "pending"}
    before = (Commitment.objects.count(), Renegotiation.objects.count())

    call_command("seed_demo", stdout=StringIO())

    assert (Commitment.objects.count(), Renegotiation.objects.count()) == before
