"""The demo organisation has a consult request from Platform to Growth in progress, and reseeding adds none."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from asks.models import Ask, Route


@pytest.fixture(autouse=True)
def noon():
    """The demo is seeded on the real clock (the other asks tests freeze it)."""


@pytest.fixture
def seed(db, settings):
    settings.DEBUG = True  # seeding refuses to run with DEBUG off
    return lambda: call_command("seed_demo", stdout=StringIO())


def test_a_consultation_from_platform_to_growth_is_in_progress(seed):
    seed()
    ask = Ask.objects.get()
    assert (ask.asking_team.slug, ask.receiving_team.slug) == ("platform", "growth")
    assert ask.route == Route.CONSULT and ask.is_open and ask.area == "Messaging to patients"
    assert ask.comments.count() == 1
    seed()
    assert Ask.objects.count() == 1
