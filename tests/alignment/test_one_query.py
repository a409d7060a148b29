"""Querysets of different models read in one UNION ALL (`alignment.one_query`), on SQLite and PostgreSQL alike."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import DatabaseError, DataError, OperationalError, connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from alignment import one_query as one_query_module
from alignment.models import Membership, Team
from alignment.one_query import AmongIds, Read, Rows, Shaped, one_query, read_shaped, read_together, reading_ahead
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


# Shaped parts: compiled once per shape, then only given new inputs ----------------------------------------

built = Counter()  # how many times each builder below made its Rows


def weeks_of(teams: list[int], weeks: list, person: int, since: datetime, state: str) -> Rows:
    built["weeks_of"] += 1
    return Rows(CheckIn.objects.filter(team_id__in=teams, week__in=weeks, state=state)
                .filter(Q(author_id=person) | Q(submitted_at__gte=since)),
                ("author", "week", "state"), {"team_name": F("team__name")}, order=("pk",))


def the_day_after(day: date) -> Rows:
    built["the_day_after"] += 1
    return Rows(CheckIn.objects.filter(week=day + timedelta(days=1)), ("week",))  # derives a value: not kept


def written_since_now(person: int) -> Rows:
    built["written_since_now"] += 1
    return Rows(CheckIn.objects.filter(author_id=person, submitted_at__lte=timezone.now()), ("week",))


@pytest.fixture(autouse=True)
def _shapes_learnt_afresh():
    one_query_module._shapes.clear()
    built.clear()


def weeks_part(team, person, weeks, since=datetime(2026, 1, 1, tzinfo=UTC), state="submitted") -> Shaped:
    return Shaped(weeks_of, {"teams": [team.pk], "weeks": weeks, "person": person.pk, "since": since, "state": state})


def test_a_shaped_part_is_compiled_once_per_shape_and_reads_what_a_fresh_compile_reads(
        team, leader, member, checkins, django_assert_num_queries):
    earlier = CheckIn.objects.create(team=team, author=member, week=MONDAY - timedelta(weeks=1), state="submitted",
                                     submitted_at=datetime(2026, 11, 25, tzinfo=UTC))
    with django_assert_num_queries(1):
        [first] = one_query([weeks_part(team, member, [MONDAY, MONDAY - timedelta(weeks=1)])])
    assert built["weeks_of"] == 3  # two sets of stand-ins and the real inputs, to learn the shape
    assert [(c.pk, c.week, c.team_name) for c in first] == [
        (checkins[0].pk, MONDAY, team.name), (earlier.pk, earlier.week, team.name)]

    # The same shape with other inputs: nothing is built or compiled, the new values are bound.
    with django_assert_num_queries(2):
        [again] = one_query([weeks_part(team, leader, [MONDAY - timedelta(weeks=1), MONDAY - timedelta(weeks=2)],
                                        since=datetime(2026, 12, 1, tzinfo=UTC))])
        [drafts] = one_query([weeks_part(team, leader, [MONDAY, MONDAY - timedelta(weeks=2)], state="draft")])
    assert built["weeks_of"] == 3
    assert [c.pk for c in again] == []  # neither the leader's nor submitted since 1 Dec in those weeks
    assert [c.pk for c in drafts] == [checkins[1].pk]
    fresh = one_query([weeks_of([team.pk], [MONDAY, MONDAY - timedelta(weeks=2)], leader.pk,
                                datetime(2026, 1, 1, tzinfo=UTC), "draft")])
    assert [[c.pk for c in part] for part in fresh] == [[c.pk for c in drafts]]
    built.clear()

    # A list of another length is another shape, learnt once.
    one_query([weeks_part(team, member, [MONDAY])])
    one_query([weeks_part(team, leader, [MONDAY - timedelta(weeks=3)])])
    assert built["weeks_of"] == 3


def test_a_shape_with_an_empty_list_reads_nothing_and_costs_nothing(team, member, checkins,
                                                                   django_assert_num_queries):
    with django_assert_num_queries(0):
        assert one_query([weeks_part(team, member, [])]) == [[]]
        assert one_query([weeks_part(team, member, [])]) == [[]]
    assert [c.pk for c in one_query([weeks_part(team, member, [MONDAY])])[0]] == [checkins[0].pk]


def test_a_builder_that_derives_a_value_or_reads_the_clock_is_compiled_every_time(team, member, checkins):
    assert [c.pk for c in one_query([Shaped(the_day_after, {"day": MONDAY - timedelta(days=1)})])[0]] == [
        checkins[0].pk, checkins[1].pk]
    assert one_query([Shaped(the_day_after, {"day": MONDAY})]) == [[]]  # not the first call's value, bound again
    assert built["the_day_after"] == 3 + 1  # learnt once, found not to keep, then built each time

    assert [c.pk for c in one_query([Shaped(written_since_now, {"person": member.pk})])[0]] == [checkins[0].pk]
    one_query([Shaped(written_since_now, {"person": member.pk})])
    assert built["written_since_now"] == 3 + 1


def test_inputs_are_numbers_text_days_and_moments_or_lists_of_one_kind(team, member):
    with pytest.raises(TypeError, match="mixes"):
        one_query([weeks_part(team, member, [MONDAY, 3])])
    with pytest.raises(TypeError, match="no input of type"):
        one_query([Shaped(weeks_of, {"teams": [team], "weeks": [], "person": 1, "since": None, "state": ""})])


# Whole querysets read with their SQL compiled once per shape (`read_shaped`) -------------------------------


def checkins_with_teams(team: int, weeks: list, state: str):
    built["checkins_with_teams"] += 1
    leads = Membership.objects.filter(team=OuterRef("team"), user=OuterRef("author"), is_leader=True)
    return (CheckIn.objects.filter(team_id=team, week__in=weeks, state=state)
            .select_related("team__organisation", "author").annotate(by_a_leader=Exists(leads))
            .prefetch_related("team__memberships").order_by("pk"))


def weeks_counted(team: int, since: date):
    built["weeks_counted"] += 1
    return (CheckIn.objects.filter(team_id=team, week__gte=since).order_by("state").values("state")
            .annotate(n=Count("pk")).values_list("state", "n"))


def checkins_of_team(team: int):
    built["checkins_of_team"] += 1
    return Team(pk=team).checkins.all()  # its rows are given the caller's team: not a shape to keep


@pytest.fixture(autouse=True)
def _queries_learnt_afresh():
    one_query_module._queries.clear()


def test_a_queryset_is_compiled_once_per_shape_and_reads_as_django_reads_it(team, leader, member, checkins,
                                                                            django_assert_num_queries):
    other = CheckIn.objects.create(team=team, author=leader, week=MONDAY - timedelta(weeks=1), state="submitted",
                                   submitted_at=datetime(2026, 11, 25, tzinfo=UTC))
    with django_assert_num_queries(2):  # the check-ins, and the memberships prefetched
        first = read_shaped(checkins_with_teams, team=team.pk, weeks=[MONDAY], state="submitted")
    assert built["checkins_with_teams"] == 3

    with django_assert_num_queries(4):  # the same shape twice: only bound, nothing built
        drafts = read_shaped(checkins_with_teams, team=team.pk, weeks=[MONDAY], state="draft")
        earlier = read_shaped(checkins_with_teams, team=team.pk, weeks=[MONDAY - timedelta(weeks=1)], state="submitted")
    assert built["checkins_with_teams"] == 3
    for found, expected in ((first, [checkins[0]]), (drafts, [checkins[1]]), (earlier, [other])):
        fresh = list(checkins_with_teams(team.pk, [expected[0].week], expected[0].state))
        assert [c.pk for c in found] == [c.pk for c in fresh] == [c.pk for c in expected]
    with django_assert_num_queries(0):  # joined, annotated and prefetched as Django would have
        assert (drafts[0].team.organisation.slug, drafts[0].author.email, drafts[0].by_a_leader) == (
            team.organisation.slug, "leader@example.com", True)
        assert (first[0].author.email, first[0].by_a_leader) == ("member@example.com", False)
        assert len(first[0].team.memberships.all()) == 2
    assert read_shaped(checkins_with_teams, team=team.pk, weeks=[MONDAY - timedelta(weeks=5)], state="draft") == []

    assert read_shaped(weeks_counted, team=team.pk, since=MONDAY) == [("draft", 1), ("submitted", 1)]
    assert read_shaped(weeks_counted, team=team.pk, since=MONDAY - timedelta(weeks=1)) == [
        ("draft", 1), ("submitted", 2)]
    assert built["weeks_counted"] == 3


def test_a_queryset_that_cannot_match_reads_nothing_and_one_that_cannot_be_kept_is_built_each_time(
        team, member, checkins, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert read_shaped(checkins_with_teams, team=team.pk, weeks=[], state="draft") == []
        assert read_shaped(checkins_with_teams, team=team.pk, weeks=[], state="draft") == []

    assert {c.pk for c in read_shaped(checkins_of_team, team=team.pk)} == {c.pk for c in checkins}
    assert {c.pk for c in read_shaped(checkins_of_team, team=team.pk)} == {c.pk for c in checkins}
    assert built["checkins_of_team"] == 3 + 1
    assert read_shaped(the_day_after_queryset, day=MONDAY - timedelta(days=1)) != []
    assert read_shaped(the_day_after_queryset, day=MONDAY) == []  # bound afresh, not the first call's value


def the_day_after_queryset(day: date):
    return CheckIn.objects.filter(week=day + timedelta(days=1))  # derives a value: compiled every time


# On PostgreSQL, kept statements are planned once per connection ---------------------------------------------

needs_postgresql = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="prepared statements are PostgreSQL's")


def statements_reading(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT generic_plans + custom_plans FROM pg_prepared_statements "
                       "WHERE NOT from_sql AND statement LIKE %s", [f'%FROM "{table}"%'])
        return cursor.fetchall()


@needs_postgresql
def test_a_kept_statement_is_prepared_once_on_the_connection_and_counted_as_any_query(
        team, leader, member, checkins, django_assert_num_queries):
    read_shaped(weeks_counted, team=team.pk, since=MONDAY)  # learnt: read as Django reads it
    for since in (MONDAY, MONDAY - timedelta(weeks=1), MONDAY - timedelta(weeks=2)):
        with django_assert_num_queries(1):
            assert read_shaped(weeks_counted, team=team.pk, since=since) == [("draft", 1), ("submitted", 1)]
    assert statements_reading("checkins_checkin") == [(3,)]  # one statement, planned for three readings


def submitted_not_done(team: int, author: int):
    """An author's submitted check-ins in a team, but those done: the state and the text are the builder's own."""
    return (CheckIn.objects.filter(team_id=team, author_id=author, state=CheckIn.State.SUBMITTED)
            .exclude(progress__contains="it's 100% done").order_by("pk").values_list("pk", flat=True))


@needs_postgresql
def test_a_builders_constants_are_written_into_its_kept_statement_and_its_inputs_left_parameters(team, member,
                                                                                               checkins):
    """PostgreSQL plans a kept statement once for any inputs only where it knows its constants as they are."""
    for _ in range(8):  # PostgreSQL plans for the values given at a statement's first five readings
        read_shaped(submitted_not_done, team=team.pk, author=member.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans FROM pg_prepared_statements WHERE NOT from_sql "
                       "AND statement LIKE %s", ['%"checkins_checkin"."progress"%'])
        [(statement, generic)] = cursor.fetchall()
    assert "\"state\" = 'submitted'" in statement and "it''s 100" in statement  # the builder's own, written in
    # The inputs alone are parameters: the team and the author, in whichever order Django wrote them.
    assert sorted(re.findall(r'"(\w+)" = \$\d', statement)) == ["author_id", "team_id"] and "$3" not in statement
    assert generic >= 2


def test_constants_written_in_read_what_django_reads_quotes_and_percent_signs_included(team, member, leader,
                                                                                      checkins):
    written = [CheckIn.objects.create(team=team, author=member, week=MONDAY - timedelta(weeks=n), state="submitted",
                                      submitted_at=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(days=n),
                                      progress=progress)
               for n, progress in enumerate(["Faster deploys: it's 100% done", "it's 100%", "100% done"], 1)]
    for _ in range(2):  # learnt, then kept
        for author in (member.pk, leader.pk):
            assert read_shaped(submitted_not_done, team=team.pk, author=author) == list(
                submitted_not_done(team.pk, author))
    assert read_shaped(submitted_not_done, team=team.pk, author=member.pk) == [
        checkins[0].pk, written[1].pk, written[2].pk]
    assert not any(kept.uncacheable for key, kept in one_query_module._queries.items()
                   if key[1] == "submitted_not_done")


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_sql_postgresql_cannot_take_with_parameters_bound_on_the_server_is_read_as_django_reads_it():
    sql = "SELECT %s IS NULL"  # the server cannot tell the parameter's type; bound on the client it is a NULL
    assert one_query_module.fetch(connection, sql, [None], planned_once=True) == [(True,)]
    assert one_query_module.fetch(connection, sql, [None], planned_once=True) == [(True,)]
    assert one_query_module._preparable[sql] is False
    with pytest.raises(DatabaseError), transaction.atomic():  # inside a transaction the error stands
        one_query_module.fetch(connection, "SELECT %s IS NOT NULL", [None], planned_once=True)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_an_error_that_says_nothing_of_the_statement_leaves_it_prepared_next_time():
    sql = "SELECT pg_sleep(%s)::text || 'slept'"
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 20")
    try:
        with pytest.raises(OperationalError):  # cancelled: the statement is not at fault
            one_query_module.fetch(connection, sql, [1], planned_once=True)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
    assert sql not in one_query_module._preparable

    assert one_query_module.fetch(connection, sql, [0], planned_once=True) == [("slept",)]
    assert one_query_module._preparable[sql] is True
    prepared = statements_reading_sql("pg_sleep")
    assert one_query_module.fetch(connection, sql, [0], planned_once=True) == [("slept",)]
    assert statements_reading_sql("pg_sleep") == prepared  # the same statement, run again


def statements_reading_sql(fragment: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE NOT from_sql AND statement LIKE %s ORDER BY name",
                       [f"%{fragment}%"])
        return cursor.fetchall()


def checkins_page(team: int, start: int, drafts_only: bool, state: str = ""):
    built["checkins_page"] += 1
    found = CheckIn.objects.filter(team_id=team)
    if drafts_only:
        found = found.filter(state=state)
    return found.order_by("pk").values_list("pk", flat=True)[start:start + 1]


def test_arguments_that_change_the_sql_are_part_of_the_shape(team, checkins, django_assert_num_queries):
    first, second = sorted(c.pk for c in checkins)
    assert read_shaped(checkins_page, shape={"start": 0, "drafts_only": False}, team=team.pk) == [first]
    assert read_shaped(checkins_page, shape={"start": 1, "drafts_only": False}, team=team.pk) == [second]
    assert read_shaped(checkins_page, shape={"start": 0, "drafts_only": True}, team=team.pk, state="draft") == [
        checkins[1].pk]
    assert built["checkins_page"] == 3 * 3  # three shapes, each learnt once
    with django_assert_num_queries(2):
        assert read_shaped(checkins_page, shape={"start": 1, "drafts_only": False}, team=team.pk) == [second]
        assert read_shaped(checkins_page, shape={"start": 0, "drafts_only": True}, team=team.pk,
                           state="submitted") == [checkins[0].pk]
    assert built["checkins_page"] == 3 * 3
    assert all(not kept.uncacheable for kept in one_query_module._queries.values())


def cycle_numbered(team: int, number: int):
    from reviews.models import ReviewCycle  # number: a PositiveIntegerField, typed Int4 on PostgreSQL

    return ReviewCycle.objects.filter(team_id=team, number=number).values_list("number", flat=True)


def test_a_number_too_big_for_its_column_reads_no_row_and_leaves_the_shape_to_be_learnt(team):
    from reviews.models import ReviewCycle

    ReviewCycle.objects.create(team=team, number=3, start_date=MONDAY, end_date=MONDAY + timedelta(weeks=4))
    too_big = 2**31 + 5
    assert read_shaped(cycle_numbered, team=team.pk, number=too_big) == []  # the first reading: not learnt from
    assert read_shaped(cycle_numbered, team=team.pk, number=3) == [3]
    assert all(not kept.uncacheable for kept in one_query_module._queries.values())
    assert read_shaped(cycle_numbered, team=team.pk, number=too_big) == []  # kept SQL is not given it
    assert read_shaped(cycle_numbered, team=team.pk, number=4) == []


# Several reads together (`read_together`, `fetch_many`) -------------------------------------------------------


def memberships_of_team(team: int):
    return Membership.objects.filter(team_id=team).select_related("user").order_by("pk")


def submitted_of_team(team: int):
    return CheckIn.objects.filter(team_id=team, state=CheckIn.State.SUBMITTED).order_by("pk")


def pipeline_states() -> tuple[list, object]:
    """What psycopg's pipeline status was at each statement run while the wrapper is installed (PostgreSQL)."""
    from psycopg.pq import PipelineStatus

    seen = []

    def wrapper(execute, sql, params, many, context):
        raw = connection.connection
        seen.append(PipelineStatus(raw.pgconn.pipeline_status).name)
        return execute(sql, params, many, context)

    return seen, wrapper


