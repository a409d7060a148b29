"""A decision's review date: set when logging it or recording the final call, shown in the log, due in the
leaders' My week and as an all-day event in their calendar feed, and cleared or moved by "mark reviewed".

The team's zone is Europe/London. Time moves by passing `now=`, or with the `frozen` clock for pages.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from alignment import my_week
from alignment.errors import ActionRefused
from alignment.models import Membership, Team
from alignment.permissions import memberships_of
from charters.models import Charter
from decisions import services
from decisions.calendar import review_dates
from decisions.models import Decision
from tests.decisions.conftest import decision_url

LONDON = zoneinfo.ZoneInfo("Europe/London")
REVIEW = date(2026, 11, 20)  # a Friday
BEFORE, ON = datetime(2026, 11, 19, 23, 30, tzinfo=LONDON), datetime(2026, 11, 20, 0, 30, tzinfo=LONDON)


def week_kinds(person, now) -> list[str]:
    return [line.item.kind for line in my_week.my_week(person, memberships_of(person), now).lines
            if line.item.kind == "decision_review"]


@pytest.fixture
def decision(team, leader, member, write_charter, log_decisions) -> Decision:
    write_charter(team, state=Charter.State.RATIFIED)
    decision = log_decisions(team, 1)[0]
    Decision.objects.filter(pk=decision.pk).update(review_on=REVIEW)
    decision.refresh_from_db()
    return decision


def test_logging_a_proposal_keeps_its_review_date(login, team, member, write_charter):
    write_charter(team, state=Charter.State.RATIFIED)
    login(member).post(decision_url("create"), {"title": "Weekend rota", "purpose_effect": "advances",
                                                "metric_effect": "improves", "review_on": "2026-12-01"})

    assert Decision.objects.get().review_on == date(2026, 12, 1)


def test_the_final_call_sets_or_clears_the_review_date(login, leader, decision):
    client = login(leader)
    client.post(decision_url("detail", decision.pk), {"outcome": "proceed", "reason": "", "version": decision.version,
                                                      "review_on": "2027-01-15"})
    assert Decision.objects.get().review_on == date(2027, 1, 15)

    client.post(decision_url("detail", decision.pk), {"outcome": "proceed", "reason": "", "version":
                                                      decision.version + 1, "review_on": ""})
    assert Decision.objects.get().review_on is None


def test_the_log_shows_the_review_date_and_when_it_is_due(login, member, decision, frozen):
    frozen(ON)
    assertContains(login(member).get(decision_url("list")), "20 Nov 2026 <span class=\"badge\">review due</span>")


def test_my_week_shows_the_leaders_a_due_review_from_that_day_in_the_teams_zone(leader, member, decision):
    assert week_kinds(leader, BEFORE) == []
    assert week_kinds(leader, ON) == ["decision_review"]
    assert week_kinds(member, ON) == []  # the final calls are the leaders'


def test_marking_it_reviewed_takes_it_out_of_my_week_or_moves_it(leader, decision):
    services.mark_reviewed(decision=decision, actor=leader, next_review_on=date(2026, 12, 18), now=ON)
    assert week_kinds(leader, ON) == []
    assert week_kinds(leader, datetime(2026, 12, 18, 9, tzinfo=LONDON)) == ["decision_review"]

    services.mark_reviewed(decision=decision, actor=leader, now=datetime(2026, 12, 18, 9, tzinfo=LONDON))
    decision.refresh_from_db()
    assert (decision.review_on, decision.reviewed_by) == (None, leader)
    with pytest.raises(ActionRefused, match="no review date"):
        services.mark_reviewed(decision=decision, actor=leader)


def test_the_next_review_date_must_be_after_today(leader, decision):
    with pytest.raises(ActionRefused, match="must be after today"):
        services.mark_reviewed(decision=decision, actor=leader, next_review_on=REVIEW, now=ON)


def test_a_refused_mark_reviewed_keeps_the_typed_date_with_why(login, leader, decision, frozen):
    frozen(ON)
    response = login(leader).post(decision_url("reviewed", decision.pk), {"next_review_on": "2026-11-01"})

    assertContains(response, "must be after today", status_code=400)
    assertContains(response, 'value="2026-11-01"', status_code=400)
    assert Decision.objects.get().review_on == REVIEW


def test_the_leaders_calendar_has_the_review_as_an_all_day_event(leader, member, decision):
    start, end = datetime(2026, 11, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)

    (event,) = review_dates(leader, start, end)

    assert (event.start, event.end) == (datetime(2026, 11, 20, tzinfo=LONDON), datetime(2026, 11, 21, tzinfo=LONDON))
    assert event.title == "Platform: review the decision “Proposal 0”"
    assert event.url == decision_url("detail", decision.pk) + "#review"
    assert review_dates(member, start, end) == []
    Team.objects.filter(pk=decision.team_id).update(archived_at=ON)
    assert review_dates(leader, start, end) == []


@pytest.mark.parametrize("teams", [1, 12])
def test_my_week_and_the_feed_cost_the_same_for_1_team_or_12(teams, organisation, leader, make_user,
                                                              django_assert_num_queries):
    for n in range(teams):
        team = Team.objects.create(organisation=organisation, name=f"Team {n}", slug=f"team-{n}",
                                   time_zone=["Europe/London", "Asia/Tokyo", "America/New_York"][n % 3])
        Membership.objects.create(team=team, user=leader, is_leader=True)
        Decision.objects.bulk_create(
            Decision(team=team, title=f"Proposal {k}", purpose_effect="advances", metric_effect="improves",
                     verdict="yes", review_on=REVIEW - timedelta(days=k)) for k in range(3))
    memberships = memberships_of(leader)
    from decisions.my_week import source

    # 1. the decisions of the teams I lead whose review date has come (the teams are already loaded)
    with django_assert_num_queries(1):
        items = source.load(leader, memberships, ON + timedelta(days=1))  # due in every zone by then
    assert len(items) == teams * 3

    # 1. the decisions dated in the window of the teams I lead, with their teams and organisations
    with django_assert_num_queries(1):
        events = review_dates(leader, datetime(2026, 11, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert len(events) == teams * 3
    first = Decision.objects.filter(team__slug="team-0").first()
    assert reverse("decisions:detail", args=["harbour", "team-0", first.pk]) in {e.url.split("#")[0] for e in events}
