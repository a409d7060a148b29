"""Editing a charter in place: text sections and list items, with htmx and without JavaScript.

With htmx the edit form is a fragment swapped into the page and a save answers with the
section plus the completeness panel out of band; without JavaScript the form is a page of
its own and a save redirects back to the charter at the section.
"""

from __future__ import annotations

import re

import pytest
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from charters import views
from charters.models import Boundary, Charter, Goal, KeyResult, NonNegotiable
from tests.charters.conftest import charter_url

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def draft(team, write_charter) -> Charter:
    return write_charter(team, state=Charter.State.DRAFT)


def _form_version(response) -> str:
    """The concurrency version the returned form will send back."""
    return re.search(r'name="version" value="(\d+)"', response.content.decode()).group(1)


def assert_fragment(response) -> None:
    assert b"<html" not in response.content


# Text sections -----------------------------------------------------------------------------------

def test_htmx_section_form_is_a_fragment_with_the_current_text(login, leader, draft):
    response = login(leader).get(charter_url("section_edit", 1, "purpose"), **HTMX)

    assert response.status_code == 200
    assert_fragment(response)
    assertContains(response, '<div id="purpose" class="card edit-form">')
    assertContains(response, 'value="Care close to home, version 1"')
    assert _form_version(response) == "1"


def test_section_form_without_javascript_is_a_page(login, leader, draft):
    response = login(leader).get(charter_url("section_edit", 1, "people"))

    assertContains(response, "<html")
    assertContains(response, "<h1>People</h1>")
    assertContains(response, f'action="{charter_url("section_edit", 1, "people")}"')
    assertContains(response, "We ask for help early")


def test_htmx_section_save_returns_the_section_and_completeness_out_of_band(login, leader, team, write_charter):
    write_charter(team, state=Charter.State.DRAFT, people="")
    client = login(leader)

    response = client.post(charter_url("section_edit", 1, "people"), {"version": "1", "people": "We *pair*"}, **HTMX)

    assert response.status_code == 200
    assert_fragment(response)
    assertContains(response, '<section id="people"')
    assertContains(response, "<em>pair</em>")
    assertContains(response, '<section id="completeness" class="card completeness" aria-labelledby='
                             '"completeness-title" aria-live="polite" hx-swap-oob="true">')
    assertContains(response, "10/10 checks pass")
    charter = Charter.objects.get()
    assert (charter.people, charter.people_version) == ("We *pair*", 2)


def test_section_save_without_javascript_redirects_to_the_section(login, leader, draft):
    response = login(leader).post(charter_url("section_edit", 1, "process"),
                                  {"version": "1", "process": "Retro every other Friday"})

    assertRedirects(response, charter_url("detail") + "#process", fetch_redirect_response=False)
    assert Charter.objects.get().process == "Retro every other Friday"


def _too_long_purpose() -> dict:
    return {"version": "1", "purpose_statement": "Care " * 60, "purpose_serves": "Carers typed this",
            "purpose_outcome": "", "purpose_refuses": ""}


def test_htmx_invalid_section_is_400_retargeted_to_the_form_with_the_typed_text(login, leader, draft):
    response = login(leader).post(charter_url("section_edit", 1, "purpose"), _too_long_purpose(), **HTMX)

    assert response.status_code == 400
    assert_fragment(response)
    assert response["HX-Retarget"] == "#purpose"
    assert response["HX-Reswap"] == "outerHTML"
    assertContains(response, "Ensure this value has at most 240 characters", status_code=400)
    assertContains(response, "Carers typed this", status_code=400)
    assert Charter.objects.get().purpose_serves == "Patients and the nurses who visit them"


def test_invalid_section_without_javascript_is_the_page_again_with_errors(login, leader, draft):
    response = login(leader).post(charter_url("section_edit", 1, "purpose"), _too_long_purpose())

    assert response.status_code == 400
    assertContains(response, "<html", status_code=400)
    assertContains(response, "Ensure this value has at most 240 characters", status_code=400)
    assertContains(response, "Carers typed this", status_code=400)


