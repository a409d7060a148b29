"""Commitment rules: asked commitments wait for an answer; renegotiations are asked, one at a time, and decided."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError

from alignment.errors import ActionRefused
from checkins import services
from checkins.models import Commitment, Renegotiation
from tests.checkins.conftest import at

pytestmark = pytest.mark.django_db

DUE, LATER = date(2026, 12, 1), date(2026, 12, 15)


@pytest.fixture
def commitment(team, member):
    return services.create_commitment(team=team, owner=member, actor=member, title="Failover runbook",
                                      standard="Tested by someone else", due_on=DUE, now=at(1))


def ask(commitment, kind, *, reason="New work arrived", **proposal):
    return services.ask_to_renegotiate(commitment_id=commitment.pk, team=commitment.team, actor=commitment.owner,
                                       kind=kind, reason=reason, now=at(2), **proposal)


def decide(renegotiation, leader, *, accept: bool, comment: str = "OK"):
    return services.decide_renegotiation(renegotiation_id=renegotiation.pk, team=renegotiation.commitment.team,
                                         actor=leader, accept=accept, comment=comment, now=at(3))


def test_ones_own_commitment_is_open_at_once(commitment, member):
    assert commitment.is_open and commitment.created_by == member


def test_a_commitment_asked_of_someone_waits_for_them(team, leader, member):
    asked = services.create_commitment(team=team, owner=member, actor=leader, title="Rota", standard="Published",
                                       due_on=DUE)
    assert asked.is_requested

    accepted = services.answer_request(commitment_id=asked.pk, team=team, actor=member, accept=True)

    assert accepted.is_open


def test_the_person_asked_may_decline(team, leader, member):
    asked = services.create_commitment(team=team, owner=member, actor=leader, title="Rota", standard="Published",
                                       due_on=DUE)

    assert services.answer_request(commitment_id=asked.pk, team=team, actor=member, accept=False).state == "declined"


def test_only_the_person_asked_answers(team, leader, member, facilitator):
    asked = services.create_commitment(team=team, owner=member, actor=leader, title="Rota", standard="Published",
                                       due_on=DUE)

    with pytest.raises(ActionRefused, match="Only the person asked"):
        services.answer_request(commitment_id=asked.pk, team=team, actor=facilitator, accept=True)


@pytest.mark.parametrize(("kind", "proposal", "field", "after"), [
    ("defer", {"due_on": LATER}, "due_on", LATER),
    ("rescope", {"standard": "Written; testing next cycle"}, "standard", "Written; testing next cycle"),
    ("drop", {}, "state", "dropped"),
])
def test_accepting_applies_the_change(commitment, leader, kind, proposal, field, after):
    renegotiation = decide(ask(commitment, kind, **proposal), leader, accept=True, comment="Agreed")

    commitment.refresh_from_db()
    assert getattr(commitment, field) == after
    assert renegotiation.is_accepted and renegotiation.decided_by == leader and renegotiation.comment == "Agreed"
    assert commitment.version == 1


@pytest.mark.parametrize(("kind", "proposal"), [
    ("defer", {"due_on": LATER}), ("rescope", {"standard": "Less"}), ("drop", {}),
])
def test_declining_leaves_the_commitment_as_it_was(commitment, leader, facilitator, kind, proposal):
    renegotiation = decide(ask(commitment, kind, **proposal), leader, accept=False, comment="Not this week")

    commitment.refresh_from_db()
    assert (commitment.due_on, commitment.standard, commitment.state, commitment.version) == (
        DUE, "Tested by someone else", "open", 0)
    assert renegotiation.state == "declined" and renegotiation.comment == "Not this week"


def test_a_hand_over_is_theirs_once_the_new_owner_accepts(commitment, leader, facilitator, team):
    decide(ask(commitment, "hand_over", new_owner=facilitator), leader, accept=True)
    commitment.refresh_from_db()
    assert commitment.owner == facilitator and commitment.is_requested

    services.answer_request(commitment_id=commitment.pk, team=team, actor=facilitator, accept=True)

    commitment.refresh_from_db()
    assert commitment.owner == facilitator and commitment.is_open


def test_a_hand_over_leaves_the_first_owners_overload_behind(commitment, leader, facilitator, team):
    from django.utils import timezone

    now = timezone.now()
    type(commitment).objects.filter(pk=commitment.pk).update(
        overload_acknowledged_at=now, overload_note="Took it on while overloaded", asked_while_overloaded_at=now)

    decide(ask(commitment, "hand_over", new_owner=facilitator), leader, accept=True)

    commitment.refresh_from_db()
    assert (commitment.overload_acknowledged_at, commitment.overload_note) == (None, "")
    assert commitment.asked_while_overloaded_at == now  # the request's history


def test_a_hand_over_the_new_owner_declines_goes_back(commitment, leader, facilitator, member, team):
    decide(ask(commitment, "hand_over", new_owner=facilitator), leader, accept=True)

    services.answer_request(commitment_id=commitment.pk, team=team, actor=facilitator, accept=False)

    commitment.refresh_from_db()
    assert commitment.owner == member and commitment.is_open


def test_one_pending_renegotiation_at_a_time(commitment):
    ask(commitment, "defer", due_on=LATER)

    with pytest.raises(ActionRefused, match="already asked to renegotiate"):
        ask(commitment, "drop")


def test_one_pending_renegotiation_in_the_database(commitment, member):
    ask(commitment, "drop")

    with pytest.raises(IntegrityError):
        Renegotiation.objects.create(commitment=commitment, kind="drop", reason="Again", asked_by=member,
                                     was_due_on=DUE, was_owner=member)


def test_after_a_decision_another_may_be_asked(commitment, leader):
    decide(ask(commitment, "defer", due_on=LATER), leader, accept=False)

    assert ask(commitment, "rescope", standard="Smaller").is_pending


@pytest.mark.parametrize(("kind", "proposal", "words"), [
    ("defer", {}, "give the new date"),
    ("defer", {"due_on": DUE}, "give the new date"),
    ("rescope", {"standard": "  "}, "write the new standard"),
    ("hand_over", {}, "choose who it goes to"),
])
def test_a_proposal_without_its_change_is_refused_in_words(commitment, kind, proposal, words):
    with pytest.raises(ActionRefused, match=words):
        ask(commitment, kind, **proposal)


def test_only_the_owner_renegotiates(commitment, facilitator):
    with pytest.raises(ActionRefused, match="Only the commitment's owner"):
        services.ask_to_renegotiate(commitment_id=commitment.pk, team=commitment.team, actor=facilitator,
                                    kind="drop", reason="Mine now")


def test_a_decided_renegotiation_is_not_decided_again(commitment, leader):
    renegotiation = decide(ask(commitment, "defer", due_on=LATER), leader, accept=True)

    with pytest.raises(ActionRefused, match="Lena Leader already accepted"):
        decide(renegotiation, leader, accept=False)


def test_a_closed_commitment_is_not_renegotiated(commitment, member, team):
    services.mark_commitment_done(commitment_id=commitment.pk, team=team, actor=member, expected_version=0)

    with pytest.raises(ActionRefused, match="only an open one"):
        ask(Commitment.objects.get(pk=commitment.pk), "drop")


def test_mark_done_from_a_stale_page_is_refused(commitment, member, leader, team):
    decide(ask(commitment, "defer", due_on=LATER), leader, accept=True)

    with pytest.raises(ActionRefused, match="changed since you loaded it"):
        services.mark_commitment_done(commitment_id=commitment.pk, team=team, actor=member, expected_version=0)


def test_the_history_keeps_what_it_was_and_what_it_became(commitment, leader):
    decide(ask(commitment, "defer", due_on=LATER), leader, accept=True)
    decide(ask(commitment, "rescope", standard="Written only"), leader, accept=False)

    history = list(commitment.renegotiations.values_list("kind", "was_due_on", "proposed_due_on", "state",
                                                         "decided_by"))

    assert history == [("defer", DUE, LATER, "accepted", leader.pk), ("rescope", LATER, None, "declined", leader.pk)]


def test_an_archived_team_takes_no_new_commitment(team, member):
    from django.utils import timezone

    team.archived_at = timezone.now()
    team.save(update_fields=["archived_at"])

    with pytest.raises(ActionRefused, match="archived"):
        services.create_commitment(team=team, owner=member, actor=member, title="X", standard="Y", due_on=DUE)


def test_a_hand_over_to_someone_who_left_cannot_be_accepted(commitment, leader, facilitator):
    renegotiation = ask(commitment, "hand_over", new_owner=facilitator)
    facilitator.delete()

    with pytest.raises(ActionRefused, match="no longer here"):
        decide(renegotiation, leader, accept=True)
    assert decide(renegotiation, leader, accept=False).state == "declined"


def test_an_archived_team_decides_nothing(commitment, leader, team):
    from django.utils import timezone

    renegotiation = ask(commitment, "drop")
    team.archived_at = timezone.now()
    team.save(update_fields=["archived_at"])

    with pytest.raises(ActionRefused, match="archived"):
        services.decide_renegotiation(renegotiation_id=renegotiation.pk, team=team, actor=leader, accept=True)
