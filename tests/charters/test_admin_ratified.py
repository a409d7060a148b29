"""A ratified or superseded charter version is only to read in the admin; a draft stays editable there.

An admin edit of a ratified version's text would never reach its page (the rendered prose is
cached under the version's identity), and the team never consented to it. So staff see such a
version, its non-negotiables, boundaries, goals and key results read-only, with a note to amend
the charter in the app; saving or deleting any of them is refused. Deleting a whole team still works.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from charters.models import Boundary, Charter, Goal, KeyResult, NonNegotiable
from tests.alignment.reading import form_values
from tests.charters.conftest import charter_url

pytestmark = pytest.mark.django_db

FIXED = ["superseded", "active"]
# The inputs a change page offers for a version's text and for the first of each of its items.
CHARTER_INPUTS = ['name="purpose_statement"', 'name="people"', 'name="non_negotiables-0-title"',
                  'name="boundaries-0-area"', 'name="goals-0-objective"']
GOAL_INPUTS = ['name="objective"', 'name="key_results-0-metric"']


@pytest.fixture
def versions(team, write_charter):
    """Version 1 superseded, version 2 ratified (in force), version 3 a draft amending it."""
    superseded = write_charter(team, number=1, state=Charter.State.SUPERSEDED)
    active = write_charter(team, number=2, state=Charter.State.RATIFIED, based_on=superseded)
    draft = write_charter(team, number=3, state=Charter.State.DRAFT, based_on=active)
    return {"superseded": superseded, "active": active, "draft": draft}


@pytest.fixture
def staff(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("admin@example.com", "pw"))
    return client


def _change(obj) -> str:
    return reverse(f"admin:charters_{obj._meta.model_name}_change", args=[obj.pk])


def _delete(obj) -> str:
    return reverse(f"admin:charters_{obj._meta.model_name}_delete", args=[obj.pk])


def _items(charter: Charter) -> dict[str, int]:
    return {"non-negotiables": NonNegotiable.objects.filter(charter=charter).count(),
            "boundaries": Boundary.objects.filter(charter=charter).count(),
            "goals": Goal.objects.filter(charter=charter).count(),
            "key results": KeyResult.objects.filter(goal__charter=charter).count()}


@pytest.mark.parametrize("state", FIXED)
def test_a_fixed_version_and_its_items_are_shown_read_only_with_a_note(staff, versions, state):
    charter = versions[state]
    goal = charter.goals.first()

    for obj, text, inputs in ((charter, charter.purpose_statement, CHARTER_INPUTS),
                              (goal, goal.objective, GOAL_INPUTS)):
        body = staff.get(_change(obj)).content.decode()
        assert text in body and charter.non_negotiables.first().title in body or obj is goal
        assert not any(name in body for name in inputs), obj
        assert f"Version {charter.number} is {charter.get_state_display().lower()} and can no longer change" in body
        assert "amend it in the app" in body
        assert "deletelink" not in body and 'name="_save"' not in body


@pytest.mark.parametrize("state", FIXED)
def test_saving_a_fixed_version_or_its_goal_is_refused(staff, team, leader, login, versions, state):
    charter = versions[state]
    goal = charter.goals.first()
    before = charter.purpose_statement

    refused = staff.post(_change(charter), {"purpose_statement": "Edited by staff", "people": "Edited",
                                            "non_negotiables-TOTAL_FORMS": "0"})
    refused_goal = staff.post(_change(goal), {"objective": "Edited by staff", "charter": charter.pk})

    assert refused.status_code == refused_goal.status_code == 403
    charter.refresh_from_db()
    goal.refresh_from_db()
    assert charter.purpose_statement == before and goal.objective != "Edited by staff"
    assert before in login(leader).get(charter_url("version", charter.number)).content.decode()


@pytest.mark.parametrize("state", FIXED)
def test_deleting_a_fixed_version_or_its_goal_is_refused_one_by_one_and_in_bulk(staff, versions, state):
    charter = versions[state]
    goal = charter.goals.first()
    items = _items(charter)

    for obj in (charter, goal):
        page = staff.get(_delete(obj)).content.decode()
        assert "amend the charter in the app instead" in page
        assert staff.post(_delete(obj), {"post": "yes"}).status_code == 403
    for model, obj in (("charter", charter), ("goal", goal)):
        response = staff.post(reverse(f"admin:charters_{model}_changelist"),
                              {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})
        assert response.status_code == 403

    assert Charter.objects.filter(pk=charter.pk).exists() and _items(charter) == items


def test_a_draft_stays_editable_with_its_items(staff, versions):
    draft = versions["draft"]
    page = staff.get(_change(draft)).content.decode()
    assert all(name in page for name in CHARTER_INPUTS)
    assert "can no longer change" not in page and 'name="state"' not in page  # its state moves in the app
    data = form_values(page)
    data.update({"purpose_statement": ["Care closer to home"], "non_negotiables-0-title": ["Say it early"]})

    response = staff.post(_change(draft), data)

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.purpose_statement == "Care closer to home"
    assert draft.non_negotiables.first().title == "Say it early"
    assert draft.state == Charter.State.DRAFT


def test_a_draft_s_goal_stays_editable_but_cannot_move_into_a_fixed_version(staff, versions):
    goal = versions["draft"].goals.first()
    data = form_values(staff.get(_change(goal)).content)

    moved = staff.post(_change(goal), {**data, "charter": [str(versions["active"].pk)]})
    edited = staff.post(_change(goal), {**data, "objective": ["Sharper goal"]})

    assert moved.status_code == 200 and "Select a valid choice" in moved.content.decode()
    assert edited.status_code == 302
    goal.refresh_from_db()
    assert goal.charter == versions["draft"] and goal.objective == "Sharper goal"


def test_deleting_a_draft_and_the_whole_team_still_work(staff, team, versions):
    assert staff.post(_delete(versions["draft"]), {"post": "yes"}).status_code == 302

    response = staff.post(reverse("admin:alignment_team_delete", args=[team.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Charter.objects.exists()


def test_a_drafts_text_and_items_changed_here_show_on_its_page_at_once(staff, versions, leader):
    """The page keeps what it draws per revision of the text: a change in the admin makes a new revision, as an
    edit in the app does, so the next reader gets the new words, not those kept."""
    draft = versions["draft"]
    reader = Client()
    reader.force_login(leader)
    assert "Say it early" not in reader.get(charter_url("detail")).content.decode()  # drawn and kept
    revision = draft.revision
    data = form_values(staff.get(_change(draft)).content.decode())
    data.update({"non_negotiables-0-title": ["Say it early"], "boundaries-0-area": ["Choice of rota tools"]})
    assert staff.post(_change(draft), data).status_code == 302

    goal = draft.goals.order_by("position").first()
    data = form_values(staff.get(_change(goal)).content.decode())
    data.update({"key_results-0-metric": ["Visits on time"]})
    assert staff.post(_change(goal), data).status_code == 302

    page = reader.get(charter_url("detail")).content.decode()
    assert "Say it early" in page and "Choice of rota tools" in page and "Visits on time" in page
    draft.refresh_from_db()
    assert draft.revision == revision + 2


def test_a_draft_saved_unchanged_keeps_its_revision(staff, versions):
    draft = versions["draft"]
    revision = draft.revision
    assert staff.post(_change(draft), form_values(staff.get(_change(draft)).content.decode())).status_code == 302
    draft.refresh_from_db()
    assert draft.revision == revision


def test_a_drafts_amendment_note_changed_here_keeps_its_revision(staff, versions, leader):
    """The note says why the version amends the one in force; it is not the text consented to, and no kept part
    draws it: the page shows the new note at once, and nobody is asked to consent again."""
    draft = versions["draft"]
    revision = draft.revision
    data = form_values(staff.get(_change(draft)).content.decode())
    data.update({"amendment_note": ["Rota tools are now the team's call."]})
    assert staff.post(_change(draft), data).status_code == 302

    draft.refresh_from_db()
    assert draft.revision == revision
    reader = Client()
    reader.force_login(leader)
    assert "Rota tools are now the team&#x27;s call." in reader.get(charter_url("detail")).content.decode()
