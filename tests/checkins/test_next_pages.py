"""`next` on the leader's answers (decide, acknowledge, reply) is only ever a path on this site.

A crafted value (a bare name, another site, a scheme) used to be handed to `redirect()`, which
answered 500 after the write had committed. Now it is ignored: the write happens once and the
answer is the page's own default.
"""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from alignment.next_page import local_path
from checkins.models import CheckIn, Commitment, Renegotiation, Reply
from tests.checkins.conftest import MONDAY, at, url

pytestmark = pytest.mark.django_db

CRAFTED = ["summary", "//evil.example", "https://evil.example/", "javascript:alert(1)", "/\\evil.example",
           "http:/evil.example"]


@pytest.fixture
def submitted(team, member, frozen):
    frozen(at(3))
    return CheckIn.objects.create(team=team, author=member, week=MONDAY, state="submitted", submitted_at=at(2),
                                  progress="A quiet week")


@pytest.fixture
def pending(team, member):
    commitment = Commitment.objects.create(team=team, owner=member, created_by=member, title="Failover runbook",
                                           standard="Tested", due_on=date(2026, 12, 1))
    return Renegotiation.objects.create(commitment=commitment, kind="drop", reason="Rota changed", asked_by=member,
                                        was_due_on=commitment.due_on, was_owner=member)


@pytest.mark.parametrize("crafted", CRAFTED)
def test_deciding_with_a_crafted_next_decides_once_and_goes_to_the_week(login, leader, pending, crafted):
    client = login(leader)

    first = client.post(url("decide_renegotiation", pending.pk), {"decision": "accept", "next": crafted})
    again = client.post(url("decide_renegotiation", pending.pk), {"decision": "accept", "next": crafted})

    assert (first.status_code, first["Location"]) == (302, url("week"))
    assert (again.status_code, again["Location"]) == (302, url("week"))  # refused in words, on the same page
    pending.refresh_from_db()
    assert pending.state == "accepted"


@pytest.mark.parametrize("crafted", CRAFTED)
def test_acknowledging_with_a_crafted_next_acknowledges_once_and_goes_to_the_check_in(login, leader, submitted,
                                                                                     crafted):
    response = login(leader).post(url("acknowledge", submitted.pk), {"next": crafted})

    assert response.status_code == 302
    assert response["Location"] == url("checkin", submitted.pk) + f"#checkin-{submitted.pk}"
    submitted.refresh_from_db()
    assert submitted.acknowledged_by == leader


@pytest.mark.parametrize("crafted", CRAFTED)
def test_replying_with_a_crafted_next_replies_once_and_goes_to_the_check_in(login, leader, submitted, crafted):
    token = str(uuid.uuid4())
    client = login(leader)

    first = client.post(url("reply", submitted.pk), {"body": "Noted", "token": token, "next": crafted})
    again = client.post(url("reply", submitted.pk), {"body": "Noted", "token": token, "next": crafted})

    for response in (first, again):
        assert (response.status_code, response["Location"]) == (302, url("checkin", submitted.pk)
                                                                + f"#thread-{submitted.pk}")
    assert Reply.objects.count() == 1


def test_a_reply_refused_with_htmx_does_not_carry_a_crafted_next_into_the_form(login, leader, submitted):
    response = login(leader).post(url("reply", submitted.pk),
                                  {"body": "", "token": str(uuid.uuid4()), "next": "javascript:alert(1)"},
                                  HTTP_HX_REQUEST="true")

    assert response.status_code == 400 and "javascript:" not in response.content.decode()


def test_a_path_on_this_site_is_followed_without_its_anchor(login, leader, submitted):
    response = login(leader).post(url("acknowledge", submitted.pk), {"next": url("week") + "?week=2026-11-16#x"})

    assert response["Location"] == url("week") + f"?week=2026-11-16#checkin-{submitted.pk}"


@pytest.mark.parametrize(("asked", "kept"), [
    ("/o/harbour/t/platform/check-ins/week/", "/o/harbour/t/platform/check-ins/week/"),
    ("/", "/"),
    ("summary", None), ("//evil.example", None), ("///evil.example", None), ("/\\evil.example", None),
    ("https://evil.example/", None), ("javascript:alert(1)", None), ("/\t/evil.example", None), ("", None),
    (None, None),
])
def test_only_a_path_on_this_site_is_a_local_path(asked, kept):
    assert local_path(asked) == kept
