"""Closing a cycle before its end date asks first, with a summary, and says whether a retrospective was held."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from alignment.confirm import CONFIRMED
from checkins.models import Commitment
from reviews.models import CycleCommitment, Retrospective, ReviewCycle
from tests.charters.factories import ratified_charter

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def running(team, leader, frozen):
    """A six-week cycle from 2 Nov 2026 (to 14 Dec); today is 20 Nov, 24 days before its end."""
    frozen(datetime(2026, 11, 2, 9, tzinfo=LONDON))
    ratified_charter(team, leader, goals=2)
    frozen(datetime(2026, 11, 20, 9, tzinfo=LONDON))
    return ReviewCycle.objects.get(team=team)


def url(name: str, team, *args) -> str:
    return reverse(f"reviews:{name}", args=[team.organisation.slug, team.slug, *args])


def test_closing_early_without_confirmation_asks_and_changes_nothing(login, team, leader, member, running):
    kept = Commitment.objects.create(team=team, owner=member, title="Runbook", standard="Done",
                                     due_on=date(2026, 12, 1))

    response = login(leader).post(url("close_cycle", team, 1), {"carry": [kept.pk], "summary": "Reorganised."})

    assert response.status_code == 200
    assertContains(response, "Close cycle 1 early?")
    assertContains(response, "closing it today ends it 24 days early")
    assertContains(response, "0 of 2 key results are at target.")
    assertContains(response, "No retrospective was held for this cycle.")
    assertContains(response, f'href="{url("retrospectives", team)}">Start the retrospective first</a>')
    assertContains(response, f'<input type="hidden" name="carry" value="{kept.pk}">')
    assertContains(response, ">\nReorganised.</textarea>")
    assert ReviewCycle.objects.get(pk=running.pk).is_open and ReviewCycle.objects.count() == 1


def test_closing_early_confirmed_needs_a_summary(login, team, leader, running):
    response = login(leader).post(url("close_cycle", team, 1), {**CONFIRMED, "summary": "  "})

    assertContains(response, "Write a summary before closing the cycle early", status_code=400)
    assert ReviewCycle.objects.get(pk=running.pk).is_open


def test_closing_early_confirmed_with_a_summary_closes_and_keeps_the_planned_end(login, team, leader, member,
                                                                                 running):
    kept = Commitment.objects.create(team=team, owner=member, title="Runbook", standard="Done",
                                     due_on=date(2026, 12, 1))
    client = login(leader)

    response = client.post(url("close_cycle", team, 1), {**CONFIRMED, "carry": [kept.pk],
                                                          "summary": "The clinic merger reset our goals."},
                           follow=True)

    closed = ReviewCycle.objects.get(pk=running.pk)
    assert (closed.state, closed.end_date, closed.planned_end_date) == ("closed", date(2026, 11, 20),
                                                                        date(2026, 12, 14))
    assert closed.summary.startswith("The clinic merger reset our goals.")
    assert "closed with 0 of 2 key results at target" in closed.summary
    assertContains(response, "Cycle 1 is closed early.")
    assert CycleCommitment.objects.filter(cycle__number=2, commitment=kept).exists()
    page = client.get(url("cycle", team, 1))
    assertContains(page, "24 days before its planned end (14 Dec 2026)")


def test_the_cycle_page_asks_with_javascript_too(login, team, leader, running):
    body = login(leader).get(url("cycle", team, 1)).content.decode()

    assert 'data-confirm="Close cycle 1 early?"' in body
    assert 'data-confirm-yes="Yes, close cycle 1 early"' in body
    assert "No retrospective was held for this cycle." in body
    assert '<textarea name="summary" cols="40" rows="3"' in body and "required" in body


def test_a_retrospective_under_way_is_named_not_called_held(login, team, leader, running):
    Retrospective.objects.create(team=team, cycle=running, phase="vote")

    response = login(leader).post(url("close_cycle", team, 1))

    assertContains(response, "The cycle&#x27;s retrospective is not finished: it is at “Vote”.")
    assertContains(response, "Finish the retrospective first")


def test_closing_on_or_after_the_end_date_asks_nothing(login, team, leader, running, frozen):
    frozen(datetime(2026, 12, 14, 9, tzinfo=LONDON))

    response = login(leader).post(url("close_cycle", team, 1))

    assert response.status_code == 302
    closed = ReviewCycle.objects.get(pk=running.pk)
    assert closed.is_closed and closed.planned_end_date is None


def test_a_member_cannot_close_early_even_confirmed(login, team, member, running):
    assert login(member).post(url("close_cycle", team, 1), {**CONFIRMED, "summary": "x"}).status_code == 403
    assert ReviewCycle.objects.get(pk=running.pk).is_open


@pytest.mark.parametrize("size", [1, 4])
def test_the_question_costs_the_same_whatever_the_cycle_holds(login, team, leader, member, frozen, size,
                                                              django_assert_num_queries):
    frozen(datetime(2026, 11, 2, 9, tzinfo=LONDON))
    ratified_charter(team, leader, goals=size)
    for n in range(size):
        Commitment.objects.create(team=team, owner=member, title=f"Commitment {n}", standard="Done",
                                  due_on=date(2026, 12, 1))
    frozen(datetime(2026, 11, 20, 9, tzinfo=LONDON))
    client = login(leader)

    # 1 the user, 2 the person's memberships (the access check, the header's team switcher and the header's
    # bell's unread count), 3 the cycle (is it closing early?); the cycle page's: 4 the cycle with its
    # retrospective, 5 its key results as in force with where each stands, 6 its decisions, 7 its check-ins by
    # week, 8 blockers, 9 its commitments with the open ones, 10 the non-negotiables' health.
    with django_assert_num_queries(10):
        response = client.post(url("close_cycle", team, 1), {"summary": "Reorganised."})

    assertContains(response, f"0 of {size} key results are at target.")
