"""The demo's review prompt: Growth's "No dark patterns" strained in 3 of the last 4 weeks, in its leader's week."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from alignment import my_week
from alignment.models import User
from alignment.permissions import memberships_of
from reviews.models import ReviewTrigger


def test_growths_leader_finds_the_charter_asking_to_be_revisited(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())

    strained = ReviewTrigger.objects.get(team__slug="growth", kind=ReviewTrigger.Kind.STRAINED)
    assert strained.evidence["non_negotiable"] == "No dark patterns"
    assert len(strained.evidence["weeks"]) == 3
    leader = User.objects.get(email="sofia.marino@example.com")
    week = my_week.my_week(leader, memberships_of(leader), timezone.now())
    assert f"The charter asks to be revisited: {strained.headline}" in [line.text for line in week.lines]