def test_reads_together_read_what_each_reads_alone_each_counted_as_a_query(
        team, leader, member, checkins, django_assert_num_queries):
    reads = [Read(weeks_counted, {"team": team.pk, "since": MONDAY}), Read(memberships_of_team, {"team": team.pk}),
             Read(checkins_of_team, {"team": team.pk})]
    alone = [read_shaped(read.build, **read.inputs) for read in reads]  # learnt
    with django_assert_num_queries(3):
        together = read_together(reads)

    assert together[0] == alone[0] == [("draft", 1), ("submitted", 1)]
    assert [(m.pk, m.user.email) for m in together[1]] == [(m.pk, m.user.email) for m in alone[1]]
    assert sorted(c.pk for c in together[2]) == sorted(c.pk for c in alone[2]) == sorted(c.pk for c in checkins)


def test_a_shape_learnt_at_this_reading_is_read_as_read_shaped_reads_it(team, checkins, django_assert_num_queries):
    one_query_module._queries.clear()
    with django_assert_num_queries(2):
        found = read_together([Read(weeks_counted, {"team": team.pk, "since": MONDAY}),
                               Read(memberships_of_team, {"team": team.pk})])
    assert found[0] == [("draft", 1), ("submitted", 1)]


@needs_postgresql
def test_kept_statements_go_to_postgresql_in_one_pipeline(team, leader, member, checkins):
    reads = [Read(weeks_counted, {"team": team.pk, "since": MONDAY}), Read(memberships_of_team, {"team": team.pk}),
             Read(submitted_of_team, {"team": team.pk})]
    read_together(reads)  # learnt, then each statement prepared once alone (whether PostgreSQL takes it so)
    read_together(reads)
    seen, wrapper = pipeline_states()
    with connection.execute_wrapper(wrapper):
        read_together(reads)

    assert seen == ["ON", "ON", "ON"]


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_statement_failing_in_the_pipeline_fails_as_it_would_alone_and_the_connection_goes_on():
    sql = "SELECT 10 / %s"
    statements = [("SELECT %s::int + 1", (1,)), (sql, (2,))]
    assert one_query_module.fetch_many(connection, statements) == [[(2,)], [(5,)]]  # each learnt alone

    with pytest.raises(DataError):  # division by zero: said of this statement, read alone after the pipeline
        one_query_module.fetch_many(connection, [("SELECT %s::int + 1", (1,)), (sql, (0,))])
    assert one_query_module.fetch_many(connection, statements) == [[(2,)], [(5,)]]
    with pytest.raises(DatabaseError), transaction.atomic():  # inside a transaction the error stands
        one_query_module.fetch_many(connection, [("SELECT %s::int + 1", (1,)), (sql, (0,))])
    assert one_query_module.fetch_many(connection, statements) == [[(2,)], [(5,)]]