def test_malformed_version_is_400_not_500(login, leader, draft):
    response = login(leader).post(charter_url("section_edit", 1, "people"), {"version": "abc", "people": "x"})

    assert response.status_code == 400
    assert Charter.objects.get().people_version == 1


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_section_conflict_shows_both_texts_and_a_second_save_goes_through(login, leader, draft, headers):
    url = charter_url("section_edit", 1, "people")
    client = login(leader)
    form = client.get(url, **headers)
    # Someone else saves first.
    Charter.objects.filter(pk=draft.pk).update(people="Theirs: we pair on everything", people_version=2)

    conflict = client.post(url, {"version": _form_version(form), "people": "Mine: we review each change"},
                           **headers)

    assert conflict.status_code == 409
    assertContains(conflict, "Someone else saved this while you were editing", status_code=409)
    assertContains(conflict, "Theirs: we pair on everything", status_code=409)
    assertContains(conflict, ">\nMine: we review each change</textarea>", status_code=409)
    assertContains(conflict, "Save my merged version", status_code=409)
    if headers:
        assert_fragment(conflict)
        assert conflict["HX-Retarget"] == "#people"
    else:
        assertContains(conflict, "<html", status_code=409)
    assert Charter.objects.get().people == "Theirs: we pair on everything"

    merged = client.post(url, {"version": _form_version(conflict), "people": "Merged: pair, then review"},
                         **headers)

    assert merged.status_code == (200 if headers else 302)
    charter = Charter.objects.get()
    assert (charter.people, charter.people_version) == ("Merged: pair, then review", 3)


def test_sections_save_independently(login, leader, draft):
    """A save of one section does not conflict with an editor of another."""
    client = login(leader)
    client.post(charter_url("section_edit", 1, "people"), {"version": "1", "people": "People text"})

    response = client.post(charter_url("section_edit", 1, "process"), {"version": "1", "process": "Process text"})

    assert response.status_code == 302
    charter = Charter.objects.get()
    assert (charter.people, charter.process) == ("People text", "Process text")


# List items ----------------------------------------------------------------------------------------

def test_htmx_item_add_form_is_a_fragment(login, leader, draft):
    response = login(leader).get(charter_url("item_add", 1, "non_negotiable"), **HTMX)

    assert response.status_code == 200
    assert_fragment(response)
    assertContains(response, '<div id="non_negotiable-new-form" class="card edit-form">')
    assertContains(response, 'hx-target="#non_negotiables"')


def test_item_add_form_without_javascript_is_a_page(login, leader, draft):
    response = login(leader).get(charter_url("item_add", 1, "non_negotiable"))

    assertContains(response, "<html")
    assertContains(response, "<h1>Add non-negotiable</h1>")
    assertContains(response, f'href="{charter_url("detail")}#non_negotiables"')


def test_htmx_item_add_returns_the_section_with_the_item_and_completeness(login, leader, draft):
    response = login(leader).post(charter_url("item_add", 1, "non_negotiable"),
                                  {"title": "Pair on risky changes", "standard": "Two names on the PR"}, **HTMX)

    assert response.status_code == 200
    assert_fragment(response)
    assertContains(response, '<section id="non_negotiables"')
    assertContains(response, "<h3>Pair on risky changes</h3>")
    assertContains(response, 'hx-swap-oob="true"')
    added = NonNegotiable.objects.get(title="Pair on risky changes")
    assert added.position == 3  # after the two already there


def test_item_add_without_javascript_redirects_to_the_section(login, leader, draft):
    response = login(leader).post(charter_url("item_add", 1, "boundary"),
                                  {"area": "On-call rota", "label": "consult", "set_by": "The team"})

    assertRedirects(response, charter_url("detail") + "#boundaries", fetch_redirect_response=False)
    assert Boundary.objects.filter(area="On-call rota", label="consult").exists()


