"""A tag removed at the instant a leader saves a boundary carrying it, on PostgreSQL: the save is refused in
words (the typed text kept) or the tag goes after it with its rows, never a tag half removed or a 500."""

from __future__ import annotations

import pytest

from alignment.errors import ActionRefused
from charters import services, tags
from charters.models import Boundary, OrganisationTag
from tests.charters.factories import complete_charter
from tests.concurrency import on_postgresql, run_concurrently

ROUNDS = 2  # lean: each round costs a database flush
pytestmark = [on_postgresql, pytest.mark.django_db(transaction=True),
              pytest.mark.parametrize("round_", range(ROUNDS))]


def test_tagging_a_boundary_while_the_tag_is_removed_leaves_no_row_behind(round_, organisation, team, leader):
    booking = tags.add_tag(organisation=organisation, name="Booking flow")
    charter = complete_charter(team, leader)
    boundary = Boundary.objects.filter(charter=charter).first()
    boundary.charter = charter

    def save():
        try:
            services.update_item(charter=charter, item=boundary, expected_version=boundary.version, tags=[booking])
        except ActionRefused as refused:
            return str(refused)

    outcomes = run_concurrently(save, lambda: tags.remove_tag(tag=booking))

    for outcome in outcomes:
        outcome.unwrap()
    assert not OrganisationTag.objects.exists()
    assert not Boundary.tags.through.objects.exists()
