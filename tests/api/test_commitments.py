"""Commitments and renegotiations through the API: the pages' services, forms, questions and refusals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from checkins.models import CheckIn, Commitment, Renegotiation
from tests.checkins.conftest import MONDAY, at

T = "/api/v1/organisations/harbour/teams/platform"
DUE = date(2026, 12, 4)


def commitment_rows() -> tuple:
    return (list(Commitment.objects.values_list("pk", "state", "version", "owner_id", "due_on")),
            list(Renegotiation.objects.values_list("pk", "state")))


def test_asked_accepted_renegotiated_and_done_as_the_pages_do_it(api_as, team, leader, member, login, frozen):
    frozen(at(2))
    as_leader, as_member = api_as("leader"), api_as("member")

    asked = as_leader.post(T + "/commitments/requests", {"owner": member.pk, "title": "Write the runbook",
                                                          "standard": "On-call can follow it", "due_on": str(DUE)})
    assert asked.status_code == 201, asked.content
    ask = asked.json()
    assert (ask["state"], ask["owner"]["id"], ask["was_asked"]) == ("requested", member.pk, True)
    assert ask["may"]["answer_request"] is False  # the leader is not the one asked
    path = f"{T}/commitments/{ask['id']}"

    accepted = as_member.post(path + "/answer", {"accept": True})
    assert accepted.json()["state"] == "open" and accepted.json()["may"]["mark_done"]

    deferring = as_member.post(path + "/renegotiations", {"kind": "defer", "reason": "Rota change",
                                                          "proposed_due_on": str(DUE + timedelta(days=7))})
    assert deferring.status_code == 201
    pending = deferring.json()["pending_renegotiation"]
    decided = as_leader.post(f"{T}/renegotiations/{pending}/decision", {"accept": True, "comment": "Fine"})
    assert decided.status_code == 200
    assert decided.json()["due_on"] == str(DUE + timedelta(days=7))
    assert [(r["kind"], r["state"], r["comment"]) for r in decided.json()["history"]] == [
        ("defer", "accepted", "Fine")]

    before = commitment_rows()
    stale = as_member.post(path + "/done", {"version": ask["version"]})
    assert stale.status_code == 409 and "changed since you loaded it" in stale.json()["detail"]
    assert commitment_rows() == before
    done = as_member.post(path + "/done", {"version": decided.json()["version"]})
    assert done.json()["state"] == "done"

    page = login(member).get(done.json()["url"].removeprefix("http://testserver"))
    assert page.status_code == 200 and "Write the runbook" in page.content.decode()
    mine = as_member.get(T + "/commitments?mine=true").json()["results"]
    assert [(c["id"], c["state"]) for c in mine] == [(ask["id"], "done")]


def test_an_overloaded_person_is_asked_first_as_the_page_asks(api_as, team, leader, member, frozen):
    frozen(at(2))
    CheckIn.objects.create(team=team, author=member, week=MONDAY, state="submitted", submitted_at=at(1),
                           load="overloaded")
    new = {"title": "Pair on the migration", "standard": "Merged", "due_on": str(DUE)}

    refused = api_as("member").post(T + "/commitments", new)
    asked = api_as("leader").post(T + "/commitments/requests", {**new, "owner": member.pk})

    assert refused.status_code == 409 and "overload_note" in refused.json()["detail"]
    assert asked.status_code == 409 and f"overload_warned_for: {member.pk}" in asked.json()["detail"]
    assert not Commitment.objects.exists()

    taken = api_as("member").post(T + "/commitments", {**new, "overload_note": "It unblocks two people"})
    asked = api_as("leader").post(T + "/commitments/requests", {**new, "owner": member.pk,
                                                                "overload_warned_for": member.pk})

    assert taken.status_code == 201 and asked.status_code == 201
    mine = Commitment.objects.get(pk=taken.json()["id"])
    assert (mine.overload_note, mine.overload_acknowledged_at) == ("It unblocks two people", timezone.now())
    assert Commitment.objects.get(pk=asked.json()["id"]).asked_while_overloaded_at == timezone.now()


def test_what_the_forms_and_services_refuse_comes_back_as_problems(api_as, team, member, frozen):
    frozen(at(2))
    api = api_as("member")
    made = api.post(T + "/commitments", {"title": "Tidy the backlog", "standard": "Under 50 items",
                                         "due_on": str(DUE), "goal": 999999}).json()
    assert made["errors"] == [{"where": "goal", "message": "Not a goal of the charter in force."}]
    made = api.post(T + "/commitments", {"title": "Tidy the backlog", "standard": "Under 50 items",
                                         "due_on": str(DUE)}).json()
    before = commitment_rows()

    no_date = api.post(f"{T}/commitments/{made['id']}/renegotiations", {"kind": "defer", "reason": "Busy"})
    no_kind = api.post(f"{T}/commitments/{made['id']}/renegotiations", {"kind": "later", "reason": "Busy"})

    assert (no_date.status_code, no_date.json()["detail"]) == (409, "To defer, give the new date you can keep.")
    assert no_kind.status_code == 422 and no_kind.json()["errors"][0]["where"] == "kind"
    assert commitment_rows() == before


@pytest.mark.parametrize("size", [2, 12])
def test_a_page_of_commitments_costs_the_same_at_any_size(size, api_as, team, member, frozen,
                                                           django_assert_num_queries):
    frozen(at(2))
    Commitment.objects.bulk_create(Commitment(team=team, owner=member, created_by=member, title=f"Commitment {n}",
                                              standard="Done", due_on=DUE + timedelta(days=n)) for n in range(size))
    api = api_as("member")
    api.get(T + "/commitments")  # the token's first use is written once a minute

    # The token with its person and organisation; the member's memberships with the team's people (the access);
    # a page of commitments with their owners, goals and team; the audit event of the call.
    with django_assert_num_queries(4):
        response = api.get(T + "/commitments?page_size=20")

    assert len(response.json()["results"]) == size


def test_a_write_whose_audit_event_cannot_be_recorded_is_not_kept(api_as, team, member, frozen, monkeypatch):
    """The write and its "API call" event share one transaction: a process that fails between them keeps neither."""
    from api import calls

    frozen(at(2))

    def fails(*args, **kwargs):
        raise RuntimeError("the process dies here")

    monkeypatch.setattr(calls, "_record", fails)
    with pytest.raises(RuntimeError):
        api_as("member").post(T + "/commitments", {"title": "Pair on the migration", "standard": "Merged",
                                                  "due_on": str(DUE)})

    assert not Commitment.objects.exists()
