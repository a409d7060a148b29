"""The alignment map's own queries, and those its feature panels, filters, summary and goals' tree add, are
compiled once per shape (`alignment.one_query.read_shaped`): read again, each only binds its inputs. A builder
that derived a value from its inputs (a search's `%name%`, a moment worked out from `now`), read a clock or
sliced by an input would silently be compiled at every reading; these tests catch it, and check that a kept
query given new inputs reads what Django's own would."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from alignment import one_query, panels, selectors
from alignment.models import Organisation, Team
from charters.models import Goal
from tests.alignment.test_organisation_map import URL, add_teams
from tests.charters.test_organisation_goals import org_goal
from tests.charters.test_organisation_map import AT_RISK, ON_TRACK, in_force, key_results_of, readings

# Every builder of the map (`alignment.selectors`, and charters' panel, filters, summary and goals' tree).
BUILDERS = {
    ("alignment.selectors", name) for name in ("_map_teams", "_map_teams_counted", "_heads_and_leaders")
} | {
    ("charters.organisation_map", name) for name in (
        "_charters_in_force", "_charter_readings", "_charter_counts", "_goals_page", "_first_contributions",
        "_goal_readings", "_unlinked_goals", "_contributors")
}


@pytest.fixture(autouse=True)
def _shapes_learnt_afresh():
    one_query._queries.clear()
    one_query._shapes.clear()


def kept_shapes() -> dict[tuple[str, str], list[bool]]:
    """Each map builder read so far, with whether each of its shapes could not be kept."""
    shapes: dict[tuple[str, str], list[bool]] = {}
    for key, kept in [*one_query._queries.items(), *one_query._shapes.items()]:  # whole queries, and union parts
        if (key[0], key[1]) in BUILDERS:
            shapes.setdefault((key[0], key[1]), []).append(kept.uncacheable)
    return shapes


def test_every_query_of_the_map_is_kept(login, leader, organisation, team, other_team, grow_team):
    teams = [team, *add_teams(organisation, 28)]
    for t in teams[:3]:
        grow_team(t, people=6)
        key_results = key_results_of(in_force(t, parts=("serves", "outcome"), ratified_ago=timedelta(weeks=20)))
        readings(key_results[0], leader, ON_TRACK, AT_RISK)
    contributed = org_goal(organisation)
    org_goal(organisation, "No patient waits for a referral")  # no team contributes to it
    Goal.objects.filter(charter__team=team).update(contributes_to=contributed)
    client = login(leader)  # an admin: the summary too

    for _ in range(2):  # learnt, then kept
        for query in ({}, {"page": "2"}, {"page": "9"}, {"q": "team"}, {"q": "TEAM 1", "page": "2"},
                      *({"filter": option} for option, _ in panels.team_filter_choices()),
                      {"filter": "falling", "q": "platform"}, {"filter": "older-1", "page": "2"}):
            response = client.get(URL, query)
            assert response.status_code == 200
            assert response.context["teams"], query
        assert client.get(reverse("charters:org_goals", args=["harbour"])).status_code == 200
        assert client.get(contributed.get_absolute_url()).status_code == 200

    shapes = kept_shapes()
    assert set(shapes) == BUILDERS
    assert {name: cannot for name, cannot in shapes.items() if any(cannot)} == {}


def test_kept_queries_read_each_organisation_and_page_afresh(login, leader, organisation, team, other_team,
                                                            make_user, add_member):
    add_teams(organisation, 28)
    elsewhere = add_teams(Organisation.objects.create(name="Elsewhere", slug="elsewhere"), 3, start=50)[0]
    stranger = make_user("stranger@example.com", "Sam Stranger")
    add_member(elsewhere, stranger, "leader")

    for _ in range(2):
        first = [t.name for t in login(leader).get(URL).context["teams"]]
        second = [t.name for t in login(leader).get(URL, {"page": "2"}).context["teams"]]
        other = login(stranger).get(reverse("organisation", args=["elsewhere"]))

        assert first == ["Growth", "Platform", *(f"Team {n:02}" for n in range(22))]
        assert second == [f"Team {n:02}" for n in range(22, 28)]
        assert [t.name for t in other.context["teams"]] == ["Team 50", "Team 51", "Team 52"]
        assert [(t.member_count, t.leaders) for t in other.context["teams"]] == [(1, ["Sam Stranger"]), (0, []),
                                                                                  (0, [])]


def test_a_kept_search_matches_as_icontains_does(login, member, organisation, team, other_team):
    for name in ("Half_way", "Halfway", "50% done", "500 done", r"Back\slash"):
        Team.objects.create(organisation=organisation, name=name, slug=name.lower().replace("%", "pc")
                            .replace("\\", "-").replace(" ", "-").replace("_", "-"))

    for _ in range(2):
        for name in ("f_w", "0%", "%", "_", "\\", "LF", "plat", "nothing"):
            found = [t.name for t in login(member).get(URL, {"q": name}).context["teams"]]
            assert found == list(Team.objects.filter(organisation=organisation, name__icontains=name)
                                 .order_by("name").values_list("name", flat=True)), name

    assert not any(kept_shapes()[("alignment.selectors", "_map_teams")])


def test_the_search_is_the_sql_and_parameter_icontains_makes(organisation):
    kept = selectors._matching_teams(organisation.pk, "", True, timezone.now(), selectors._name_pattern("50%_a\\b"))
    django = Team.objects.filter(organisation_id=organisation.pk).filter(name__icontains="50%_a\\b")  # as the page did

    assert kept.query.sql_with_params() == django.query.sql_with_params()


def test_charters_older_than_compares_the_moment_it_is_given(leader, organisation, team, other_team):
    Team.objects.filter(pk=team.pk).update(review_cadence_weeks=2)
    in_force(team, ratified_ago=timedelta(weeks=5))  # older than 2 fortnightly cycles for a week more
    in_force(other_team, ratified_ago=timedelta(weeks=1))
    now = timezone.now()

    def older_than_two(at):
        return [t.name for t in selectors.organisation_page(leader, organisation, name="", option="older-2",
                                                            page_number=None, now=at, memberships=[]).teams]

    assert older_than_two(now) == ["Platform"]
    assert older_than_two(now - timedelta(weeks=1, days=1)) == []  # the kept query, given another moment
    assert older_than_two(now + timedelta(weeks=100)) == ["Growth", "Platform"]
    assert kept_shapes()[("alignment.selectors", "_map_teams")] == [False]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index is PostgreSQL's (SQLite reads the teams)")
def test_the_kept_search_can_use_the_trigram_index(team, other_team):
    searched = Team.objects.filter(selectors._NameContains(F("name"), selectors._name_pattern("plat"))).order_by()
    sql, params = searched.query.sql_with_params()

    with connection.cursor() as cursor:
        # With a handful of rows the planner reads the table; leave it only a lookup by the condition.
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "team_name_trigram" in plan
