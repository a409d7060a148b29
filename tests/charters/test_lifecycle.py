"""A charter's life: draft → proposed → ratified → superseded, with the team's say on the way."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F, ProtectedError, RestrictedError

from alignment.errors import ActionRefused, ItemRemoved
from charters import services
from charters.models import Boundary, Charter, Goal, KeyResult, NonNegotiable, Response
from reviews.models import CycleGoal, ReviewCycle
from tests.charters.factories import complete_charter, ratified_charter

UTC = zoneinfo.ZoneInfo("UTC")


def proposed(team, leader, **kwargs) -> Charter:
    charter = complete_charter(team, leader, **kwargs)
    return services.propose(charter=charter, actor=leader)


def reload(charter: Charter) -> Charter:
    return Charter.objects.get(pk=charter.pk)


# Starting ---------------------------------------------------------------------------------------


def test_first_charter_starts_as_an_empty_draft_numbered_1(team, leader):
    charter = services.start_charter(team=team, actor=leader)

    assert (charter.number, charter.state, charter.created_by) == (1, Charter.State.DRAFT, leader)
    assert charter.is_editable and not charter.was_ratified
    assert charter.purpose_statement == charter.people == charter.process == ""


def test_starting_a_second_charter_is_refused(team, leader):
    services.start_charter(team=team, actor=leader)

    with pytest.raises(ActionRefused, match="already has a charter"):
        services.start_charter(team=team, actor=leader)

    assert Charter.objects.filter(team=team).count() == 1


# Proposing --------------------------------------------------------------------------------------


def test_propose_refuses_an_empty_draft_and_names_every_missing_part(team, leader):
    charter = services.start_charter(team=team, actor=leader)

    with pytest.raises(ActionRefused) as refused:
        services.propose(charter=charter, actor=leader)

    message = str(refused.value)
    for missing in (
        "Purpose in one line",
        "Purpose has its three parts",
        "People",
        "Process",
        "Performance",
        "Boundaries labelled",
    ):
        assert missing in message
    assert reload(charter).state == Charter.State.DRAFT


def test_propose_names_only_the_check_that_fails(team, leader):
    charter = complete_charter(team, leader)
    Charter.objects.filter(pk=charter.pk).update(process="   ")

    with pytest.raises(ActionRefused) as refused:
        services.propose(charter=charter, actor=leader)

    assert str(refused.value) == ("Not ready to propose. Still missing: Process: rituals, cadence, definition of done.")
    assert reload(charter).state == Charter.State.DRAFT


def test_advice_does_not_stop_a_proposal(team, leader):
    charter = complete_charter(team, leader, non_negotiables=6)
    KeyResult.objects.filter(goal__charter=charter).update(target_value=None)

    services.propose(charter=charter, actor=leader)

    assert reload(charter).state == Charter.State.PROPOSED


def test_propose_puts_a_complete_draft_to_the_team(team, leader):
    charter = complete_charter(team, leader)

    services.propose(charter=charter, actor=leader)

    charter = reload(charter)
    assert charter.state == Charter.State.PROPOSED
    assert charter.proposed_at is not None
    assert charter.is_editable


def test_propose_refuses_a_charter_already_proposed(team, leader):
    charter = proposed(team, leader)

    with pytest.raises(ActionRefused, match="Only a draft"):
        services.propose(charter=charter, actor=leader)


def test_withdraw_takes_a_proposal_back_to_draft_and_keeps_responses(team, leader, member):
    charter = proposed(team, leader)
    services.respond(charter=charter, member=member, kind="consent", reason="")

    services.withdraw(charter=charter, actor=leader)

    assert reload(charter).state == Charter.State.DRAFT
    assert charter.responses.count() == 1


def test_withdraw_refuses_a_draft(team, leader):
    charter = complete_charter(team, leader)

    with pytest.raises(ActionRefused, match="Only a proposed"):
        services.withdraw(charter=charter, actor=leader)


# Consent and objections -------------------------------------------------------------------------


def test_responding_to_a_draft_is_refused(team, leader, member):
    charter = complete_charter(team, leader)

    with pytest.raises(ActionRefused, match="only while the charter is proposed"):
        services.respond(charter=charter, member=member, kind="consent", reason="")

    assert not Response.objects.exists()


def test_responding_to_a_ratified_charter_is_refused(team, leader, member):
    charter = ratified_charter(team, leader)

    with pytest.raises(ActionRefused, match="only while the charter is proposed"):
        services.respond(charter=charter, member=member, kind="consent", reason="")


def test_responding_with_a_stale_proposed_copy_after_ratification_is_refused(team, leader, member):
    charter = proposed(team, leader)
    services.ratify(charter=reload(charter), actor=leader, despite_gaps=True)

    # `charter` in memory still says "proposed"; the service must go by the database.
    with pytest.raises(ActionRefused):
        services.respond(charter=charter, member=member, kind="consent", reason="")


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_objection_without_a_reason_is_refused(team, leader, member, reason):
    charter = proposed(team, leader)

    with pytest.raises(ActionRefused, match="needs a reason"):
        services.respond(charter=charter, member=member, kind="objection", reason=reason)

    assert not Response.objects.exists()


def test_objection_without_a_reason_is_refused_by_the_database_too(team, leader, member):
    charter = proposed(team, leader)

    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(charter=charter, member=member, kind="objection", reason="")


def test_consent_needs_no_reason(team, leader, member):
    charter = proposed(team, leader)

    response = services.respond(charter=charter, member=member, kind="consent", reason="")

    assert response.kind == Response.Kind.CONSENT
    assert not response.is_open_objection


def test_responding_again_changes_the_one_response(team, leader, member):
    charter = proposed(team, leader)
    services.respond(charter=charter, member=member, kind="consent", reason="")

    services.respond(charter=charter, member=member, kind="objection", reason="  Too vague.  ")

    response = Response.objects.get()
    assert (response.kind, response.reason) == (Response.Kind.OBJECTION, "Too vague.")
    assert response.is_open_objection


def test_changing_an_answered_objection_reopens_it(team, leader, member):
    charter = proposed(team, leader)
    objection = services.respond(charter=charter, member=member, kind="objection", reason="Too vague.")
    services.answer_objection(response=objection, actor=leader, answer="kept", text="It is deliberate.")

    services.respond(charter=charter, member=member, kind="objection", reason="Still too vague for me.")

    response = Response.objects.get()
    assert response.is_open_objection
    assert (response.answer, response.answer_text, response.answered_by, response.answered_at) == (
        "",
        "",
        None,
        None,
    )
    with pytest.raises(ActionRefused, match="1 objection"):
        services.ratify(charter=charter, actor=leader, despite_gaps=True)


def test_repeating_the_same_objection_keeps_its_answer(team, leader, member):
    charter = proposed(team, leader)
    objection = services.respond(charter=charter, member=member, kind="objection", reason="Too vague.")
    services.answer_objection(response=objection, actor=leader, answer="kept", text="It is deliberate.")

    services.respond(charter=charter, member=member, kind="objection", reason="Too vague.")

    assert Response.objects.get().answer == Response.Answer.KEPT


def test_answering_an_objection_needs_an_explanation(team, leader, member):
    charter = proposed(team, leader)
    objection = services.respond(charter=charter, member=member, kind="objection", reason="Too vague.")

    with pytest.raises(ActionRefused, match="Explain your answer"):
        services.answer_objection(response=objection, actor=leader, answer="kept", text="  ")

    assert Response.objects.get().is_open_objection


def test_only_objections_are_answered(team, leader, member):
    charter = proposed(team, leader)
    consent = services.respond(charter=charter, member=member, kind="consent", reason="")

    with pytest.raises(ActionRefused, match="Only objections"):
        services.answer_objection(response=consent, actor=leader, answer="kept", text="Thanks.")


def test_a_response_records_the_revision_it_answered(team, leader, member):
    charter = proposed(team, leader)

    response = services.respond(charter=charter, member=member, kind="consent", reason="", seen_revision=1)

    assert (response.revision, reload(charter).revision) == (1, 1)
    assert not response.predates_latest_text


def test_a_response_to_a_revision_the_text_has_moved_on_from_is_refused(team, leader, member):
    charter = proposed(team, leader)
    services.update_people(charter=charter, expected_version=1, people="We include carers.")

    with pytest.raises(ActionRefused, match="The charter changed after you opened it"):
        services.respond(charter=charter, member=member, kind="objection", reason="Carers?", seen_revision=1)

    assert not Response.objects.exists()


def test_a_response_given_before_a_change_to_the_text_predates_it(team, leader, member):
    charter = proposed(team, leader)
    services.respond(charter=charter, member=member, kind="consent", reason="")

    services.update_process(charter=charter, expected_version=1, process="Fortnightly check-ins.")

    response = Response.objects.select_related("charter").get()
    assert response.predates_latest_text
    assert reload(charter).edited_at is not None  # "edited while proposed", for the lifecycle panel


# Ratifying --------------------------------------------------------------------------------------


def test_ratify_refuses_while_an_objection_is_unanswered(team, leader, member, facilitator):
    charter = proposed(team, leader)
    services.respond(charter=charter, member=facilitator, kind="consent", reason="")
    services.respond(charter=charter, member=member, kind="objection", reason="Too vague.")

    with pytest.raises(ActionRefused, match="1 objection"):
        services.ratify(charter=charter, actor=leader, despite_gaps=True)

    assert reload(charter).state == Charter.State.PROPOSED
    assert not ReviewCycle.objects.exists()


@pytest.mark.parametrize("answer", [Response.Answer.AMENDED, Response.Answer.KEPT])
def test_ratify_succeeds_once_every_objection_is_answered(team, leader, member, answer):
    charter = proposed(team, leader)
    objection = services.respond(charter=charter, member=member, kind="objection", reason="Too vague.")
    Charter.objects.filter(pk=charter.pk).update(revision=F("revision") + 1)  # the purpose reworded since
    services.answer_objection(response=objection, actor=leader, answer=answer, text="Reworded the purpose.")

    services.ratify(charter=charter, actor=leader, despite_gaps=True)

    charter = reload(charter)
    assert charter.state == Charter.State.RATIFIED
    assert charter.ratified_by == leader
    assert charter.ratified_at is not None
    assert not charter.is_editable and charter.was_ratified


def test_ratify_refuses_a_draft(team, leader):
    charter = complete_charter(team, leader)

    with pytest.raises(ActionRefused, match="Propose it to the team first"):
        services.ratify(charter=charter, actor=leader, despite_gaps=True)

    assert reload(charter).state == Charter.State.DRAFT


def _immutable_actions(charter: Charter):
    non_negotiable = charter.non_negotiables.first()
    goal = charter.goals.first()

    def update_item():
        non_negotiable.title = "Changed"
        return services.update_item(charter=charter, item=non_negotiable, expected_version=non_negotiable.version)

    return {
        "update_section": lambda: services.update_people(
            charter=charter, expected_version=charter.people_version, people="Changed",
        ),
        "add_item": lambda: services.add_item(charter=charter, item=NonNegotiable(charter=charter, title="Sneaked in")),
        "add_key_result": lambda: services.add_item(charter=charter, item=KeyResult(goal=goal, metric="Sneaked in")),
        "update_item": update_item,
        "delete_item": lambda: services.delete_item(charter=charter, item=non_negotiable),
        "move_item": lambda: services.move_item(charter=charter, item=non_negotiable, direction="down"),
    }


@pytest.mark.parametrize(
    "action",
    ["update_section", "add_item", "add_key_result", "update_item", "delete_item", "move_item"],
)
def test_a_ratified_version_cannot_change(team, leader, action):
    charter = ratified_charter(team, leader)
    before = list(charter.non_negotiables.values_list("pk", "title", "position"))

    with pytest.raises(ActionRefused, match="can no longer change"):
        _immutable_actions(charter)[action]()

    charter = reload(charter)
    assert charter.people.startswith("- We say what we see.")
    assert list(charter.non_negotiables.values_list("pk", "title", "position")) == before
    assert KeyResult.objects.filter(goal__charter=charter).count() == 1


@pytest.mark.parametrize("action", ["update_section", "add_item", "update_item", "delete_item", "move_item"])
def test_a_stale_copy_loaded_before_ratification_cannot_change_the_ratified_version(team, leader, action):
    charter = proposed(team, leader)
    stale = reload(charter)
    services.ratify(charter=charter, actor=leader, despite_gaps=True)
    before = list(charter.non_negotiables.values_list("pk", "title", "position"))

    with pytest.raises(ActionRefused, match="can no longer change"):
        _immutable_actions(stale)[action]()

    assert reload(charter).people.startswith("- We say what we see.")
    assert list(charter.non_negotiables.values_list("pk", "title", "position")) == before


# Which versions are which -----------------------------------------------------------------------


def test_querysets_name_the_versions_in_force_and_at_work(team, other_team, leader, member, charter_versions):
    """Version 1 superseded, 2 active, 3 proposed with the member's open objection."""
    v = charter_versions
    ratified_charter(other_team, leader)
    ours = Charter.objects.filter(team=team)

    assert list(ours.active()) == [v.active]
    assert list(ours.working()) == [v.proposed]
    assert set(ours.in_force_or_working()) == {v.active, v.proposed}
    assert Charter.objects.active_for(team) == v.active
    assert set(ours.readable(in_team=True)) == {v.superseded, v.active, v.proposed}
    assert set(ours.readable(in_team=False)) == {v.superseded, v.active}
    assert list(Response.objects.open_objections()) == [v.objection]
    assert v.objection.is_objection and v.objection.is_open_objection