def test_reading_ahead_answers_each_read_named_once_within_its_block(team, leader, member, checkins,
                                                                     django_assert_num_queries):
    read_shaped(memberships_of_team, team=team.pk)  # learnt
    read_shaped(weeks_counted, team=team.pk, since=MONDAY)
    reads = [Read(memberships_of_team, {"team": team.pk}), Read(weeks_counted, {"team": team.pk, "since": MONDAY})]

    with django_assert_num_queries(2), reading_ahead(reads):
        pass  # read up front, together
    with reading_ahead(reads):
        with django_assert_num_queries(0):
            people = read_shaped(memberships_of_team, team=team.pk)
            counted = read_shaped(weeks_counted, team=team.pk, since=MONDAY)
        with django_assert_num_queries(2):  # each answered once; other inputs were never read ahead
            assert read_shaped(memberships_of_team, team=team.pk) == people
            read_shaped(weeks_counted, team=team.pk, since=MONDAY - timedelta(weeks=1))
    with django_assert_num_queries(1):  # the block is over
        read_shaped(weeks_counted, team=team.pk, since=MONDAY)

    assert sorted(m.user_id for m in people) == sorted([leader.pk, member.pk])
    assert counted == [("draft", 1), ("submitted", 1)]


# A list of ids as one parameter (`AmongIds`) ---------------------------------------------------------------

