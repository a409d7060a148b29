"""Saving a draft as one types: one compare-and-set write, the rest written only when it changed.

The form carries its check-in's version and the fingerprint of what it said beyond its words and
load when that version was saved (the strained non-negotiable, blockers, key-result values). A save
with all of that unchanged reads no ids and writes the check-in's row alone; anything else is written
row by row where it differs, read with the ids the charter and the team offer unless every id it names
is one the server vouched for (`named`, a keyed digest of the ids last read or checked).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from alignment.errors import ConcurrentEditError
from alignment.weeks import week_starting
from charters.models import Charter, KeyResult, NonNegotiable
from checkins import services
from checkins.content import BlockerRow, CheckInContent, vouched
from checkins.models import Blocker, CheckIn, KeyResultUpdate
from tests.checkins.conftest import MONDAY, as_shown, at, url

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def as_member(login, member, frozen):
    frozen(at(2, "10:04"))
    return login(member)


def next_save(response) -> dict:
    """What an htmx answer swaps into the form for the next save: the version and the fingerprint."""
    body = response.content.decode()
    return {name: re.search(rf'name="{name}" value="([^"]*)"', body)[1] for name in ("version", "fingerprint")}


@pytest.fixture
def draft(team, member, charter):
    """The member's draft this week: a blocker, a strained non-negotiable and a key-result value, saved."""
    key_result = KeyResult.objects.get()
    checkin = CheckIn.objects.create(team=team, author=member, week=MONDAY, version=3, progress="Half-way",
                                     strained_non_negotiable=NonNegotiable.objects.get(title="No pager heroics"))
    Blocker.objects.create(check_in=checkin, position=0, what="Staging VPN down", opened_at=at(0))
    KeyResultUpdate.objects.create(check_in=checkin, key_result=key_result, value=Decimal(2), confidence="at_risk")
    return checkin


def test_typing_words_writes_the_check_in_alone_and_answers_the_next_version(as_member, draft):
    blocker = Blocker.objects.get()
    data = as_shown(as_member) | {"progress": "Half-way; the export runs"}

    response = as_member.post(url("save_draft"), data, **HTMX)

    assert response.status_code == 200
    assert "Draft saved at 10:04" in response.content.decode() and "<html" not in response.content.decode()
    assert next_save(response) == {"version": "4", "fingerprint": data["fingerprint"]}
    draft.refresh_from_db()
    assert (draft.progress, draft.version, draft.is_draft) == ("Half-way; the export runs", 4, True)
    assert draft.strained_non_negotiable.title == "No pager heroics"
    assert list(Blocker.objects.values_list("pk", "what")) == [(blocker.pk, "Staging VPN down")]
    assert KeyResultUpdate.objects.get().value == Decimal(2)


def test_changed_rows_are_written_and_the_answer_carries_their_fingerprint(as_member, draft, leader):
    shown = as_shown(as_member)
    key_result = KeyResult.objects.get()

    first = as_member.post(url("save_draft"), shown | {
        "blocker_0_what": "Staging VPN down since Monday", "blocker_0_who": str(leader.pk),
        "blocker_1_what": "No test data", f"kr_{key_result.pk}_value": "3"}, **HTMX)

    assert first.status_code == 200 and next_save(first)["fingerprint"] != shown["fingerprint"]
    assert list(Blocker.objects.order_by("position").values_list("what", "who_could_help")) == [
        ("Staging VPN down since Monday", leader.pk), ("No test data", None)]
    assert KeyResultUpdate.objects.get().value == Decimal(3)

    # Typing on: the rows are as the answer said, so the next save writes the check-in alone.
    typed = shown | {"blocker_0_what": "Staging VPN down since Monday", "blocker_0_who": str(leader.pk),
                     "blocker_1_what": "No test data", f"kr_{key_result.pk}_value": "3"}
    second = as_member.post(url("save_draft"), typed | next_save(first) | {"progress": "More"}, **HTMX)

    assert second.status_code == 200 and next_save(second)["fingerprint"] == next_save(first)["fingerprint"]
    assert CheckIn.objects.get().progress == "More"


