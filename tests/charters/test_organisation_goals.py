"""Organisation goals that team goals roll up to: admins set them, team goals name one, the map shows the tree.

The permission matrix of their pages is in tests/charters/test_organisation_goal_permissions.py.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from alignment.confirm import CONFIRMED
from alignment.errors import ActionRefused
from alignment.models import Organisation, Team
from charters import organisation_map, services
from charters.models import (
    Charter,
    Goal,
    KeyResult,
    OrganisationGoal,
    OrganisationKeyResult,
    OrganisationKeyResultReading,
    PurposePart,
)
from charters.selectors import load_content
from charters.versions import charter_markdown, compare
from tests.charters.factories import complete_charter
from tests.charters.test_organisation_map import AT_RISK, ON_TRACK, in_force, key_results_of, make_team, readings

ORG = "harbour"


def goals_url(*args, name: str = "org_goals") -> str:
    return reverse(f"charters:{name}", args=[ORG, *args])


def org_goal(organisation, objective: str = "Every patient seen at home within a day", *,
             part: str = PurposePart.OUTCOME, **fields) -> OrganisationGoal:
    return services.create_organisation_goal(organisation=organisation, actor=None, objective=objective,
                                             purpose_part=part, **fields)


def contribute(charter: Charter, goal: OrganisationGoal) -> None:
    """Every goal of `charter` names `goal` (written straight in: a ratified version's goals are fixed)."""
    Goal.objects.filter(charter=charter).update(contributes_to=goal)


# Admins set the goals ---------------------------------------------------------------------------

def test_an_admin_adds_a_goal_and_it_goes_last(login, leader, organisation):
    first = org_goal(organisation)

    response = login(leader).post(goals_url(name="org_goal_add"), {
        "objective": "No patient waits for a referral", "purpose_part": "serves", "owner": leader.pk})

    goal = OrganisationGoal.objects.get(objective="No patient waits for a referral")
    assert response.status_code == 302 and response["Location"] == goal.get_absolute_url()
    assert (goal.organisation, goal.purpose_part, goal.owner, goal.position) == (organisation, "serves", leader,
                                                                                 first.position + 1)


def test_a_goal_without_its_part_of_the_purpose_is_refused_with_the_text_kept(login, admin, organisation):
    response = login(admin).post(goals_url(name="org_goal_add"), {"objective": "Typed with care"})

    assert response.status_code == 400
    assertContains(response, "Typed with care", status_code=400)
    assertContains(response, 'id="id_purpose_part_error"', status_code=400)
    assert not OrganisationGoal.objects.exists()


def test_an_owner_from_another_organisation_is_no_choice(login, admin, organisation, stranger):
    response = login(admin).post(goals_url(name="org_goal_add"), {
        "objective": "Typed", "purpose_part": "serves", "owner": stranger.pk})

    assert response.status_code == 400
    assert not OrganisationGoal.objects.exists()


def test_a_second_editor_sees_both_texts_instead_of_overwriting(login, admin, organisation):
    goal = org_goal(organisation)
    services.update_organisation_goal(goal=goal, expected_version=1, objective="Theirs", purpose_part="outcome")

    response = login(admin).post(goals_url(goal.pk, name="org_goal_edit"), {
        "version": "1", "objective": "Mine", "purpose_part": "serves"})

    assert response.status_code == 409
    assertContains(response, "Someone else saved this", status_code=409)
    assertContains(response, 'value="Mine"', status_code=409)
    goal.refresh_from_db()
    assert (goal.objective, goal.version) == ("Theirs", 2)


def test_a_closed_goal_refuses_an_edit_and_keeps_the_text(login, admin, organisation):
    goal = org_goal(organisation)
    services.close_organisation_goal(goal=goal, actor=admin)

    response = login(admin).post(goals_url(goal.pk, name="org_goal_edit"), {
        "version": "1", "objective": "Typed after it closed", "purpose_part": "serves"})

    assert response.status_code == 409
    assertContains(response, "Reopen it to change it", status_code=409)
    assertContains(response, "Typed after it closed", status_code=409)


def test_closing_asks_first_then_closes(login, admin, organisation):
    goal = org_goal(organisation)
    client = login(admin)
    url = goals_url(goal.pk, "close", name="org_goal_action")

    asked = client.post(url)
    assertContains(asked, "Close “Every patient seen at home within a day”?")
    goal.refresh_from_db()
    assert not goal.is_closed

    assert client.post(url, CONFIRMED).status_code == 302
    goal.refresh_from_db()
    assert goal.is_closed and goal.closed_by == admin
    assert client.post(goals_url(goal.pk, "reopen", name="org_goal_action")).status_code == 302
    goal.refresh_from_db()
    assert not goal.is_closed


def test_actions_refuse_get(login, admin, organisation):
    goal = org_goal(organisation)
    kr = services.add_organisation_key_result(goal=goal, metric="Visits within a day")

    assert login(admin).get(goals_url(goal.pk, "close", name="org_goal_action")).status_code == 405
    assert login(admin).get(goals_url(goal.pk, kr.pk, name="org_reading")).status_code == 405


def test_moving_a_goal_swaps_it_with_its_neighbour(login, admin, organisation):
    first, second = org_goal(organisation, "First"), org_goal(organisation, "Second")

    login(admin).post(goals_url(second.pk, "up", name="org_goal_action"))

    assert list(OrganisationGoal.objects.filter(organisation=organisation).values_list("objective", flat=True)) == [
        "Second", "First"]
    assert first.pk  # unchanged row, new place


def test_key_results_and_their_readings(login, admin, organisation):
    goal = org_goal(organisation)
    client = login(admin)

    client.post(goals_url(goal.pk, name="org_key_result_add"), {
        "metric": "Visits within a day", "unit": "%", "start_value": "60", "target_value": "90"})
    kr = OrganisationKeyResult.objects.get(goal=goal)
    client.post(goals_url(goal.pk, kr.pk, name="org_reading"), {"value": "75", "confidence": "at_risk", "note": "Winter"})

    kr.refresh_from_db()
    assert (kr.current_value, kr.confidence, kr.progress_percent) == (Decimal("75"), "at_risk", 50)
    assert OrganisationKeyResultReading.objects.get().note == "Winter"
    page = client.get(goal.get_absolute_url())
    assertContains(page, "Visits within a day")
    assertContains(page, "at risk")


def test_a_reading_without_confidence_is_refused_with_what_was_typed(login, admin, organisation):
    goal = org_goal(organisation)
    kr = services.add_organisation_key_result(goal=goal, metric="Visits within a day")

    response = login(admin).post(goals_url(goal.pk, kr.pk, name="org_reading"), {"value": "77", "note": "Typed note"})

    assert response.status_code == 400
    assertContains(response, 'value="77"', status_code=400)
    assertContains(response, "Typed note", status_code=400)
    assert not OrganisationKeyResultReading.objects.exists()


def test_each_key_results_reading_form_reads_as_if_drawn_alone(login, admin, organisation):
    """Each blank reading form under a key result is written into one drawing per shape (`DrawnAlike`): which
    confidence is checked, and whether it has a value and a unit. Every form must read as the form drawn on its own,
    its unit escaped."""
    from django.template.loader import render_to_string

    from alignment.drawn_alike import FIELDS
    from charters.forms import organisation_reading_form

    goal = org_goal(organisation)
    unread = services.add_organisation_key_result(goal=goal, metric="Unread", unit='<b>"&"</b> %')
    plain = services.add_organisation_key_result(goal=goal, metric="Plain")
    for metric, unit, value, confidence in (("Visits", "%", Decimal("12.50"), "on_track"),
                                            ("Waits", "days", Decimal("1E+1"), "at_risk"),
                                            ("Calls", "", Decimal(7), "off_track")):
        kr = services.add_organisation_key_result(goal=goal, metric=metric, unit=unit)
        services.record_organisation_reading(key_result=kr, actor=admin, value=value, confidence=confidence)

    html = login(admin).get(goal.get_absolute_url()).content.decode()

    key_results = list(OrganisationKeyResult.objects.filter(goal=goal))
    assert len(key_results) == 5 and {unread, plain} < set(key_results)
    for kr in key_results:
        assert render_to_string(FIELDS, {"form": organisation_reading_form(kr)}) in html, kr.metric
    assert "Value now (&lt;b&gt;&quot;&amp;&quot;&lt;/b&gt; %)" in html
    assert html.count('type="radio" name="confidence" value="on_track" required id="') == 5
    assert html.count(" checked>") == 3
    assert "stand-in" not in html


def test_a_closed_goal_takes_no_reading(admin, organisation):
    goal = org_goal(organisation)
    kr = services.add_organisation_key_result(goal=goal, metric="Visits within a day")
    services.close_organisation_goal(goal=goal, actor=admin)

    with pytest.raises(ActionRefused, match="closed"):
        services.record_organisation_reading(key_result=kr, actor=admin, value=Decimal(1), confidence="on_track")


# A team goal names the organisation goal it contributes to ------------------------------------------

def _goal_data(goal: Goal, **changes) -> dict:
    data = {"version": goal.version, "objective": goal.objective, "purpose_part": goal.purpose_part,
            "tradeoff": goal.tradeoff, "owner": goal.owner_id or ""}
    return {**data, **changes}


def test_the_goal_editor_offers_the_organisations_open_goals(login, leader, team, organisation, stranger):
    charter = complete_charter(team, leader)
    open_goal, closed_goal = org_goal(organisation, "Open one"), org_goal(organisation, "Closed one")
    services.close_organisation_goal(goal=closed_goal, actor=leader)
    org_goal(Organisation.objects.get(slug="elsewhere"), "Someone else's")
    goal = Goal.objects.get(charter=charter)
    url = reverse("charters:item_edit", args=[ORG, team.slug, charter.number, "goal", goal.pk])

    form = login(leader).get(url)

    assertContains(form, "Open one (the outcome it exists to create)")
    assertNotContains(form, "Closed one")
    assertNotContains(form, "Someone else")

    login(leader).post(url, _goal_data(goal, contributes_to=open_goal.pk))
    goal.refresh_from_db()
    assert goal.contributes_to == open_goal


def test_a_goal_of_another_organisation_is_refused(login, leader, team, stranger):
    charter = complete_charter(team, leader)
    elsewhere = org_goal(Organisation.objects.get(slug="elsewhere"), "Someone else's")
    goal = Goal.objects.get(charter=charter)
    url = reverse("charters:item_edit", args=[ORG, team.slug, charter.number, "goal", goal.pk])

    response = login(leader).post(url, _goal_data(goal, contributes_to=elsewhere.pk, objective="Typed"))

    assert response.status_code == 400
    assertContains(response, 'value="Typed"', status_code=400)
    goal.refresh_from_db()
    assert goal.contributes_to is None
    # And the service holds the rule for any other caller.
    goal.contributes_to = elsewhere
    with pytest.raises(ActionRefused, match="not one of your organisation's"):
        services.update_item(charter=charter, item=goal, expected_version=goal.version)


def test_an_amendment_copies_the_link_and_the_diff_shows_a_change(leader, team, organisation):
    first, second = org_goal(organisation, "First org goal"), org_goal(organisation, "Second org goal")
    active = in_force(team)
    contribute(active, first)

    draft = services.start_amendment(team=team, actor=leader)
    copied = Goal.objects.get(charter=draft)
    assert copied.contributes_to == first
    copied.contributes_to = second
    services.update_item(charter=draft, item=copied, expected_version=copied.version)

    old, new = load_content(active), load_content(draft)
    assert "- Contributes to the organisation goal: First org goal" in charter_markdown(old)
    goals = next(diff for diff in compare(old, new) if diff.section == "goals")
    assert goals.changed
    assert any(line.kind == "changed" and "Second" in line.html for line in goals.lines)


# The tree -----------------------------------------------------------------------------------------

def test_the_tree_counts_only_charters_in_force_of_teams_at_work(leader, team, other_team, organisation):
    goal, lonely = org_goal(organisation, "Shared goal"), org_goal(organisation, "Lonely goal")
    contribute(in_force(team), goal)
    archived = make_team(organisation, "Old team")
    contribute(in_force(archived), goal)
    Team.objects.filter(pk=archived.pk).update(archived_at="2026-01-01T00:00Z")
    draft = complete_charter(other_team, leader)
    contribute(draft, goal)  # a draft is not in force

    tree = organisation_map.goal_tree(organisation)

    shared = tree.branches[0]
    assert [c.team_name for c in shared.contributions] == ["Platform"]
    assert shared.contributing == 1 and tree.branches[1].contributing == 0
    assert [g.objective for g in tree.unlinked] == ["Lonely goal"]
    assert lonely.pk == tree.branches[1].goal.pk


def test_a_team_goals_confidence_is_its_key_results_latest_readings(leader, team, organisation):
    goal = org_goal(organisation)
    charter = in_force(team, key_results=2)
    contribute(charter, goal)
    first, second = key_results_of(charter)
    readings(first, leader, ON_TRACK, AT_RISK)
    readings(second, leader, ON_TRACK)

    contribution = organisation_map.goal_tree(organisation).branches[0].contributions[0]

    assert contribution.confidence.counts == [("on_track", 1, "on track"), ("at_risk", 1, "at risk")]
    assert contribution.confidence.falling == 1


def teams_contributing(organisation, goal, count: int) -> None:
    """`count` teams with a charter in force whose one goal (one key result, read once) contributes to `goal`."""
    teams = Team.objects.bulk_create(Team(organisation=organisation, name=f"Team {n:04}", slug=f"team-{n:04}")
                                     for n in range(count))
    charters = Charter.objects.bulk_create(Charter(team=t, number=1, state=Charter.State.RATIFIED) for t in teams)
    goals = Goal.objects.bulk_create(Goal(charter=c, objective=f"{c.team.name} goal", purpose_part="outcome",
                                          contributes_to=goal) for c in charters)
    KeyResult.objects.bulk_create(KeyResult(goal=g, metric="Metric") for g in goals)


@pytest.mark.parametrize("teams", [3, 1000])
def test_the_tree_runs_the_same_queries_however_many_teams_contribute(organisation, teams, django_assert_num_queries):
    goals = [org_goal(organisation, f"Org goal {n}") for n in range(3)]
    teams_contributing(organisation, goals[0], teams)
    teams_contributing_to_second = Team.objects.create(organisation=organisation, name="Zed", slug="zed")
    contribute(in_force(teams_contributing_to_second), goals[1])

    # query: a page of goals  query: the first contributing team goals of each, with how many in all
    # query: their key results' latest readings  query: the open goals no team contributes to
    with django_assert_num_queries(4):
        tree = organisation_map.goal_tree(organisation)

    first = tree.branches[0]
    assert len(first.contributions) == min(teams, organisation_map.TEAMS_PER_GOAL)
    assert (first.contributing, first.more) == (teams, max(0, teams - organisation_map.TEAMS_PER_GOAL))
    assert [g.objective for g in tree.unlinked] == ["Org goal 2"]


def test_goals_are_paged(organisation):
    for n in range(organisation_map.GOALS_PER_PAGE + 2):
        org_goal(organisation, f"Org goal {n:02}")

    first, second = organisation_map.goal_tree(organisation), organisation_map.goal_tree(organisation, page=2)

    assert len(first.branches) == organisation_map.GOALS_PER_PAGE and first.paged.has_next
    assert [b.goal.objective for b in second.branches] == ["Org goal 10", "Org goal 11"]
    assert not second.paged.has_next


# The pages ----------------------------------------------------------------------------------------

def test_the_map_shows_the_tree_and_the_goals_without_a_team(login, member, team, organisation, leader):
    goal, lonely = org_goal(organisation, "Shared goal"), org_goal(organisation, "Lonely goal")
    contribute(in_force(team), goal)

    response = login(member).get(reverse("organisation", args=[ORG]))

    assertContains(response, "Organisation goals")
    assertContains(response, "<strong>Platform</strong>: Goal 0", html=True)
    assertContains(response, "Goals no team contributes to")
    assertContains(response, f'<a href="{lonely.get_absolute_url()}">Lonely goal</a>', html=True, count=2)
    assertNotContains(response, "+ New organisation goal")


@pytest.mark.parametrize("teams", [3, 40])
def test_the_map_runs_the_same_queries_with_3_or_40_contributing_teams(
        login, member, organisation, team, teams, django_assert_num_queries):
    goal = org_goal(organisation)
    org_goal(organisation, "Lonely")
    teams_contributing(organisation, goal, teams)
    client = login(member)
    client.get(reverse("organisation", args=[ORG]))  # the cards drawn and kept

    # 1. user  2. my memberships (whether I am an admin too, and the header's bell's unread count)  3. this
    # page's teams with how many match  4. head counts with leaders  5.-6. (charters) the cards' charters in force
    # and their readings  7.-10. (charters) the goals' tree: a page of goals, their first contributing team
    # goals, those goals' readings, the goals no team contributes to. (The cross-team signals were worked out
    # by the first visit and are kept: no query.)
    with django_assert_num_queries(10):
        response = client.get(reverse("organisation", args=[ORG]))

    assertContains(response, f"and {teams - organisation_map.TEAMS_PER_GOAL} more" if teams > 5 else "Team 0000")


@pytest.mark.parametrize("teams", [3, 300])
def test_a_goals_page_lists_every_contributor_a_page_at_a_time(login, member, organisation, teams,
                                                               django_assert_num_queries):
    goal = org_goal(organisation)
    services.add_organisation_key_result(goal=goal, metric="Visits within a day")
    teams_contributing(organisation, goal, teams)
    client = login(member)

    # 1. user  2. the organisation, if I am in it  3. am I an admin?  4. the goal  5. its key results
    # 6. a page of contributing team goals  7. their key results' readings  8. my memberships (the header's
    # team switcher, and the header's bell's unread count)
    with django_assert_num_queries(8):
        response = client.get(goal.get_absolute_url(), {"page": "2" if teams > 50 else "1"})

    assertContains(response, "Team 0050" if teams > 50 else "Team 0002")
    assertNotContains(response, "Record reading")


@pytest.mark.parametrize("goals", [3, 30])
def test_the_goals_page_runs_the_same_queries_with_more_goals(login, admin, organisation, goals,
                                                              django_assert_num_queries):
    for n in range(goals):
        teams_contributing(organisation, org_goal(organisation, f"Org goal {n}"), 0)
    client = login(admin)

    # 1. user  2. the organisation  3. am I an admin?  4.-7. the tree (a page of goals, their contributors,
    # their readings, the goals no team contributes to)  8. my memberships (the header's team switcher)
    # 9. the unread notifications count, asked on its own: I am in no team, so no membership brings it. No
    # contributor here, so no readings are asked: 8 in all.
    with django_assert_num_queries(8):
        response = client.get(goals_url())

    assertContains(response, "+ New organisation goal")
    assertContains(response, '<li class="goal-branch"', count=min(goals, organisation_map.GOALS_PER_PAGE))