def test_state_properties_and_the_refusal_to_edit(charter_versions):
    v = charter_versions

    assert v.proposed.is_proposed and v.proposed.is_editable and not v.proposed.was_ratified
    assert v.active.is_active and v.active.was_ratified and not v.active.is_editable
    assert v.superseded.is_superseded and v.superseded.was_ratified
    assert v.proposed.refusal_to_edit() is None
    assert v.active.refusal_to_edit() == ("Version 2 is ratified and can no longer change. "
                                          "Start an amendment to change the charter.")


# Amending ---------------------------------------------------------------------------------------


def test_amendment_copies_everything_into_a_new_draft(team, leader, member):
    active = ratified_charter(team, leader, non_negotiables=2, goals=2)
    Boundary.objects.filter(charter=active, position=2).update(guardrails="Ask **two** clinic leads.")
    extra_kr = KeyResult.objects.create(
        goal=active.goals.get(position=2),
        position=2,
        metric="Extra",
        start_value=1,
        target_value=2,
        current_value=Decimal("1.5"),
        confidence="at_risk",
    )

    draft = services.start_amendment(team=team, actor=member, note="Tighten the standards.")

    assert (draft.number, draft.state, draft.based_on, draft.created_by) == (
        2,
        Charter.State.DRAFT,
        active,
        member,
    )
    assert draft.amendment_note == "Tighten the standards."
    for field in (name for fields in Charter.TEXT_SECTIONS.values() for name in fields):
        assert getattr(draft, field) == getattr(active, field)
    item_fields = ["position", "title", "standard", "why"]
    assert list(draft.non_negotiables.values_list(*item_fields)) == list(
        active.non_negotiables.values_list(*item_fields)
    )
    boundary_fields = ["position", "area", "label", "guardrails", "set_by"]
    assert list(draft.boundaries.values_list(*boundary_fields)) == list(active.boundaries.values_list(*boundary_fields))
    goal_fields = ["position", "objective", "purpose_part", "tradeoff", "owner"]
    assert list(draft.goals.values_list(*goal_fields)) == list(active.goals.values_list(*goal_fields))
    # The copies join the review cycle when the amendment is ratified, not before.
    assert not CycleGoal.objects.filter(goal__charter=draft).exists()
    for new_goal, old_goal in zip(draft.goals.all(), active.goals.all(), strict=True):
        assert new_goal.origin == old_goal
        kr_fields = [
            "position",
            "metric",
            "unit",
            "start_value",
            "target_value",
            "current_value",
            "confidence",
        ]
        assert list(new_goal.key_results.values_list(*kr_fields)) == list(old_goal.key_results.values_list(*kr_fields))
        assert [kr.origin for kr in new_goal.key_results.all()] == list(old_goal.key_results.all())
    assert KeyResult.objects.get(goal__charter=draft, metric="Extra").origin == extra_kr
    # Copies, not moves: the ratified version keeps its own rows.
    assert active.non_negotiables.count() == 2 and active.goals.count() == 2
    assert reload(active).state == Charter.State.RATIFIED


