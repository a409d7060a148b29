"""The team's week reads the replies and the pulse's sources (asks' requests unclear who decides) ahead with the
rest of the page, together: each read named ahead is the one the page then asks for, so none is read twice and
none is read for nothing; a reader who may see fewer threads has only their own read."""

from __future__ import annotations

import uuid

import pytest

from checkins import selectors
from checkins.models import CheckIn, Reply
from tests import reading_ahead
from tests.checkins.conftest import MONDAY, at, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def read_ahead(monkeypatch):
    return reading_ahead.watch(monkeypatch, selectors)


@pytest.fixture
def threads(team, leader, member, facilitator, frozen):
    """The member's and the facilitator's submitted check-ins of the week, each answered by the leader."""
    frozen(at(4))
    for author in (member, facilitator):
        checkin = CheckIn.objects.create(team=team, author=author, week=MONDAY, state="submitted",
                                         submitted_at=at(1), progress=f"Words of {author.email}")
        Reply.objects.create(check_in=checkin, author=leader, body=f"Thanks, {author.email}", token=uuid.uuid4())


@pytest.mark.parametrize(("reader", "replies", "thanked"), [
    ("leader", "_week_replies", ["member@example.com", "facilitator@example.com"]),
    ("member", "_own_week_replies", ["member@example.com"]),
])
def test_the_week_reads_its_replies_and_pulse_ahead(reader, replies, thanked, request, login, team, threads,
                                                    read_ahead):
    team.checkins_open_to_team = True  # members read the check-ins' words too, and the threads of their own
    team.save(update_fields=["checkins_open_to_team"])

    response = login(request.getfixturevalue(reader)).get(url("week"))

    assert response.status_code == 200
    [reading] = read_ahead
    assert {replies, "_unclear_of_week"} <= reading.named
    assert reading.left == {}
    shown = [email for email in ("member@example.com", "facilitator@example.com") if f"Thanks, {email}" in response.text]
    assert shown == thanked
