"""A form left open while a leader archived the team: refused in place, with the reason and the text kept.

The refusal is 409: htmx swaps it into the page (the `htmx-config` in base.html), and without
JavaScript it is an ordinary page with the form as typed. Someone whose role never allowed the form
still gets the 403 page; someone outside the team, 404.
"""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from alignment import services as team_services
from alignment.permissions import ARCHIVED_REFUSAL
from checkins.models import CheckIn, Commitment, Renegotiation, Reply
from tests.checkins.conftest import MONDAY, at, form_data, url

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ARCHIVED = 409
NEW = {"title": "Alert inventory", "standard": "Every alert has an owner", "due_on": "2026-12-04"}


@pytest.fixture
def archive(team, leader, frozen):
    """`archive()`: a leader archives the team while the others' forms are still open."""
    frozen(at(2))
    return lambda: team_services.archive_team(team=team, actor=leader)


def assert_refused_in_place(response, *typed: str) -> None:
    assert response.status_code == ARCHIVED
    assertContains(response, ARCHIVED_REFUSAL, status_code=ARCHIVED)
    for text in typed:
        assertContains(response, text, status_code=ARCHIVED)


# The check-in --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["save_draft", "submit"])
def test_a_check_in_sent_after_the_archive_comes_back_with_its_text(login, member, charter, archive, name):
    client = login(member)
    archive()

    response = client.post(url(name), form_data(progress="Shipped the rota export", strain_note="Paged alone"))

    assert_refused_in_place(response, "<html", "Shipped the rota export</textarea>", "Paged alone</textarea>")
    assert not CheckIn.objects.exists()


def test_saving_as_one_types_says_why_in_the_status_line(login, member, charter, archive):
    client = login(member)
    archive()

    response = client.post(url("save_draft"), form_data(progress="Half a thought"), **HTMX)

    assert_refused_in_place(response, 'id="draft-status"')
    assertNotContains(response, "<html", status_code=ARCHIVED)  # the page and its text stay as they are
    assert not CheckIn.objects.exists()


def test_a_leader_who_never_checks_in_still_gets_403(login, leader, archive):
    archive()

    assert login(leader).post(url("submit"), form_data()).status_code == 403


def test_an_outsider_still_gets_404(login, outsider, archive):
    archive()

    assert login(outsider).post(url("submit"), form_data()).status_code == 404


# Commitments ---------------------------------------------------------------------------------------

@pytest.fixture
def kept(team, member):
    return Commitment.objects.create(team=team, owner=member, created_by=member, title="Failover runbook",
                                     standard="Tested", due_on=date(2026, 12, 1))


def test_a_new_commitment_sent_after_the_archive_comes_back_with_its_text(login, member, archive):
    client = login(member)
    archive()

    response = client.post(url("create_commitment"), NEW)

    assert_refused_in_place(response, 'value="Alert inventory"', "Every alert has an owner</textarea>")
    assert not Commitment.objects.exists()


def test_a_leaders_request_sent_after_the_archive_comes_back_with_its_text(login, leader, member, archive):
    client = login(leader)
    archive()

    response = client.post(url("ask_commitment"), NEW | {"owner": str(member.pk)})

    assert_refused_in_place(response, 'value="Alert inventory"', "Ask someone to commit")
    assert not Commitment.objects.exists()


def test_a_renegotiation_sent_after_the_archive_comes_back_with_its_reason(login, member, kept, archive):
    client = login(member)
    archive()

    response = client.post(url("renegotiate", kept.pk), {"kind": "drop", "reason": "The rota changed"})

    assert_refused_in_place(response, "The rota changed</textarea>")
    assert not Renegotiation.objects.exists()


def test_a_member_cannot_ask_someone_to_commit_even_before_the_archive_says_so(login, member, archive):
    archive()

    assert login(member).post(url("ask_commitment"), NEW | {"owner": str(member.pk)}).status_code == 403


# Replies -------------------------------------------------------------------------------------------

@pytest.fixture
def submitted(team, member):
    return CheckIn.objects.create(team=team, author=member, week=MONDAY, state="submitted", submitted_at=at(1),
                                  progress="A quiet week")


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_reply_sent_after_the_archive_comes_back_with_its_text(login, member, submitted, archive, headers):
    client = login(member)
    archive()

    response = client.post(url("reply", submitted.pk), {"body": "Thanks, I will", "token": str(uuid.uuid4())},
                           **headers)

    assert_refused_in_place(response, "Thanks, I will</textarea>")
    assert not Reply.objects.exists()