def test_amendment_is_refused_without_a_ratified_charter(team, leader):
    complete_charter(team, leader)

    with pytest.raises(ActionRefused, match="no ratified charter"):
        services.start_amendment(team=team, actor=leader)


def test_only_one_amendment_is_open_at_a_time(team, leader):
    ratified_charter(team, leader)
    services.start_amendment(team=team, actor=leader)

    with pytest.raises(ActionRefused, match="already in progress"):
        services.start_amendment(team=team, actor=leader)

    assert Charter.objects.filter(team=team, state__in=Charter.EDITABLE_STATES).count() == 1


def test_the_database_allows_one_open_draft_per_team(team, other_team, leader):
    services.start_charter(team=team, actor=leader)

    with pytest.raises(IntegrityError), transaction.atomic():
        Charter.objects.create(team=team, number=2, state=Charter.State.PROPOSED)

    Charter.objects.create(team=other_team, number=1)  # another team's draft is fine


def test_the_database_allows_one_ratified_version_per_team(team, leader):
    ratified_charter(team, leader)

    with pytest.raises(IntegrityError), transaction.atomic():
        Charter.objects.create(team=team, number=2, state=Charter.State.RATIFIED)


def test_ratifying_an_amendment_supersedes_the_active_version(team, leader):
    first = ratified_charter(team, leader)
    draft = services.start_amendment(team=team, actor=leader)
    services.propose(charter=draft, actor=leader)

    services.ratify(charter=draft, actor=leader, despite_gaps=True)

    first, draft = reload(first), reload(draft)
    assert first.state == Charter.State.SUPERSEDED
    assert first.superseded_at == draft.ratified_at
    assert draft.state == Charter.State.RATIFIED
    assert Charter.objects.filter(team=team, state=Charter.State.RATIFIED).get() == draft
    assert draft.superseded_at is None