def test_htmx_non_negotiable_without_title_is_400_with_the_typed_text(login, leader, draft):
    response = login(leader).post(charter_url("item_add", 1, "non_negotiable"),
                                  {"title": "", "standard": "Typed standard stays"}, **HTMX)

    assert response.status_code == 400
    assert_fragment(response)
    assert response["HX-Retarget"] == "#non_negotiable-new"
    assert response["HX-Reswap"] == "innerHTML"
    assertContains(response, "This field is required.", status_code=400)
    assertContains(response, "Typed standard stays", status_code=400)
    assert NonNegotiable.objects.count() == 2


def test_non_negotiable_without_title_and_without_javascript_is_the_page_again(login, leader, draft):
    response = login(leader).post(charter_url("item_add", 1, "non_negotiable"),
                                  {"title": "", "standard": "Typed standard stays"})

    assert response.status_code == 400
    assertContains(response, "<html", status_code=400)
    assertContains(response, "This field is required.", status_code=400)
    assertContains(response, "Typed standard stays", status_code=400)


def test_htmx_item_edit_form_replaces_the_item(login, leader, draft):
    item = NonNegotiable.objects.get(position=1)

    response = login(leader).get(charter_url("item_edit", 1, "non_negotiable", item.pk), **HTMX)

    assert_fragment(response)
    assertContains(response, f'<div id="non_negotiable-{item.pk}" class="card edit-form">')
    assertContains(response, 'value="Non-negotiable 1"')


def test_htmx_item_edit_saves_and_invalid_edit_retargets_the_item(login, leader, draft):
    item = NonNegotiable.objects.get(position=1)
    url = charter_url("item_edit", 1, "non_negotiable", item.pk)
    client = login(leader)

    invalid = client.post(url, {"version": "1", "title": "", "standard": "Kept"}, **HTMX)
    saved = client.post(url, {"version": "1", "title": "Renamed", "standard": "Kept"}, **HTMX)

    assert invalid.status_code == 400
    assert invalid["HX-Retarget"] == f"#non_negotiable-{item.pk}"
    assert invalid["HX-Reswap"] == "outerHTML"
    assert saved.status_code == 200
    assertContains(saved, "<h3>Renamed</h3>")
    item.refresh_from_db()
    assert (item.title, item.version) == ("Renamed", 2)


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_item_conflict_shows_both_texts_and_a_second_save_goes_through(login, leader, draft, headers):
    item = NonNegotiable.objects.get(position=1)
    url = charter_url("item_edit", 1, "non_negotiable", item.pk)
    client = login(leader)
    NonNegotiable.objects.filter(pk=item.pk).update(title="Their title", version=2)

    conflict = client.post(url, {"version": "1", "title": "My title", "standard": "My standard"}, **headers)

    assert conflict.status_code == 409
    assertContains(conflict, "Their title", status_code=409)
    assertContains(conflict, 'value="My title"', status_code=409)
    assertContains(conflict, "My standard", status_code=409)
    assert _form_version(conflict) == "2"
    if headers:
        assert conflict["HX-Retarget"] == f"#non_negotiable-{item.pk}"

    merged = client.post(url, {"version": "2", "title": "Our title", "standard": "My standard"}, **headers)

    assert merged.status_code == (200 if headers else 302)
    item.refresh_from_db()
    assert (item.title, item.version) == ("Our title", 3)


def test_key_result_is_added_to_its_goal(login, leader, draft):
    goal = Goal.objects.get(position=2)

    response = login(leader).post(charter_url("key_result_add", 1, goal.pk),
                                  {"metric": "Visits on time", "unit": "%", "target_value": "95"}, **HTMX)

    assertContains(response, "Visits on time")
    assert KeyResult.objects.get(metric="Visits on time").goal == goal