def test_a_non_negotiable_of_another_charter_is_read_as_none(as_member, draft, team, other_team):
    elsewhere = Charter.objects.create(team=other_team, number=1, state=Charter.State.RATIFIED)
    theirs = NonNegotiable.objects.create(charter=elsewhere, title="Their rule", position=0)

    response = as_member.post(url("save_draft"), as_shown(as_member) | {"strained_non_negotiable": str(theirs.pk)},
                              **HTMX)

    assert response.status_code == 200
    assert CheckIn.objects.get().strained_non_negotiable is None


def test_a_fingerprint_sent_for_ids_it_does_not_name_writes_none_of_them(as_member, draft, other_team, member):
    """A post whose fingerprint was made to match ids it names itself (not the form's) writes words only."""
    elsewhere = Charter.objects.create(team=other_team, number=1, state=Charter.State.RATIFIED)
    theirs = NonNegotiable.objects.create(charter=elsewhere, title="Their rule", position=0)
    forged = CheckInContent(strained_non_negotiable=theirs, blockers=(BlockerRow(0, "Staging VPN down"),))

    response = as_member.post(url("save_draft"), as_shown(as_member) | {
        "strained_non_negotiable": str(theirs.pk), "fingerprint": forged.fingerprint(),
        f"kr_{KeyResult.objects.get().pk}_value": "", f"kr_{KeyResult.objects.get().pk}_confidence": "",
        "progress": "Words only"}, **HTMX)

    assert response.status_code == 200
    checkin = CheckIn.objects.get()
    assert checkin.progress == "Words only"
    assert checkin.strained_non_negotiable.title == "No pager heroics"
    assert KeyResultUpdate.objects.get().value == Decimal(2)


def vouched_in(response) -> str:
    found = re.search(r'name="named" value="([^"]*)"', response.content.decode())
    return found[1] if found else ""


def test_ids_checked_at_a_save_are_vouched_for_in_its_answer_and_written_again_without_a_check(
        as_member, draft, leader, django_assert_num_queries):
    shown = as_shown(as_member)
    assert shown["named"]  # the page vouches for the ids the saved draft names

    first = as_member.post(url("save_draft"), shown | {"blocker_0_who": str(leader.pk)}, **HTMX)  # a new id
    assert first.status_code == 200 and vouched_in(first) not in ("", shown["named"])

    # Words in a new row, naming only ids vouched for: written without asking what may be chosen (user, the
    # person's memberships, savepoint, UPDATE, the check-in with its rows read together, the new row, release).
    typed = shown | next_save(first) | {"named": vouched_in(first), "blocker_0_who": str(leader.pk),
                                        "blocker_1_what": "Waiting on legal"}
    with django_assert_num_queries(9):
        second = as_member.post(url("save_draft"), typed, **HTMX)

    assert second.status_code == 200 and vouched_in(second) == ""  # nothing new to vouch for
    assert list(Blocker.objects.order_by("position").values_list("what", "who_could_help")) == [
        ("Staging VPN down", leader.pk), ("Waiting on legal", None)]


def test_ids_not_vouched_for_are_checked_and_one_from_elsewhere_is_read_as_none(as_member, draft, outsider):
    shown = as_shown(as_member)

    response = as_member.post(url("save_draft"), shown | {"blocker_1_what": "Need a hand",
                                                          "blocker_1_who": str(outsider.pk)}, **HTMX)

    assert response.status_code == 200
    assert Blocker.objects.get(position=1).who_could_help is None