def test_three_versions_leave_one_ratified_and_two_superseded(team, leader):
    ratified_charter(team, leader)
    for _ in range(2):
        draft = services.start_amendment(team=team, actor=leader)
        services.propose(charter=draft, actor=leader)
        services.ratify(charter=draft, actor=leader, despite_gaps=True)

    states = dict(Charter.objects.filter(team=team).values_list("number", "state"))
    assert states == {1: "superseded", 2: "superseded", 3: "ratified"}


def test_ratifying_one_teams_charter_leaves_other_teams_alone(team, other_team, leader, outsider):
    theirs = ratified_charter(other_team, outsider)

    ratified_charter(team, leader)

    assert reload(theirs).state == Charter.State.RATIFIED


# Review cycles ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("time_zone", "utc_moment", "local_date"),
    [
        # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST).
        ("Europe/London", datetime(2025, 6, 30, 23, 30, tzinfo=UTC), date(2025, 7, 1)),
        # 03:00 UTC on 1 March is still 28 February, 19:00, in Los Angeles.
        ("America/Los_Angeles", datetime(2025, 3, 1, 3, 0, tzinfo=UTC), date(2025, 2, 28)),
    ],
)
def test_first_ratification_opens_cycle_1_on_the_teams_local_date(team, leader, time_zone, utc_moment, local_date):
    team.time_zone, team.review_cadence_weeks = time_zone, 3
    team.save(update_fields=["time_zone", "review_cadence_weeks"])
    charter = proposed(team, leader)
    assert utc_moment.date() != local_date

    with mock.patch("django.utils.timezone.now", return_value=utc_moment):
        services.ratify(charter=charter, actor=leader, despite_gaps=True)

    cycle = ReviewCycle.objects.get(team=team)
    assert (cycle.number, cycle.state, cycle.charter) == (1, ReviewCycle.State.OPEN, charter)
    assert cycle.start_date == local_date
    assert cycle.end_date == local_date + timedelta(weeks=3)