def test_key_result_confidence_out_of_range_is_400_with_the_reason(login, leader, draft):
    goal = Goal.objects.get(position=1)

    response = login(leader).post(charter_url("key_result_add", 1, goal.pk),
                                  {"metric": "Visits on time", "confidence": "11"}, **HTMX)

    assert response.status_code == 400
    assert response["HX-Retarget"] == f"#key_result-new-{goal.pk}"
    assertContains(response, "Confidence runs from 0", status_code=400)
    assertContains(response, 'value="Visits on time"', status_code=400)


def test_goal_owner_must_be_in_the_team(login, leader, outsider, draft):
    response = login(leader).post(charter_url("item_add", 1, "goal"),
                                  {"objective": "Faster visits", "owner": str(outsider.pk)}, **HTMX)

    assert response.status_code == 400
    assertContains(response, "Select a valid choice", status_code=400)


def test_htmx_delete_returns_the_section_without_the_item(login, leader, draft):
    item = Boundary.objects.get(position=1)

    response = login(leader).post(charter_url("item_action", 1, "boundary", item.pk, "delete"), **HTMX)

    assert response.status_code == 200
    assert_fragment(response)
    assertContains(response, '<section id="boundaries"')
    assertNotContains(response, "Area 1 ")
    assert not Boundary.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize("action, order", [("up", ["Key result 1.2", "Key result 1.1"]),
                                           ("down", ["Key result 1.2", "Key result 1.1"])])
def test_move_without_javascript_reorders_and_redirects(login, leader, draft, action, order):
    goal = Goal.objects.get(position=1)
    mover = goal.key_results.get(position=2 if action == "up" else 1)

    response = login(leader).post(charter_url("item_action", 1, "key_result", mover.pk, action))

    assertRedirects(response, charter_url("detail") + "#goals", fetch_redirect_response=False)
    assert [kr.metric for kr in goal.key_results.order_by("position")] == order


# Refusals: ratified versions, unknown kinds, items of other versions --------------------------------

@pytest.fixture
def ratified(team, write_charter) -> Charter:
    return write_charter(team, state=Charter.State.RATIFIED)


@pytest.mark.parametrize("method, make_url", [
    ("get", lambda: charter_url("section_edit", 1, "purpose")),
    ("post", lambda: charter_url("section_edit", 1, "purpose")),
    ("get", lambda: charter_url("item_add", 1, "goal")),
    ("post", lambda: charter_url("item_add", 1, "non_negotiable")),
    ("post", lambda: charter_url("item_edit", 1, "non_negotiable", NonNegotiable.objects.first().pk)),
    ("post", lambda: charter_url("item_action", 1, "non_negotiable", NonNegotiable.objects.first().pk, "delete")),
    ("post", lambda: charter_url("item_action", 1, "goal", Goal.objects.first().pk, "down")),
])
def test_ratified_version_cannot_change(login, leader, ratified, method, make_url):
    response = getattr(login(leader), method)(make_url(), {"version": "1", "title": "Changed"})

    assert response.status_code == 403
    assert NonNegotiable.objects.count() == 2
    assert not NonNegotiable.objects.filter(title="Changed").exists()


@pytest.mark.parametrize("path", [
    "edit/nonsense/",
    "edit/non_negotiables/",
    "items/widget/new/",
    "items/key_result/new/",  # a key result needs its goal
    "items/widget/1/",
    "items/non_negotiable/999/",
    "items/non_negotiable/1/explode/",
    "items/widget/1/delete/",
    "items/goal/999/key-results/new/",
])
@pytest.mark.parametrize("method", ["get", "post"])
def test_unknown_section_kind_item_or_action_is_404(login, leader, draft, path, method):
    response = getattr(login(leader), method)(charter_url("version", 1) + path)

    buttons_only = path.endswith(("explode/", "delete/"))  # item actions answer GET with 405
    assert response.status_code == (405 if method == "get" and buttons_only else 404)


