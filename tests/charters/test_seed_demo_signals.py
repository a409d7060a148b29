"""The demo organisation keeps a list of tags, and its map shows one overlap: Platform and Growth both say they
decide the booking flow."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from alignment.models import Organisation
from charters.models import OrganisationTag
from charters.organisation_map import map_signals


def test_the_demo_map_shows_platform_and_growth_both_deciding_the_booking_flow(db, settings):
    settings.DEBUG = True  # seeding refuses to run with DEBUG off
    call_command("seed_demo", stdout=StringIO())

    organisation = Organisation.objects.get()
    (overlaps,) = [group for group in map_signals(organisation, None).groups if group.kind == "overlap"]

    assert [signal.summary for signal in overlaps.signals] == ["Growth and Platform both say they decide: Booking flow"]
    assert OrganisationTag.objects.filter(organisation=organisation, name="Booking flow").count() == 1