def test_goals_join_the_cycle_opened_at_ratification(team, leader):
    charter = ratified_charter(team, leader, goals=2)

    cycle = ReviewCycle.objects.get(team=team)
    assert set(CycleGoal.objects.filter(cycle=cycle).values_list("goal", flat=True)) == set(
        charter.goals.values_list("pk", flat=True)
    )
    assert CycleGoal.objects.count() == 2


def test_ratifying_an_amendment_keeps_the_open_cycle(team, leader):
    ratified_charter(team, leader)
    cycle = ReviewCycle.objects.get(team=team)
    draft = services.start_amendment(team=team, actor=leader)
    new_goal = services.add_item(
        charter=draft, item=Goal(charter=draft, objective="New goal", purpose_part="serves", tradeoff="Time."),
    )
    services.propose(charter=draft, actor=leader)

    services.ratify(charter=draft, actor=leader, despite_gaps=True)

    assert list(ReviewCycle.objects.filter(team=team)) == [cycle]
    in_cycle = set(CycleGoal.objects.filter(cycle=cycle).values_list("goal", flat=True))
    assert set(draft.goals.values_list("pk", flat=True)) <= in_cycle
    assert new_goal.pk in in_cycle


def test_ratifying_an_amendment_brings_key_result_progress_up_to_date(team, leader):
    active = ratified_charter(team, leader)
    draft = services.start_amendment(team=team, actor=leader)
    # A check-in moves the active key result while the amendment is being drafted.
    services.record_progress(key_result=KeyResult.objects.get(goal__charter=active), actor=leader,
                             value=Decimal("17.50"), confidence="on_track")
    copied = KeyResult.objects.get(goal__charter=draft)
    assert (copied.current_value, copied.confidence) == (Decimal("12"), "at_risk")
    services.propose(charter=draft, actor=leader)

    services.ratify(charter=draft, actor=leader, despite_gaps=True)

    copied.refresh_from_db()
    assert (copied.current_value, copied.confidence) == (Decimal("17.50"), "on_track")
    assert (copied.start_value, copied.target_value) == (Decimal("10"), Decimal("20"))


