"""Querysets of different models read in one UNION ALL (`alignment.one_query`), on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db.models import Exists, F, OuterRef

from alignment.models import Membership, Team
from alignment.one_query import Rows, one_query
from checkins.models import CheckIn

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 30)


@pytest.fixture
def checkins(team, leader, member):
    return [
        CheckIn.objects.create(team=team, author=member, week=MONDAY, state=CheckIn.State.SUBMITTED,
                               submitted_at=datetime(2026, 12, 2, 9, 30, tzinfo=UTC)),
        CheckIn.objects.create(team=team, author=leader, week=MONDAY, state=CheckIn.State.DRAFT),
    ]


def test_each_part_comes_back_as_its_model_with_typed_values_in_one_query(team, leader, member, checkins,
                                                                          django_assert_num_queries):
    led = Membership.objects.filter(team=team, user=OuterRef("author"), is_leader=True)
    with django_assert_num_queries(1):
        people, written = one_query([
            Rows(Membership.objects.filter(team=team), ("team", "user", "is_leader"),
                 {"email": F("user__email")}, order=("email",)),
            Rows(CheckIn.objects.filter(team=team), ("author", "week", "state", "submitted_at"),
                 {"by_a_leader": Exists(led), "team_name": F("team__name")}, order=("submitted_at", "pk")),
        ])

    assert [(m.email, m.is_leader, m.team_id, m.user_id) for m in people] == [
        ("leader@example.com", True, team.pk, leader.pk), ("member@example.com", False, team.pk, member.pk)]
    assert all(isinstance(m, Membership) for m in people)
    submitted, draft = written  # the submitted first: an empty moment sorts last
    assert (submitted.pk, submitted.week, submitted.state, submitted.submitted_at, submitted.by_a_leader) == (
        checkins[0].pk, MONDAY, "submitted", datetime(2026, 12, 2, 9, 30, tzinfo=UTC), False)
    assert (draft.pk, draft.submitted_at, draft.by_a_leader, draft.team_name) == (checkins[1].pk, None, True, team.name)
    assert draft.is_draft and submitted.is_submitted  # the model's own properties work on what was read


def test_a_field_not_asked_for_is_deferred(team, checkins, django_assert_num_queries):
    [[checkin]] = one_query([Rows(CheckIn.objects.filter(pk=checkins[0].pk), ("week",))])
    with django_assert_num_queries(1):  # reading it costs its own query, which page tests would catch
        assert checkin.state == "submitted"


def test_a_part_that_cannot_match_is_left_out_and_none_costs_nothing(team, checkins, django_assert_num_queries):
    with django_assert_num_queries(1):
        nothing, teams = one_query([Rows(CheckIn.objects.filter(team_id__in=[]), ("week",)),
                                    Rows(Team.objects.filter(pk=team.pk), ("name",))])
    assert nothing == [] and [t.name for t in teams] == [team.name]
    with django_assert_num_queries(0):
        assert one_query([Rows(CheckIn.objects.filter(team_id__in=[]), ("week",))]) == [[]]
        assert one_query([]) == []


def test_parts_of_the_same_model_stay_apart(team, checkins):
    drafts, submitted = one_query([Rows(CheckIn.objects.filter(state=CheckIn.State.DRAFT), ("state",)),
                                   Rows(CheckIn.objects.filter(state=CheckIn.State.SUBMITTED), ("state",))])
    assert [c.pk for c in drafts] == [checkins[1].pk] and [c.pk for c in submitted] == [checkins[0].pk]
