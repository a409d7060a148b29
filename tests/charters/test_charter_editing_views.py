"""Editing a charter in place: text sections and list items, with htmx and without JavaScript.

With htmx the edit form is a fragment swapped into the page and a save answers with the
section plus the completeness panel out of band; without JavaScript the form is a page of
its own and a save redirects back to the charter at the section.
"""

from __future__ import annotations

import re

import pytest
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from alignment.confirm import CONFIRMED
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
    lifecycle = '<section id="lifecycle" class="card" aria-labelledby="lifecycle-title" hx-swap-oob="true">'
    assertContains(response, lifecycle)
    content = response.content.decode()
    # The section first (swapped in place), then the panels out of band.
    assert content.index('<section id="people"') < content.index('<section id="completeness"') \
        < content.index(lifecycle)
    charter = Charter.objects.get()
    assert (charter.people, charter.people_version, charter.revision) == ("We *pair*", 2, 2)


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


def test_an_item_edit_page_of_its_own_posts_plainly(login, leader, draft):
    """Opened on its own (a new tab) there is no charter section to swap: htmx must not take the form."""
    item = NonNegotiable.objects.get(position=1)
    url = charter_url("item_edit", 1, "non_negotiable", item.pk)
    client = login(leader)

    page = client.get(url)
    fragment = client.get(url, **HTMX)

    assertContains(page, f'<form method="post" action="{url}">')
    assertNotContains(page, "hx-post")
    assertContains(page, f'<a class="cancel" href="{charter_url("detail")}#non_negotiables">Cancel</a>')
    assertContains(fragment, f'hx-post="{url}" hx-target="#non_negotiables"')


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


def test_key_result_confidence_off_the_scale_is_400_with_the_reason(login, leader, draft):
    goal = Goal.objects.get(position=1)

    response = login(leader).post(charter_url("key_result_add", 1, goal.pk),
                                  {"metric": "Visits on time", "confidence": "11"}, **HTMX)

    assert response.status_code == 400
    assert response["HX-Retarget"] == f"#key_result-new-{goal.pk}"
    assertContains(response, "Select a valid choice", status_code=400)
    assertContains(response, 'value="Visits on time"', status_code=400)


def test_goal_owner_must_be_in_the_team(login, leader, outsider, draft):
    response = login(leader).post(charter_url("item_add", 1, "goal"),
                                  {"objective": "Faster visits", "owner": str(outsider.pk)}, **HTMX)

    assert response.status_code == 400
    assertContains(response, "Select a valid choice", status_code=400)


def test_htmx_delete_returns_the_section_without_the_item(login, leader, draft):
    item = Boundary.objects.get(position=1)

    response = login(leader).post(charter_url("item_action", 1, "boundary", item.pk, "delete"), CONFIRMED, **HTMX)

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

RATIFIED_REASON = "Version 1 is ratified and can no longer change."


@pytest.fixture
def ratified(team, write_charter) -> Charter:
    return write_charter(team, state=Charter.State.RATIFIED)


def _unchanged(charter: Charter) -> None:
    """Nothing of the version was written: its text, its revision and its items."""
    stored = Charter.objects.get(pk=charter.pk)
    assert (stored.state, stored.people, stored.revision) == (charter.state, charter.people, charter.revision)
    assert list(NonNegotiable.objects.filter(charter=charter).values_list("title", "position", "version")) == [
        ("Non-negotiable 1", 1, 1), ("Non-negotiable 2", 2, 1),
    ]
    assert list(Goal.objects.filter(charter=charter).values_list("position", flat=True)) == [1, 2]


@pytest.mark.parametrize("make_url", [
    lambda: charter_url("section_edit", 1, "purpose"),
    lambda: charter_url("item_add", 1, "goal"),
    lambda: charter_url("item_edit", 1, "non_negotiable", NonNegotiable.objects.first().pk),
])
def test_edit_form_of_a_ratified_version_is_403(login, leader, ratified, make_url):
    response = login(leader).get(make_url())

    assert response.status_code == 403
    _unchanged(ratified)


