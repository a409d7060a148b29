"""Check-ins through the API: the same check-in the web form writes and the pages show, with the pages' privacy."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from alignment.permissions import team_access
from charters.models import KeyResult
from checkins.models import Blocker, CheckIn, KeyResultUpdate
from checkins.permissions import may_read_checkin
from tests.api.conftest import ApiClient
from tests.checkins.conftest import MONDAY, as_shown, at, charter  # noqa: F401 (a fixture)

T = "/api/v1/organisations/harbour/teams/platform"
WEEK = f"{T}/checkins/weeks/{MONDAY.isoformat()}"


def whole_checkin(**overrides) -> dict:
    return {"version": 0, "progress": "Shipped the rota export.", "load": "about_right", **overrides}


def rows() -> tuple:
    """Everything a save writes: the check-ins, their blockers and key-result updates."""
    return (list(CheckIn.objects.values_list("pk", "state", "version", "progress", "load")),
            list(Blocker.objects.values_list("pk", "what", "resolved_at")),
            list(KeyResultUpdate.objects.values_list("pk", "value", "confidence")))


def test_a_check_in_saved_through_the_api_is_the_one_the_web_form_and_the_week_show(
        api_as, charter, member, leader, login, frozen, client):  # noqa: F811 (the fixture imported above)
    frozen(at(2))
    key_result = KeyResult.objects.get(goal__charter=charter)
    strained = charter.non_negotiables.get(title="No pager heroics")
    api = api_as("member")
    mine = api.get(WEEK + "/mine").json()
    assert (mine["state"], mine["version"], [kr["id"] for kr in mine["key_results"]]) == ("new", 0, [key_result.pk])

    draft = api.post(WEEK + "/mine/draft", whole_checkin(
        fingerprint=mine["fingerprint"], strained_non_negotiable=strained.pk, strain_note="Reviews waited",
        blockers=[{"what": "Staging VPN down", "who_could_help": leader.pk}],
        key_results=[{"key_result": key_result.pk, "value": "2.5", "confidence": "at_risk"}]))

    assert draft.status_code == 200, draft.content
    saved = draft.json()
    shown = as_shown(login(member))  # the web form, as the member's browser gets it
    assert (shown["version"], shown["fingerprint"]) == (str(saved["version"]), saved["fingerprint"])
    assert (shown["progress"], shown["load"], shown["strained_non_negotiable"], shown["strain_note"]) == (
        "Shipped the rota export.", "about_right", str(strained.pk), "Reviews waited")
    assert (shown["blocker_0_what"], shown["blocker_0_who"]) == ("Staging VPN down", str(leader.pk))
    assert Decimal(shown[f"kr_{key_result.pk}_value"]) == Decimal("2.5")
    assert shown[f"kr_{key_result.pk}_confidence"] == "at_risk"
    again = api.get(WEEK + "/mine").json()
    assert (again["version"], again["fingerprint"], again["blockers"][0]["what"]) == (
        saved["version"], saved["fingerprint"], "Staging VPN down")

    submitted = api.post(WEEK + "/mine/submit", whole_checkin(
        version=saved["version"], strained_non_negotiable=strained.pk, strain_note="Reviews waited",
        blockers=[{"what": "Staging VPN down", "who_could_help": leader.pk}],
        key_results=[{"key_result": key_result.pk, "value": "2.5", "confidence": "at_risk"}]))

    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["state"] == "submitted" and submitted.json()["fingerprint"] == saved["fingerprint"]
    checkin = CheckIn.objects.get()
    read = api_as("leader").get(f"{T}/checkins/{checkin.pk}").json()
    assert (read["progress"], read["load"], read["strained_non_negotiable"]["id"]) == (
        "Shipped the rota export.", "about_right", strained.pk)
    assert [b["what"] for b in read["blockers"]] == ["Staging VPN down"]
    assert read["key_results"] == [{"key_result": key_result.pk, "metric": "Releases per month", "unit": "",
                                    "value": "2.50", "confidence": "at_risk"}]
    page = login(leader).get(read["url"].removeprefix("http://testserver"))
    assert page.status_code == 200 and "Shipped the rota export." in page.content.decode()


def test_draft_then_submit_then_edit_until_the_week_closes(api_as, charter, member, frozen):  # noqa: F811
    frozen(at(1))
    api = api_as("member")

    first = api.post(WEEK + "/mine/draft", whole_checkin(progress="Half-way", load=""))
    assert first.json()["version"] == 1 and first.json()["state"] == "draft"

    # submitting needs what moved and the load, as the form says
    incomplete = api.post(WEEK + "/mine/submit", whole_checkin(version=1, progress="", load=""))
    assert incomplete.status_code == 422
    assert {e["where"] for e in incomplete.json()["errors"]} == {"progress", "load"}

    submitted = api.post(WEEK + "/mine/submit", whole_checkin(version=1))
    assert (submitted.status_code, submitted.json()["version"], submitted.json()["late"]) == (200, 2, False)

    before = rows()
    as_draft = api.post(WEEK + "/mine/draft", whole_checkin(version=2, progress="Back to a draft?"))
    assert as_draft.status_code == 409 and "already submitted" in as_draft.json()["detail"]
    stale = api.post(WEEK + "/mine/submit", whole_checkin(version=1, progress="From an old tab"))
    assert stale.status_code == 409
    assert (stale.json()["title"], stale.json()["version"]) == ("Refused", 2)
    assert rows() == before

    frozen(at(4, "11:00"))  # after Friday 10:00: an update is fine, and the check-in is not made late by it
    edited = api.post(WEEK + "/mine/submit", whole_checkin(version=2, progress="Shipped, and documented."))
    assert (edited.status_code, edited.json()["version"], edited.json()["late"]) == (200, 3, False)

    frozen(at(7, "00:00"))  # the next Monday: the week has closed
    before = rows()
    closed = api.post(WEEK + "/mine/submit", whole_checkin(version=3, progress="Too late"))
    assert closed.status_code == 409 and "has ended" in closed.json()["detail"]
    assert closed["Content-Type"] == "application/problem+json"
    assert rows() == before
    assert api.get(WEEK + "/mine").json()["editable"] is False


def test_ids_the_form_does_not_offer_are_named_not_dropped(api_as, charter, member, outsider, frozen):  # noqa: F811
    frozen(at(1))

    response = api_as("member").post(WEEK + "/mine/draft", whole_checkin(
        strained_non_negotiable=999999, blockers=[{"what": "Who?", "who_could_help": outsider.pk}],
        key_results=[{"key_result": 999999, "value": "1"}]))

    assert response.status_code == 422
    assert {e["where"] for e in response.json()["errors"]} == {
        "strained_non_negotiable", "blockers.0.who_could_help", "key_results.999999"}
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("open_to_team", [False, True])
def test_the_week_lists_exactly_the_check_ins_each_reader_may_read(
        open_to_team, api_as, make_api_token, client, team, leader, member, facilitator, make_user, add_member,
        frozen):
    frozen(at(2))
    team.checkins_open_to_team = open_to_team
    team.save(update_fields=["checkins_open_to_team"])
    other = make_user("other@example.com", "Oli Other")
    add_member(team, other, "member")
    for author, state in ((member, "submitted"), (facilitator, "draft"), (other, "draft")):
        CheckIn.objects.create(team=team, author=author, week=MONDAY, state=state,
                               submitted_at=at(1) if state == "submitted" else None)
    CheckIn.objects.create(team=team, author=other, week=MONDAY - timedelta(weeks=1), state="submitted",
                           submitted_at=at(1) - timedelta(weeks=1))  # another week: never listed
    this_week = list(CheckIn.objects.filter(week=MONDAY))

    for reader, who in ((leader, "leader"), (member, "member"), (facilitator, "facilitator"), (other, "other")):
        reader_access = team_access(reader, "harbour", "platform")
        expected = {c.pk for c in this_week if may_read_checkin(reader_access, c)}
        api = api_as(who) if who != "other" else ApiClient(client, make_api_token(other))
        listed = api.get(WEEK + "/checkins").json()["results"]
        assert {c["id"] for c in listed} == expected, who


def test_the_summary_keeps_small_counts_and_people_s_words_to_those_the_page_shows_them(
        api_as, team, charter, member, facilitator, leader, admin, frozen):  # noqa: F811
    frozen(at(2))
    strained = charter.non_negotiables.first()
    for author in (member, facilitator):
        CheckIn.objects.create(team=team, author=author, week=MONDAY, state="submitted", submitted_at=at(1),
                               load="overloaded", strained_non_negotiable=strained, strain_note="Too many pages",
                               boundary_question="Who owns the rota?")

    as_leader = api_as("leader").get(WEEK).json()
    as_admin = api_as("admin").get(WEEK).json()

    overloaded = next(row for row in as_leader["load"] if row["load"] == "overloaded")
    assert (overloaded["count"], overloaded["shown"]) == (None, "fewer than 3")  # two of them: it would name them
    assert as_admin["load"] == as_leader["load"] and as_admin["counts"] == {"submitted": 2, "draft": 0, "missing": 0}
    assert as_leader["reads_checkins"] and len(as_leader["strains"][0]["notes"]) == 2
    assert len(as_leader["boundary_questions"]) == 2
    assert not as_admin["reads_checkins"] and as_admin["strains"][0]["notes"] == []
    assert (as_admin["boundary_question_count"], as_admin["boundary_questions"]) == (2, [])


@pytest.mark.parametrize("size", [2, 12])
def test_a_page_of_the_week_s_check_ins_costs_the_same_at_any_size(
        size, api_as, team, charter, leader, make_user, add_member, frozen,  # noqa: F811
        django_assert_num_queries):
    frozen(at(2))
    key_result = KeyResult.objects.get(goal__charter=charter)
    for n in range(size):
        author = make_user(f"writer{n}@example.com", f"Writer {n}")
        add_member(team, author, "member")
        checkin = CheckIn.objects.create(team=team, author=author, week=MONDAY, state="submitted", submitted_at=at(1),
                                         strained_non_negotiable=charter.non_negotiables.first())
        Blocker.objects.create(check_in=checkin, position=0, what=f"Blocker {n}", who_could_help=leader)
        KeyResultUpdate.objects.create(check_in=checkin, key_result=key_result, value=n, confidence="on_track")
    api = api_as("leader")
    api.get(f"{T}/checkins/weeks/current/checkins")  # the token's first use is written once a minute

    # The token with its person and organisation; the leader's memberships with the team's people (the access);
    # a page of check-ins with their authors, strained non-negotiables and who acknowledged them; their blockers
    # with who could help, goals and who resolved them; their key-result updates with the key results; the
    # audit event of the call.
    with django_assert_num_queries(6):
        response = api.get(f"{T}/checkins/weeks/current/checkins?page_size=20")

    assert response.status_code == 200 and len(response.json()["results"]) == size
