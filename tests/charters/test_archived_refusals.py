"""Charter forms sent after a leader archived the team: refused in place (409), with the text kept.

A member's comment or response, and a leader's open editor, come back as typed with the reason;
htmx swaps the answer in (409 is in base.html's `htmx-config`), and without JavaScript it is the page.
"""

from __future__ import annotations

import pytest
from pytest_django.asserts import assertContains

from alignment import services as team_services
from alignment.permissions import ARCHIVED_REFUSAL
from charters.models import Charter, Comment, NonNegotiable, Response
from tests.charters.conftest import charter_url

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ARCHIVED = 409


@pytest.fixture
def archive(team, leader):
    return lambda: team_services.archive_team(team=team, actor=leader)


def assert_refused_in_place(response, *typed: str, page: bool) -> None:
    assert response.status_code == ARCHIVED
    assertContains(response, ARCHIVED_REFUSAL, status_code=ARCHIVED)
    for text in typed:
        assertContains(response, text, status_code=ARCHIVED)
    assert (b"<html" in response.content) is page


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_a_comment_sent_after_the_archive_comes_back_with_its_text(login, member, team, write_charter, archive,
                                                                  headers):
    write_charter(team, state=Charter.State.PROPOSED)
    client = login(member)
    archive()

    response = client.post(charter_url("comment_create", 1), {"section": "purpose", "body": "What about carers?"},
                           **headers)

    assert_refused_in_place(response, "What about carers?", page=not headers)
    assert not Comment.objects.exists()


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_an_objection_sent_after_the_archive_comes_back_with_its_reason(login, member, team, write_charter,
                                                                       archive, headers):
    proposed = write_charter(team, state=Charter.State.PROPOSED)
    client = login(member)
    archive()

    response = client.post(charter_url("respond", 1), {"kind": "objection", "reason": "Carers are missing",
                                                       "revision": str(proposed.revision)}, **headers)

    assert_refused_in_place(response, "Carers are missing</textarea>", 'id="consent"', page=not headers)
    assert not Response.objects.exists()


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_an_item_edit_saved_after_the_archive_comes_back_with_its_text(login, leader, team, write_charter,
                                                                      archive, headers):
    write_charter(team, state=Charter.State.DRAFT)
    item = NonNegotiable.objects.get(position=1)
    client = login(leader)
    archive()

    response = client.post(charter_url("item_edit", 1, "non_negotiable", item.pk),
                           {"version": "1", "title": "Pair on risky changes", "standard": "Two names on the PR"},
                           **headers)

    assert_refused_in_place(response, 'value="Pair on risky changes"', "Two names on the PR", page=not headers)
    if headers:
        assert response["HX-Retarget"] == f"#non_negotiable-{item.pk}"
    item.refresh_from_db()
    assert (item.title, item.version) == ("Non-negotiable 1", 1)


def test_a_section_edit_saved_after_the_archive_comes_back_with_its_text(login, leader, team, write_charter,
                                                                        archive):
    write_charter(team, state=Charter.State.DRAFT)
    client = login(leader)
    archive()

    response = client.post(charter_url("section_edit", 1, "people"), {"version": "1", "people": "We *pair*"})

    assert_refused_in_place(response, "We *pair*</textarea>", page=True)
    assert Charter.objects.get().people != "We *pair*"


def test_the_editor_itself_stays_closed_on_an_archived_team(login, leader, team, write_charter, archive):
    write_charter(team, state=Charter.State.DRAFT)
    archive()

    assert login(leader).get(charter_url("section_edit", 1, "people")).status_code == 403


def test_a_member_still_may_not_edit_after_the_archive(login, member, team, write_charter, archive):
    write_charter(team, state=Charter.State.DRAFT)
    archive()

    response = login(member).post(charter_url("section_edit", 1, "people"), {"version": "1", "people": "Mine"})

    assert response.status_code == 403