SAVES = [
    pytest.param(lambda: charter_url("section_edit", 1, "people"),
                 {"version": "1", "people": "We changed our minds"}, id="section"),
    pytest.param(lambda: charter_url("item_add", 1, "non_negotiable"),
                 {"title": "We changed our minds"}, id="item-add"),
    pytest.param(lambda: charter_url("item_edit", 1, "non_negotiable", NonNegotiable.objects.first().pk),
                 {"version": "1", "title": "We changed our minds"}, id="item-edit"),
]


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
@pytest.mark.parametrize("make_url, data", SAVES)
def test_save_to_a_ratified_version_shows_the_typed_text_and_the_reason(login, leader, ratified, make_url, data,
                                                                        headers):
    """Was 403. The version was ratified while the leader typed: the form comes back (409) with
    what they typed and why it cannot be saved, and nothing changes."""
    response = login(leader).post(make_url(), data, **headers)

    assertContains(response, RATIFIED_REASON, status_code=409)
    assertContains(response, "We changed our minds", status_code=409)
    _unchanged(ratified)


@pytest.mark.parametrize("make_url", [
    lambda: charter_url("item_action", 1, "non_negotiable", NonNegotiable.objects.first().pk, "delete"),
    lambda: charter_url("item_action", 1, "goal", Goal.objects.first().pk, "down"),
])
def test_delete_or_move_on_a_ratified_version_goes_back_to_the_charter_with_the_reason(login, leader, ratified,
                                                                                      make_url):
    """Was 403. A button has nothing typed to keep: the leader is sent back to the charter page and
    told why, and nothing changes."""
    response = login(leader).post(make_url(), CONFIRMED, follow=True)

    assertRedirects(response, charter_url("detail"))
    assertContains(response, RATIFIED_REASON)
    _unchanged(ratified)


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_save_to_a_discarded_version_goes_back_to_the_charter_and_says_why(login, leader, draft, headers):
    """No longer a 404: the version number no longer exists (the draft was discarded), so the
    leader is sent to the charter page (htmx: the whole page) with the reason."""
    Charter.objects.filter(pk=draft.pk).delete()
    client = login(leader)

    response = client.post(charter_url("section_edit", 1, "people"), {"version": "1", "people": "Late"}, **headers)

    if headers:
        assert response["HX-Redirect"] == charter_url("detail")
    else:
        assertRedirects(response, charter_url("detail"), fetch_redirect_response=False)
    assertContains(client.get(charter_url("detail")), "This version no longer exists: it was discarded.")


def test_a_key_result_for_a_goal_that_is_not_there_is_refused_in_words(login, leader, draft):
    """The goal may have been removed by another leader while this form was open: not a bare 404."""
    url = charter_url("key_result_add", 1, 999)
    client = login(leader)

    opened = client.get(url, follow=True)
    posted = client.post(url, {"metric": "Visits on time", "target_value": "95"})

    assertContains(opened, "The goal you were adding this key result to is no longer in version 1.")
    assertContains(posted, "The goal you were adding this key result to is no longer in version 1.", status_code=409)
    assertContains(posted, 'value="Visits on time"', status_code=409)


@pytest.mark.parametrize("path", [
    "edit/nonsense/",
    "edit/non_negotiables/",
    "items/widget/new/",
    "items/key_result/new/",  # a key result needs its goal
    "items/widget/1/",
    "items/non_negotiable/1/explode/",
    "items/widget/1/delete/",
])
@pytest.mark.parametrize("method", ["get", "post"])
def test_unknown_section_kind_item_or_action_is_404(login, leader, draft, path, method):
    response = getattr(login(leader), method)(charter_url("version", 1) + path)

    buttons_only = path.endswith(("explode/", "delete/"))  # item actions answer GET with 405
    assert response.status_code == (405 if method == "get" and buttons_only else 404)


