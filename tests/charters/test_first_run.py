"""A first charter that teaches: examples where fields are empty, the team's own words in the goal form,
a score that starts at nothing, and a propose button that says why it waits."""

from __future__ import annotations

from pytest_django.asserts import assertContains, assertNotContains

from charters import services
from tests.charters.conftest import charter_url
from tests.charters.factories import complete_charter


def test_an_empty_draft_scores_nothing_and_shows_examples_to_the_leader(login, leader, member, team):
    services.start_charter(team=team, actor=leader)

    page = login(leader).get(charter_url("detail"))

    assertContains(page, "Completeness <span class=\"score\">0/10 checks pass</span>")
    assertContains(page, "(nothing to check yet)")
    assertContains(page, "A good one is a decision rule people quote")
    assertContains(page, "Name the few standards that never bend")
    assertContains(page, "List areas of work and who decides in each")
    # Members read the draft without the leader's coaching.
    assertNotContains(login(member).get(charter_url("detail")), "A good one is a decision rule people quote")


def test_editor_fields_carry_examples(login, leader, team):
    services.start_charter(team=team, actor=leader)
    client = login(leader)

    purpose = client.get(charter_url("section_edit", 1, "purpose"))
    non_negotiable = client.get(charter_url("item_add", 1, "non_negotiable"))
    boundary = client.get(charter_url("item_add", 1, "boundary"))

    assertContains(purpose, 'placeholder="e.g. Give every clinician')
    assertContains(non_negotiable, 'placeholder="e.g. No export, log line or test fixture')
    assertContains(boundary, 'placeholder="e.g. Choice of libraries and internal tooling"')


def test_the_goal_form_offers_the_purpose_parts_in_the_teams_own_words(login, leader, team):
    charter = complete_charter(team, leader)

    response = login(leader).get(charter_url("item_add", charter.number, "goal"))

    assertContains(response, f"Who it serves — {charter.purpose_serves[:40]}")
    assertContains(response, 'type="radio" name="purpose_part"')