# Query counts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("items", [1, 5])
def test_starting_an_amendment_takes_the_same_queries_however_long_the_charter(
    team, leader, items, django_assert_num_queries
):
    ratified_charter(team, leader, non_negotiables=items, goals=items)

    # 1 savepoint, 2 lock the team (with its organisation), 3 the active version, 4 any open
    # draft?, 5 next number, 6 insert the draft, 7 goals with owners, 8 key results,
    # 9 non-negotiables, 10 boundaries, 11-14 bulk-insert the non-negotiables, boundaries,
    # goals and key results, 15 release.
    with django_assert_num_queries(15):
        services.start_amendment(team=team, actor=leader)


@pytest.mark.parametrize("items", [1, 5])
def test_ratifying_an_amendment_takes_the_same_queries_however_many_key_results_moved(
    team, leader, items, django_assert_num_queries
):
    active = ratified_charter(team, leader, goals=items)
    draft = services.start_amendment(team=team, actor=leader)
    for kr in KeyResult.objects.filter(goal__charter=active):
        services.record_progress(key_result=kr, actor=leader, value=15, confidence="off_track")
    services.propose(charter=draft, actor=leader)

    # 1 savepoint, 2 lock the team (the database writes its row as the version comes into force) and 3 the
    # charter, 4 the responses with their people (open objections among them) and 5 the team's memberships
    # with users (whose word on the final text is missing; none here, so no record is inserted:
    # `services.consent_standing`), 6 supersede the active version, 7 ratify, 8 carry key-result progress (one
    # UPDATE); nobody else in the team to tell of it (notices.tell_ratified); 9 the team's webhooks
    # (webhooks.post_ratified); 10 the map's signals changed (`organisation_map.forget_signals`);
    # `charter_ratified`: (reviews) 11 the open cycle, 12 the ratified version's goal ids, 13 link them all to
    # the cycle (one INSERT, conflicts ignored), 14 its review date (the end of its second cycle); 15 the audit
    # event (alignment.audit); 16 release.
    with django_assert_num_queries(16):
        services.ratify(charter=draft, actor=leader, despite_gaps=True)

    assert set(KeyResult.objects.filter(goal__charter=draft).values_list("confidence", flat=True)) == {"off_track"}


# Revisions of the text --------------------------------------------------------------------------


def _text_changes(charter: Charter):
    """Every kind of change to a draft's text, each made through its service."""
    non_negotiable = charter.non_negotiables.get(position=1)
    goal = charter.goals.first()

    def edit_item():
        non_negotiable.title = "Renamed"
        services.update_item(charter=charter, item=non_negotiable, expected_version=non_negotiable.version)

    return {
        "purpose": lambda: services.update_purpose(charter=charter, expected_version=1, **{
            name: f"New {name}" for name in Charter.TEXT_SECTIONS["purpose"]}),
        "people": lambda: services.update_people(charter=charter, expected_version=1, people="New people."),
        "process": lambda: services.update_process(charter=charter, expected_version=1, process="New process."),
        "add": lambda: services.add_item(charter=charter, item=NonNegotiable(charter=charter, title="Added")),
        "add key result": lambda: services.add_item(charter=charter, item=KeyResult(goal=goal, metric="Added")),
        "edit": edit_item,
        "move": lambda: services.move_item(charter=charter, item=non_negotiable, direction="down"),
        "delete": lambda: services.delete_item(charter=charter, item=non_negotiable),
    }