def test_opening_an_item_that_is_not_there_sends_the_leader_back_with_the_reason(login, leader, draft):
    """No longer a 404: an item that is not in this version (removed meanwhile, say) sends the
    leader back to the charter page with the reason."""
    url = charter_url("item_edit", 1, "non_negotiable", 999)

    response = login(leader).get(url, follow=True)

    assertRedirects(response, charter_url("detail"))
    assertContains(response, "This non-negotiable is no longer in version 1: it was removed meanwhile.")
    _unchanged(draft)


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_saving_an_item_removed_meanwhile_keeps_the_typed_text_with_the_reason(login, leader, draft, headers):
    url = charter_url("item_edit", 1, "non_negotiable", 999)

    response = login(leader).post(url, {"version": "1", "title": "Typed title", "standard": "Typed standard"},
                                  **headers)

    assert response.status_code == 409
    assertContains(response, "it was removed meanwhile", status_code=409)
    assertContains(response, "Typed standard", status_code=409)
    assertContains(response, 'value="Typed title"', status_code=409)
    _unchanged(draft)


def test_item_of_another_version_cannot_be_opened_or_changed_through_this_version(login, leader, team,
                                                                                 write_charter):
    """Its URL under this version refuses it with the reason (no longer a 404); a key result cannot
    be added to another version's goal (409, the typed text kept with the reason)."""
    older = write_charter(team, number=1, state=Charter.State.RATIFIED)
    write_charter(team, number=2, state=Charter.State.DRAFT)
    old_item = NonNegotiable.objects.filter(charter=older).first()
    old_goal = Goal.objects.filter(charter=older).first()
    old_kr = KeyResult.objects.filter(goal__charter=older).first()
    client = login(leader)

    opened = client.get(charter_url("item_edit", 2, "non_negotiable", old_item.pk), follow=True)
    edited = client.post(charter_url("item_edit", 2, "non_negotiable", old_item.pk),
                         {"version": "1", "title": "Changed"}, follow=True)
    client.post(charter_url("item_action", 2, "non_negotiable", old_item.pk, "delete"), CONFIRMED)
    client.post(charter_url("item_action", 2, "non_negotiable", old_item.pk, "down"))
    opened_kr = client.get(charter_url("item_edit", 2, "key_result", old_kr.pk), follow=True)

    assertRedirects(opened, charter_url("detail"))
    assertContains(opened, "This non-negotiable is no longer in version 2")
    assert edited.status_code == 409  # the typed text is kept, with the reason
    assertContains(edited, "This non-negotiable is no longer in version 2", status_code=409)
    assertContains(opened_kr, "This key result is no longer in version 2")
    assert client.post(charter_url("key_result_add", 2, old_goal.pk), {"metric": "x"}).status_code == 409  # refused in words, the typed text kept
    _unchanged(older)
    assert KeyResult.objects.filter(goal=old_goal).count() == 2


def test_item_kind_must_match_the_item(login, leader, draft):
    boundary = Boundary.objects.get(position=1)
    if NonNegotiable.objects.filter(pk=boundary.pk).exists():
        NonNegotiable.objects.filter(pk=boundary.pk).delete()

    response = login(leader).get(charter_url("item_edit", 1, "non_negotiable", boundary.pk), follow=True)

    assertRedirects(response, charter_url("detail"))
    assertContains(response, "This non-negotiable is no longer in version 1")
    assertNotContains(response, 'class="card edit-form"')


def _ratify_elsewhere(charter: Charter) -> None:
    Charter.objects.filter(pk=charter.pk).update(state=Charter.State.RATIFIED)


def _discard_elsewhere(charter: Charter) -> None:
    Charter.objects.filter(pk=charter.pk).delete()


