"""The completeness panel: each check, where it points, and what blocks a proposal."""

from __future__ import annotations

import pytest
from django.urls import reverse

from charters import services
from charters.completeness import check_charter
from charters.models import Boundary, Charter, Goal, KeyResult, NonNegotiable
from charters.selectors import load_content
from tests.charters.factories import complete_charter

ALL_CHECKS = [
    "purpose_statement",
    "purpose_parts",
    "people",
    "process",
    "performance",
    "non_negotiables_few",
    "non_negotiable_standards",
    "boundaries_labelled",
    "goals_linked",
    "key_result_targets",
]
ADVICE = {"non_negotiables_few", "key_result_targets"}


def check(charter: Charter):
    charter.refresh_from_db()
    return check_charter(load_content(charter))


def charter_page(charter: Charter) -> str:
    return reverse("charters:detail", args=[charter.team.organisation.slug, charter.team.slug])


def failing(completeness) -> set[str]:
    """Checks with something to fix (a check with nothing to check yet is not passed, but not failing)."""
    return {c.key for c in completeness.checks if c.findings}


def vacuous(completeness) -> set[str]:
    return {c.key for c in completeness.checks if c.vacuous}


def findings_of(completeness, key: str):
    return next(c for c in completeness.checks if c.key == key).findings


@pytest.fixture
def charter(team, leader) -> Charter:
    return complete_charter(team, leader)


# The whole panel --------------------------------------------------------------------------------


def test_a_complete_charter_passes_every_check(charter):
    completeness = check(charter)

    assert [c.key for c in completeness.checks] == ALL_CHECKS
    assert (completeness.passed_count, completeness.total) == (10, 10)
    assert completeness.is_complete and completeness.can_propose
    assert completeness.findings == [] and completeness.blocking == []


def test_an_empty_charter_scores_nothing_and_fails_everything_but_the_per_item_checks(team, leader):
    charter = services.start_charter(team=team, actor=leader)

    completeness = check(charter)

    # With no items there is nothing to lack a standard, a link or a target: those checks do not
    # fail (nothing to fix, nothing blocked) but do not count as passed either.
    assert vacuous(completeness) == {"non_negotiable_standards", "goals_linked", "key_result_targets"}
    assert failing(completeness) == {
        "purpose_statement",
        "purpose_parts",
        "people",
        "process",
        "performance",
        "non_negotiables_few",
        "boundaries_labelled",
    }
    assert (completeness.passed_count, completeness.total) == (0, 10)
    assert not completeness.is_complete and not completeness.can_propose
    assert {c.key for c in completeness.blocking} == failing(completeness) - ADVICE


def test_which_checks_are_required(charter):
    required = {c.key for c in check(charter).checks if c.required}

    assert required == set(ALL_CHECKS) - ADVICE


def test_advice_alone_lowers_the_score_but_does_not_block(charter):
    for n in range(4, 7):
        NonNegotiable.objects.create(
            charter=charter, position=n, title=f"Extra {n}", standard="Seen."
        )
    KeyResult.objects.filter(goal__charter=charter).update(target_value=None)

    completeness = check(charter)

    assert failing(completeness) == ADVICE
    assert completeness.passed_count == 8
    assert completeness.can_propose and not completeness.is_complete


def test_one_required_failure_blocks_a_proposal(charter):
    Charter.objects.filter(pk=charter.pk).update(people="")

    completeness = check(charter)

    assert [c.key for c in completeness.blocking] == ["people"]
    assert not completeness.can_propose
    assert completeness.passed_count == 9


# Purpose ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("statement", ["", "   "])
def test_a_missing_one_line_purpose_is_found(charter, statement):
    Charter.objects.filter(pk=charter.pk).update(purpose_statement=statement)

    completeness = check(charter)

    assert failing(completeness) == {"purpose_statement"}
    [finding] = findings_of(completeness, "purpose_statement")
    assert finding.anchor == "purpose"
    assert "one line" in finding.message


@pytest.mark.parametrize(
    ("field", "named"),
    [
        ("purpose_serves", "who it serves"),
        ("purpose_outcome", "the outcome it exists to create"),
        ("purpose_refuses", "what it refuses to trade away"),
    ],
)
def test_each_missing_purpose_part_is_named(charter, field, named):
    Charter.objects.filter(pk=charter.pk).update(**{field: " \n"})

    completeness = check(charter)

    assert failing(completeness) == {"purpose_parts"}
    [finding] = findings_of(completeness, "purpose_parts")
    assert f"“{named}”" in finding.message
    assert finding.anchor == "purpose"


def test_every_missing_purpose_part_gets_its_own_finding(charter):
    Charter.objects.filter(pk=charter.pk).update(
        purpose_serves="", purpose_outcome="", purpose_refuses=""
    )

    findings = findings_of(check(charter), "purpose_parts")

    assert len(findings) == 3
    assert all(f.anchor == "purpose" for f in findings)


# People, Process, Performance -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "phrase"), [("people", "No People section"), ("process", "No Process section")]
)
def test_a_missing_people_or_process_section_is_found(charter, field, phrase):
    Charter.objects.filter(pk=charter.pk).update(**{field: "  "})

    completeness = check(charter)

    assert failing(completeness) == {field}
    [finding] = findings_of(completeness, field)
    assert phrase in finding.message
    assert finding.anchor == field


def test_no_goals_means_no_performance(team, leader):
    charter = complete_charter(team, leader, goals=0)

    completeness = check(charter)

    assert failing(completeness) == {"performance"}
    assert vacuous(completeness) == {"goals_linked", "key_result_targets"}
    [finding] = findings_of(completeness, "performance")
    assert finding.anchor == "goals"