def checkins_among(teams: list[int]):
    return CheckIn.objects.filter(AmongIds("team_id", teams)).order_by("pk").values_list("pk", flat=True)


def test_among_ids_reads_what_in_reads_kept_for_any_list(team, other_team, leader, member, checkins,
                                                         django_assert_num_queries):
    theirs = CheckIn.objects.create(team=other_team, author=leader, week=MONDAY)
    for teams in ([team.pk], [team.pk, other_team.pk], [other_team.pk], [other_team.pk + 1000]):
        expected = list(CheckIn.objects.filter(team__in=teams).order_by("pk").values_list("pk", flat=True))
        for _ in range(2):  # learnt, then kept
            assert read_shaped(checkins_among, teams=teams) == expected
    assert theirs.pk in read_shaped(checkins_among, teams=[other_team.pk])
    with django_assert_num_queries(0):  # an empty list cannot match a row
        assert read_shaped(checkins_among, teams=[]) == []
    assert not any(kept.uncacheable for key, kept in one_query_module._queries.items() if key[1] == "checkins_among")


@needs_postgresql
def test_among_ids_is_one_parameter_that_postgresql_plans_once(team, other_team, checkins):
    for _ in range(8):  # PostgreSQL plans for the values given at a statement's first five readings
        read_shaped(checkins_among, teams=[team.pk, other_team.pk])
    with connection.cursor() as cursor:
        cursor.execute("SELECT generic_plans, statement FROM pg_prepared_statements WHERE NOT from_sql AND statement "
                       "LIKE %s", ['%FROM "checkins_checkin"%ANY%'])
        [(generic, statement)] = cursor.fetchall()
    assert '"team_id" = ANY($1)' in statement
    assert generic >= 2


def test_a_full_store_of_shapes_lets_the_one_kept_longest_go_not_every_one(monkeypatch):
    """A process keeping as many shapes as it may learns one again at its next reading, not all of them at once."""
    monkeypatch.setattr(one_query_module, "SHAPES_KEPT", 3)
    store: dict = {}
    for key in "abcd":
        one_query_module._keep(store, key, key.upper())
    assert store == {"b": "B", "c": "C", "d": "D"}
    one_query_module._keep(store, "c", "C again")  # kept already: replaced, and nothing else goes
    assert store == {"b": "B", "c": "C again", "d": "D"}