@pytest.mark.parametrize("meanwhile, reason", [
    (_ratify_elsewhere, RATIFIED_REASON),
    (_discard_elsewhere, "This version no longer exists: it was discarded."),
], ids=["ratified", "discarded"])
@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
@pytest.mark.parametrize("make_url, data", SAVES)
def test_save_that_races_a_ratification_or_discard_keeps_the_typed_text(login, leader, draft, monkeypatch,
                                                                        meanwhile, reason, headers, make_url, data):
    """Was 403. The version is ratified or discarded after the view loaded it but before the
    save: the form comes back (409) with what was typed and the reason, and nothing is saved."""
    from charters import services

    def after_someone_else(save):
        def save_late(**kwargs):
            meanwhile(draft)
            return save(**kwargs)
        return save_late

    monkeypatch.setitem(services.UPDATE_SECTION, "people", after_someone_else(services.update_people))
    monkeypatch.setattr(services, "add_item", after_someone_else(services.add_item))
    monkeypatch.setattr(services, "update_item", after_someone_else(services.update_item))

    response = login(leader).post(make_url(), data, **headers)

    assertContains(response, reason, status_code=409)
    assertContains(response, "We changed our minds", status_code=409)
    if headers:
        assert_fragment(response)
    assert not NonNegotiable.objects.filter(title="We changed our minds").exists()
    assert not Charter.objects.filter(people="We changed our minds").exists()


def test_delete_that_races_a_ratification_goes_back_to_the_charter_with_the_reason(login, leader, draft,
                                                                                  monkeypatch):
    """Was 403. The button's refusal is a message on the charter page; the item stays."""
    from charters import services

    real_delete = services.delete_item

    def delete_late(**kwargs):
        _ratify_elsewhere(draft)
        return real_delete(**kwargs)

    monkeypatch.setattr(services, "delete_item", delete_late)
    item = NonNegotiable.objects.get(position=1)

    response = login(leader).post(charter_url("item_action", 1, "non_negotiable", item.pk, "delete"), CONFIRMED,
                                  follow=True)

    assertRedirects(response, charter_url("detail"))
    assertContains(response, RATIFIED_REASON)
    assert NonNegotiable.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_editing_an_item_someone_removes_mid_save_keeps_what_was_typed(login, leader, draft, headers, monkeypatch):
    from charters import services

    item = NonNegotiable.objects.get(position=1)
    real_update = services.update_item

    def removed_by_someone_else_first(**kwargs):
        # The other leader's delete commits between this request's read and its write.
        NonNegotiable.objects.filter(pk=item.pk).delete()
        return real_update(**kwargs)

    monkeypatch.setattr(services, "update_item", removed_by_someone_else_first)
    response = login(leader).post(charter_url("item_edit", 1, "non_negotiable", item.pk),
                                  {"version": "1", "title": "My careful title", "standard": "My standard"}, **headers)

    assertContains(response, "Someone removed this while you were editing it", status_code=409)
    assertContains(response, 'value="My careful title"', status_code=409)
    assert not NonNegotiable.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_adding_a_key_result_to_a_goal_someone_removes_mid_save_keeps_what_was_typed(login, leader, draft, headers,
                                                                                   monkeypatch):
    from charters import services

    goal = Goal.objects.get(position=1)
    real_add = services.add_item

    def goal_removed_by_someone_else_first(**kwargs):
        Goal.objects.filter(pk=goal.pk).delete()
        return real_add(**kwargs)

    monkeypatch.setattr(services, "add_item", goal_removed_by_someone_else_first)
    response = login(leader).post(charter_url("key_result_add", 1, goal.pk), {"metric": "Visits on time"}, **headers)

    assertContains(response, "The goal you were adding this key result to was removed meanwhile", status_code=409)
    assertContains(response, 'value="Visits on time"', status_code=409)
    assert not KeyResult.objects.filter(metric="Visits on time").exists()


def test_a_section_save_without_its_version_is_refused_with_a_message(login, leader, draft):
    response = login(leader).post(charter_url("section_edit", 1, "people"), {"people": "Overwrite blindly"})

    assertContains(response, "missing its version", status_code=400)
    assertContains(response, "Overwrite blindly", status_code=400)
    assert Charter.objects.get().people != "Overwrite blindly"