@pytest.mark.parametrize("change", ["purpose", "people", "process", "add", "add key result", "edit", "move",
                                    "delete"])
def test_every_change_to_the_text_is_a_new_revision(team, leader, change):
    charter = complete_charter(team, leader)
    assert charter.revision == 1

    _text_changes(charter)[change]()

    stored = reload(charter)
    assert stored.revision == 2
    assert stored.edited_at is None  # a draft's edits are not "since it was proposed"


def test_a_save_through_update_section_is_the_same_as_its_own_function(team, leader):
    charter = complete_charter(team, leader)

    saved = services.UPDATE_SECTION["people"](charter=charter, expected_version=1, people="Mapped.")

    assert (saved.people, saved.people_version, saved.revision) == ("Mapped.", 2, 2)
    assert charter.people != "Mapped."  # the caller's copy is not changed behind its back


def test_changes_that_change_nothing_are_not_a_new_revision(team, leader):
    charter = complete_charter(team, leader, non_negotiables=2)
    first = charter.non_negotiables.get(position=1)
    services.delete_item(charter=charter, item=charter.non_negotiables.get(position=2))
    assert reload(charter).revision == 2

    services.move_item(charter=charter, item=first, direction="up")  # already first
    services.move_item(charter=charter, item=first, direction="down")  # now the only one
    services.delete_item(charter=charter, item=NonNegotiable(pk=first.pk + 1000, charter=charter))  # not there

    assert reload(charter).revision == 2


def test_deleting_an_item_twice_is_a_no_op_the_second_time(team, leader):
    charter = complete_charter(team, leader)
    item = charter.non_negotiables.first()
    services.delete_item(charter=charter, item=item)

    services.delete_item(charter=charter, item=item)

    assert not NonNegotiable.objects.filter(pk=item.pk).exists()
    assert reload(charter).revision == 2


def test_moving_an_item_removed_meanwhile_is_refused(team, leader):
    charter = complete_charter(team, leader)
    item = charter.non_negotiables.first()
    NonNegotiable.objects.filter(pk=item.pk).delete()

    with pytest.raises(ItemRemoved, match="removed meanwhile"):
        services.move_item(charter=charter, item=item, direction="down")


def test_adding_a_key_result_to_a_goal_removed_meanwhile_is_refused(team, leader):
    charter = complete_charter(team, leader, goals=2)
    goal = charter.goals.get(objective="Goal 1")
    Goal.objects.filter(pk=goal.pk).delete()

    with pytest.raises(ItemRemoved, match="goal you were adding this key result to was removed"):
        services.add_item(charter=charter, item=KeyResult(goal=goal, metric="Orphan"))

    assert not KeyResult.objects.filter(metric="Orphan").exists()


def test_an_item_of_another_version_is_not_added_to_this_one(team, leader):
    active = ratified_charter(team, leader)
    draft = services.start_amendment(team=team, actor=leader)

    with pytest.raises(ActionRefused, match="belongs to another version"):
        services.add_item(charter=draft, item=NonNegotiable(charter=active, title="Sneaked in"))

    assert not NonNegotiable.objects.filter(title="Sneaked in").exists()


# Ordering and discarding ------------------------------------------------------------------------


def titles(charter: Charter) -> list[str]:
    return list(charter.non_negotiables.order_by("position", "pk").values_list("title", flat=True))


def test_move_item_up_and_down_reorders_the_list(team, leader):
    charter = complete_charter(team, leader, non_negotiables=3)
    third = charter.non_negotiables.get(title="Non-negotiable 3")
    first = charter.non_negotiables.get(title="Non-negotiable 1")

    services.move_item(charter=charter, item=third, direction="up")
    assert titles(charter) == ["Non-negotiable 1", "Non-negotiable 3", "Non-negotiable 2"]

    services.move_item(charter=charter, item=first, direction="down")
    assert titles(charter) == ["Non-negotiable 3", "Non-negotiable 1", "Non-negotiable 2"]


def test_moving_past_either_end_changes_nothing(team, leader):
    charter = complete_charter(team, leader, non_negotiables=2)

    services.move_item(charter=charter, item=charter.non_negotiables.get(title="Non-negotiable 1"), direction="up")
    services.move_item(charter=charter, item=charter.non_negotiables.get(title="Non-negotiable 2"), direction="down")

    assert titles(charter) == ["Non-negotiable 1", "Non-negotiable 2"]