def test_item_of_another_version_is_404(login, leader, team, write_charter):
    older = write_charter(team, number=1, state=Charter.State.RATIFIED)
    write_charter(team, number=2, state=Charter.State.DRAFT)
    old_item = NonNegotiable.objects.filter(charter=older).first()
    old_goal = Goal.objects.filter(charter=older).first()
    old_kr = KeyResult.objects.filter(goal__charter=older).first()
    client = login(leader)

    assert client.get(charter_url("item_edit", 2, "non_negotiable", old_item.pk)).status_code == 404
    assert client.post(charter_url("item_action", 2, "non_negotiable", old_item.pk, "delete")).status_code == 404
    assert client.get(charter_url("item_edit", 2, "key_result", old_kr.pk)).status_code == 404
    assert client.post(charter_url("key_result_add", 2, old_goal.pk), {"metric": "x"}).status_code == 404
    assert NonNegotiable.objects.filter(pk=old_item.pk).exists()


def test_item_kind_must_match_the_item(login, leader, draft):
    boundary = Boundary.objects.get(position=1)
    if NonNegotiable.objects.filter(pk=boundary.pk).exists():
        NonNegotiable.objects.filter(pk=boundary.pk).delete()

    response = login(leader).get(charter_url("item_edit", 1, "non_negotiable", boundary.pk))

    assert response.status_code == 404


def test_edit_that_races_a_ratification_is_refused_not_500(login, leader, draft, monkeypatch):
    """The version is ratified after the view loaded it but before the save."""
    load = views._editable_charter

    def load_then_ratify_elsewhere(access, number):
        charter = load(access, number)
        Charter.objects.filter(pk=charter.pk).update(state=Charter.State.RATIFIED)
        return charter

    monkeypatch.setattr(views, "_editable_charter", load_then_ratify_elsewhere)
    client = login(leader)
    item = NonNegotiable.objects.get(position=1)
    requests = [
        (charter_url("section_edit", 1, "people"), {"version": "1", "people": "Late"}),
        (charter_url("item_add", 1, "non_negotiable"), {"title": "Late"}),
        (charter_url("item_edit", 1, "non_negotiable", item.pk), {"version": "1", "title": "Late"}),
        (charter_url("item_action", 1, "non_negotiable", item.pk, "delete"), {}),
    ]

    statuses = []
    for url, data in requests:
        Charter.objects.filter(pk=draft.pk).update(state=Charter.State.DRAFT)
        statuses.append(client.post(url, data).status_code)

    assert statuses == [403] * 4
    assert not NonNegotiable.objects.filter(title="Late").exists()
    assert NonNegotiable.objects.filter(pk=item.pk).exists()
    assert Charter.objects.get().people != "Late"


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_editing_an_item_someone_removes_mid_save_keeps_what_was_typed(login, leader, draft, headers, monkeypatch):
    from charters import services

    item = NonNegotiable.objects.get(position=1)
    real_lock = services._lock_editable

    def removed_by_someone_else_first(charter):
        # The other leader's delete commits between this request's read and its write.
        NonNegotiable.objects.filter(pk=item.pk).delete()
        real_lock(charter)

    monkeypatch.setattr(services, "_lock_editable", removed_by_someone_else_first)
    response = login(leader).post(charter_url("item_edit", 1, "non_negotiable", item.pk),
                                  {"version": "1", "title": "My careful title", "standard": "My standard"}, **headers)

    assertContains(response, "Someone removed this while you were editing it", status_code=409)
    assertContains(response, 'value="My careful title"', status_code=409)


def test_a_section_save_without_its_version_is_refused_with_a_message(login, leader, draft):
    response = login(leader).post(charter_url("section_edit", 1, "people"), {"people": "Overwrite blindly"})

    assertContains(response, "missing its version", status_code=400)
    assertContains(response, "Overwrite blindly", status_code=400)
    assert Charter.objects.get().people != "Overwrite blindly"