def test_a_goal_without_a_key_result_is_not_performance(charter):
    KeyResult.objects.filter(goal__charter=charter).delete()

    assert failing(check(charter)) == {"performance"}
    assert vacuous(check(charter)) == {"key_result_targets"}


def test_one_goal_with_a_key_result_is_enough_performance(charter, leader):
    Goal.objects.create(
        charter=charter,
        position=2,
        objective="No key result yet",
        purpose_part="serves",
        tradeoff="Time.",
        owner=leader,
    )

    assert "performance" not in failing(check(charter))


# Non-negotiables --------------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "flagged"), [(0, True), (1, False), (5, False), (6, True)])
def test_the_number_of_non_negotiables_is_checked(team, leader, count, flagged):
    charter = complete_charter(team, leader, non_negotiables=count)

    completeness = check(charter)

    assert ("non_negotiables_few" in failing(completeness)) is flagged
    assert completeness.can_propose  # advice only
    if flagged:
        [finding] = findings_of(completeness, "non_negotiables_few")
        assert finding.anchor == "non_negotiables"


def test_six_non_negotiables_are_called_more_than_five(team, leader):
    charter = complete_charter(team, leader, non_negotiables=6)

    [finding] = findings_of(check(charter), "non_negotiables_few")

    assert "6 non-negotiables is more than five" in finding.message


def test_a_non_negotiable_without_a_standard_is_pointed_at(charter):
    item = charter.non_negotiables.get(title="Non-negotiable 2")
    NonNegotiable.objects.filter(pk=item.pk).update(standard=" ")

    completeness = check(charter)

    assert failing(completeness) == {"non_negotiable_standards"}
    [finding] = findings_of(completeness, "non_negotiable_standards")
    assert finding.anchor == f"non_negotiable-{item.pk}"
    assert "“Non-negotiable 2” has no standard" in finding.message


# Boundaries -------------------------------------------------------------------------------------


def test_an_unlabelled_boundary_is_pointed_at(charter):
    item = charter.boundaries.get(area="Choice of libraries")
    Boundary.objects.filter(pk=item.pk).update(label="")

    completeness = check(charter)

    assert failing(completeness) == {"boundaries_labelled"}
    [finding] = findings_of(completeness, "boundaries_labelled")
    assert finding.anchor == f"boundary-{item.pk}"
    assert "“Choice of libraries” has no label" in finding.message


def test_no_boundaries_at_all_is_found(charter):
    charter.boundaries.all().delete()

    [finding] = findings_of(check(charter), "boundaries_labelled")

    assert finding.anchor == "boundaries"


# Goals and key results --------------------------------------------------------------------------


def test_a_goal_without_a_purpose_part_is_pointed_at(charter):
    goal = charter.goals.get()
    Goal.objects.filter(pk=goal.pk).update(purpose_part="")

    completeness = check(charter)

    assert failing(completeness) == {"goals_linked"}
    [finding] = findings_of(completeness, "goals_linked")
    assert finding.anchor == f"goal-{goal.pk}"
    assert "not linked to a part of the purpose" in finding.message


def test_a_goal_without_a_tradeoff_is_pointed_at(charter):
    goal = charter.goals.get()
    Goal.objects.filter(pk=goal.pk).update(tradeoff="  ")

    completeness = check(charter)

    assert failing(completeness) == {"goals_linked"}
    [finding] = findings_of(completeness, "goals_linked")
    assert finding.anchor == f"goal-{goal.pk}"
    assert "names no tradeoff" in finding.message


def test_a_goal_lacking_both_gets_two_findings(charter):
    charter.goals.update(purpose_part="", tradeoff="")

    assert len(findings_of(check(charter), "goals_linked")) == 2


def test_a_key_result_without_a_target_is_pointed_at(charter):
    kr = KeyResult.objects.get(goal__charter=charter)
    KeyResult.objects.filter(pk=kr.pk).update(target_value=None)

    completeness = check(charter)

    assert failing(completeness) == {"key_result_targets"}
    [finding] = findings_of(completeness, "key_result_targets")
    assert finding.anchor == f"key_result-{kr.pk}"
    assert "“Metric 1” has no target" in finding.message


def test_a_target_of_zero_is_a_target(charter):
    KeyResult.objects.filter(goal__charter=charter).update(target_value=0)

    assert failing(check(charter)) == set()


# Anchors ----------------------------------------------------------------------------------------


def test_every_anchor_is_an_id_on_the_charter_page(charter, login, leader):
    """Findings link to the item to fix, so each anchor must exist as a DOM id."""
    Charter.objects.filter(pk=charter.pk).update(purpose_statement="", people="", process="")
    charter.non_negotiables.update(standard="")
    charter.boundaries.update(label="")
    charter.goals.update(purpose_part="", tradeoff="")
    KeyResult.objects.filter(goal__charter=charter).update(target_value=None)
    completeness = check(charter)
    anchors = {f.anchor for f in completeness.findings}
    assert len(anchors) > 8

    html = login(leader).get(charter_page(charter)).content.decode()

    for anchor in anchors:
        assert f'id="{anchor}"' in html, anchor


def test_the_empty_charters_anchors_are_sections_on_the_page(team, leader, login):
    charter = services.start_charter(team=team, actor=leader)
    anchors = {f.anchor for f in check(charter).findings}

    html = login(leader).get(charter_page(charter)).content.decode()

    assert anchors == {"purpose", "people", "process", "goals", "non_negotiables", "boundaries"}
    for anchor in anchors:
        assert f'id="{anchor}"' in html, anchor


# Queries ----------------------------------------------------------------------------------------


def test_checks_issue_no_queries(charter, django_assert_num_queries):
    content = load_content(charter)

    with django_assert_num_queries(0):
        check_charter(content)
