"""The charter pages' own queries are compiled once per shape (`alignment.one_query.read_shaped`): read again,
each only binds its inputs. A builder that derived a value from its inputs, read a clock or sliced by an input
would silently be compiled at every reading; these tests catch it."""

from __future__ import annotations

import pytest

from alignment import one_query
from charters.models import Charter, OrganisationGoal, OrganisationTag, PurposePart
from tests.charters.conftest import charter_url

# Every builder of the charter pages (`charters.selectors`, `charters.tags`, `charters.views`).
BUILDERS = {
    "_versions_in_force", "_team_people", "_goals", "_key_results", "_non_negotiables", "_boundaries", "_people",
    "_organisation_goals", "_tag_names", "_latest_progress_of", "_responses", "_recorded_gaps", "_comments",
    "_working_copy", "_readable_numbered", "_readable_versions", "_readable_pair",
}


@pytest.fixture(autouse=True)
def _shapes_learnt_afresh():
    one_query._queries.clear()


def kept_shapes() -> dict[str, list[bool]]:
    """Each charters builder read so far, with whether each of its shapes could not be kept."""
    shapes: dict[str, list[bool]] = {}
    for key, kept in one_query._queries.items():
        if key[0].startswith("charters."):
            shapes.setdefault(key[1], []).append(kept.uncacheable)
    return shapes


def test_every_query_of_the_charter_pages_is_kept(login, leader, team, write_charter, discuss):
    active = write_charter(team, number=1, state=Charter.State.RATIFIED)
    discuss(active)
    amendment = write_charter(team, number=2, state=Charter.State.PROPOSED, based_on=active)
    discuss(amendment)
    # A tag and an organisation goal, read afresh with the kept items (`kept_contents`).
    tag = OrganisationTag.objects.create(organisation=team.organisation, name="Booking flow")
    goal = OrganisationGoal.objects.create(organisation=team.organisation, objective="Fewer admissions",
                                           purpose_part=PurposePart.OUTCOME)
    for version in (active, amendment):
        version.boundaries.first().tags.add(tag)
        version.goals.update(contributes_to=goal)
    client = login(leader)

    for _ in range(2):  # items read, then kept
        for url in (charter_url("detail"), charter_url("version", 1), charter_url("version", 2),
                    charter_url("history"), charter_url("diff", query="a=1&b=2")):
            assert client.get(url).status_code == 200

    shapes = kept_shapes()
    assert set(shapes) == BUILDERS
    assert {name: cannot for name, cannot in shapes.items() if any(cannot)} == {}


def test_a_version_number_too_large_for_its_column_is_404_and_keeps_the_shape(login, leader, team,
                                                                              write_charter):
    write_charter(team, number=1, state=Charter.State.RATIFIED)
    client = login(leader)

    assert client.get(charter_url("version", 2**63)).status_code == 404  # read first: not learnt from
    assert client.get(charter_url("version", 1)).status_code == 200

    assert kept_shapes()["_readable_numbered"] == [False]