def test_a_vouch_made_for_another_writer_or_week_vouches_for_nothing(as_member, draft, team, leader, outsider):
    """The word is bound to the writer, team and week it was given for: one made for the leader (or for last week)
    naming someone from another team does not let the member write that id."""
    ids = {("person", outsider.pk), ("non_negotiable", draft.strained_non_negotiable_id),
           ("key_result", KeyResult.objects.get().pk)}
    for author, week in ((leader.pk, MONDAY), (as_member.session["_auth_user_id"], date(2026, 11, 9))):
        Blocker.objects.filter(position=1).delete()
        forged = vouched(team=team.pk, author=int(author), week=week, ids=ids)
        response = as_member.post(url("save_draft"), as_shown(as_member) | {
            "blocker_1_what": "Need a hand", "blocker_1_who": str(outsider.pk), "named": forged}, **HTMX)

        assert response.status_code == 200
        assert Blocker.objects.get(position=1).who_could_help is None


def test_a_draft_save_on_a_submitted_check_in_is_refused_in_the_status_line(as_member, draft):
    data = as_shown(as_member)
    CheckIn.objects.filter(pk=draft.pk).update(state="submitted", submitted_at=at(1))

    response = as_member.post(url("save_draft"), data | {"progress": "Typed after submitting"}, **HTMX)

    assert response.status_code == 400
    assert "already submitted" in response.content.decode() and "<html" not in response.content.decode()
    assert CheckIn.objects.get().progress == "Half-way"


def test_a_draft_saved_without_javascript_on_a_submitted_check_in_comes_back_as_typed(as_member, draft):
    data = as_shown(as_member)
    CheckIn.objects.filter(pk=draft.pk).update(state="submitted", submitted_at=at(1))

    response = as_member.post(url("save_draft"), data | {"progress": "Typed after submitting"})

    assert response.status_code == 400
    assert "already submitted" in response.content.decode()
    assert "Typed after submitting</textarea>" in response.content.decode()


def test_a_save_after_the_week_ended_is_refused_before_anything_is_read(login, member, draft, frozen,
                                                                        django_assert_num_queries):
    frozen(at(2))
    client = login(member)
    data = as_shown(client)
    frozen(at(7, "09:00"))

    # user, the person's memberships (team_access): the week alone refuses it.
    with django_assert_num_queries(2):
        response = client.post(url("save_draft"), data | {"progress": "Too late"}, **HTMX)

    assert response.status_code == 400 and "has ended" in response.content.decode()


def test_a_check_in_removed_while_it_was_written_is_a_conflict_that_a_second_save_writes_again(team, member):
    week = week_starting(team, MONDAY)
    content = CheckInContent(progress="Kept in the tab")
    saved = services.save_draft(team=team, author=member, week=week, expected_version=0, content=content, now=at(2))
    CheckIn.objects.all().delete()

    with pytest.raises(ConcurrentEditError) as conflict:
        services.save_draft(team=team, author=member, week=week, expected_version=saved.version, content=content,
                            now=at(2), fingerprint=saved.fingerprint)

    assert conflict.value.current.version == 0 and not CheckIn.objects.exists()
    services.save_draft(team=team, author=member, week=week, expected_version=0, content=content, now=at(2))
    assert CheckIn.objects.get().progress == "Kept in the tab"


def test_a_first_save_sent_with_a_fingerprint_for_ids_it_names_creates_the_check_in_with_words_only(
        as_member, charter, other_team):
    elsewhere = Charter.objects.create(team=other_team, number=1, state=Charter.State.RATIFIED)
    theirs = NonNegotiable.objects.create(charter=elsewhere, title="Their rule", position=0)
    forged = CheckInContent(strained_non_negotiable=theirs)

    response = as_member.post(url("save_draft"), as_shown(as_member) | {
        "strained_non_negotiable": str(theirs.pk), "fingerprint": forged.fingerprint(), "progress": "First words"},
        **HTMX)

    assert response.status_code == 200
    checkin = CheckIn.objects.get()
    assert (checkin.progress, checkin.strained_non_negotiable, checkin.version) == ("First words", None, 1)