def test_move_item_swaps_items_that_share_a_position(team, leader):
    charter = complete_charter(team, leader, non_negotiables=2)
    charter.non_negotiables.update(position=0)
    second = charter.non_negotiables.get(title="Non-negotiable 2")

    services.move_item(charter=charter, item=second, direction="up")

    assert titles(charter) == ["Non-negotiable 2", "Non-negotiable 1"]


def test_move_key_result_reorders_within_its_goal_only(team, leader):
    charter = complete_charter(team, leader, goals=2)
    goal = charter.goals.get(objective="Goal 1")
    added = services.add_item(charter=charter, item=KeyResult(goal=goal, metric="Second"))
    assert added.position == 2

    services.move_item(charter=charter, item=added, direction="up")

    assert list(goal.key_results.order_by("position").values_list("metric", flat=True)) == [
        "Second",
        "Metric 1",
    ]
    assert list(charter.goals.get(objective="Goal 2").key_results.values_list("metric", "position")) == [
        ("Metric 2", 1)
    ]


def test_add_item_appends_at_the_end(team, leader):
    charter = complete_charter(team, leader, non_negotiables=2)

    item = services.add_item(charter=charter, item=NonNegotiable(charter=charter, title="Last", standard="Seen."))

    assert item.position == 3
    assert titles(charter)[-1] == "Last"


@pytest.mark.parametrize("state", ["draft", "proposed"])
def test_discard_deletes_the_working_copy_and_its_items(team, leader, state):
    charter = proposed(team, leader) if state == "proposed" else complete_charter(team, leader)

    services.discard(charter=charter, actor=leader)

    assert not Charter.objects.filter(pk=charter.pk).exists()
    assert not NonNegotiable.objects.exists() and not Goal.objects.exists() and not KeyResult.objects.exists()


def test_discarding_an_amendment_keeps_the_active_version(team, leader):
    active = ratified_charter(team, leader)
    draft = services.start_amendment(team=team, actor=leader)

    services.discard(charter=draft, actor=leader)

    assert list(Charter.objects.filter(team=team)) == [active]
    assert active.goals.count() == 1 and KeyResult.objects.filter(goal__charter=active).count() == 1
    assert services.start_amendment(team=team, actor=leader).number == 2


def test_discard_refuses_a_ratified_version(team, leader):
    charter = ratified_charter(team, leader)

    with pytest.raises(ActionRefused):
        services.discard(charter=charter, actor=leader)

    assert reload(charter).state == Charter.State.RATIFIED


# Comments ---------------------------------------------------------------------------------------


def test_a_reply_to_a_reply_joins_the_thread(team, leader, member):
    charter = proposed(team, leader)
    thread = services.add_comment(charter=charter, section="people", author=member, body="Who pairs?")
    reply = services.add_comment(charter=charter, section="goals", author=leader, body="Anyone.", parent=thread)

    nested = services.add_comment(charter=charter, section="goals", author=member, body="OK.", parent=reply)

    assert (nested.parent, nested.section) == (thread, "people")


def test_comments_are_closed_on_a_ratified_version(team, leader, member):
    charter = ratified_charter(team, leader)

    with pytest.raises(ActionRefused, match="Comments are closed"):
        services.add_comment(charter=charter, section="people", author=member, body="Late thought.")


# Deleting ---------------------------------------------------------------------------------------


def test_a_team_whose_cycle_ran_under_a_charter_can_still_be_deleted(team, leader):
    ratified_charter(team, leader)
    assert ReviewCycle.objects.filter(team=team).exists()

    team.delete()

    assert not Charter.objects.exists() and not ReviewCycle.objects.exists()


def test_an_organisation_with_ratified_charters_can_still_be_deleted(organisation, team, leader):
    ratified_charter(team, leader)

    organisation.delete()

    assert not Charter.objects.exists() and not ReviewCycle.objects.exists()


def test_the_version_a_cycle_ran_under_cannot_be_deleted_on_its_own(team, leader):
    charter = ratified_charter(team, leader)

    with pytest.raises((ProtectedError, RestrictedError)), transaction.atomic():
        charter.delete()

    assert Charter.objects.filter(pk=charter.pk).exists()
