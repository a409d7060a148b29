"""Who may open and do what on every charters URL.

Anonymous people are sent to log in; someone in another organisation gets 404 everywhere;
someone in the same organisation but another team reads ratified and superseded versions
only (404 for drafts, proposals and every write); a member or facilitator comments and
consents but gets 403 for a leader's actions; a leader gets on. The decision log has its own
matrix in tests/decisions/test_decision_permissions.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from alignment.confirm import CONFIRMED
from charters.models import Boundary, Charter, Comment, Goal, KeyResult, KeyResultProgress, NonNegotiable, Response
from tests import cast
from tests.charters.conftest import ORG, TEAM, Versions, charter_url, versions_of
from tests.matrix import Matrix

OK, FOUND, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404


@dataclass(frozen=True)
class Case:
    """One request, and the status each role gets for it."""

    name: str
    method: str
    url: Callable[[Versions], str]
    outsider: int
    member: int
    facilitator: int
    leader: int
    data: Callable[[Versions], dict] = field(default=lambda v: {})

    def __str__(self) -> str:
        return self.name


def reading(name: str, url, *, outsider: int = OK) -> Case:
    """A page everyone in the team reads; the rest of the organisation reads it when ratified."""
    return Case(name, "get", url, outsider=outsider, member=OK, facilitator=OK, leader=OK)


def leaders_only(name: str, method: str, url, *, leader: int, data=lambda v: {}) -> Case:
    return Case(name, method, url, outsider=NOT_FOUND, member=FORBIDDEN, facilitator=FORBIDDEN,
                leader=leader, data=data)


def _v(name: str, *args):
    """A URL on version 3 (proposed), with the rest of the arguments taken from the world."""
    return lambda v: charter_url(name, v.proposed.number, *(arg(v) if callable(arg) else arg for arg in args))


def _revision(charter: Charter) -> int:
    """The revision of the charter's text as stored now, as a form loaded now would carry it."""
    return Charter.objects.values_list("revision", flat=True).get(pk=charter.pk)


def _active_key_result(v: Versions) -> KeyResult:
    """A key result of version 2, the active one: progress is recorded on the version in force."""
    return KeyResult.objects.filter(goal__charter=v.active).first()


PURPOSE = {"version": "1", "purpose_statement": "Care at home", "purpose_serves": "Patients",
           "purpose_outcome": "Fewer admissions", "purpose_refuses": "Safety"}

CASES = [
    # Reading: the team sees every version; the organisation sees ratified and superseded ones.
    reading("detail", lambda v: charter_url("detail")),
    reading("version superseded", lambda v: charter_url("version", 1)),
    reading("version ratified", lambda v: charter_url("version", 2)),
    reading("version proposed", lambda v: charter_url("version", 3), outsider=NOT_FOUND),
    reading("history", lambda v: charter_url("history")),
    reading("compare ratified versions", lambda v: charter_url("diff", query="a=1&b=2")),
    reading("compare with proposed", lambda v: charter_url("diff", query="a=2&b=3"), outsider=NOT_FOUND),
    reading("print superseded", lambda v: charter_url("print", 1)),
    reading("print ratified", lambda v: charter_url("print", 2)),
    reading("print proposed", lambda v: charter_url("print", 3), outsider=NOT_FOUND),
    reading("markdown superseded", lambda v: charter_url("markdown", 1)),
    reading("markdown ratified", lambda v: charter_url("markdown", 2)),
    reading("markdown proposed", lambda v: charter_url("markdown", 3), outsider=NOT_FOUND),
    # Lifecycle: leaders only. Start, amend, propose and ratify are refused with a message here
    # (a charter exists, version 3 is open and has an open objection): start and ratify redirect
    # with the message; amend shows the active version again with the typed note kept (409);
    # propose shows the page with the reason beside its form (400).
    leaders_only("start", "post", lambda v: charter_url("start"), leader=FOUND),
    leaders_only("amend", "post", lambda v: charter_url("amend"), leader=409, data=lambda v: {"note": "x"}),
    leaders_only("propose", "post", _v("propose"), leader=400),
    # Destructive buttons carry the confirmation (alignment/confirm.py): refused all the same without the role.
    leaders_only("withdraw", "post", _v("withdraw"), leader=FOUND, data=lambda v: CONFIRMED),
    leaders_only("ratify", "post", _v("ratify"), leader=FOUND),
    leaders_only("discard", "post", _v("discard"), leader=FOUND, data=lambda v: CONFIRMED),
    # Editing: leaders only.
    leaders_only("section edit form", "get", _v("section_edit", "purpose"), leader=OK),
    leaders_only("section edit", "post", _v("section_edit", "purpose"), leader=FOUND, data=lambda v: PURPOSE),
    leaders_only("non-negotiable add form", "get", _v("item_add", "non_negotiable"), leader=OK),
    leaders_only("non-negotiable add", "post", _v("item_add", "non_negotiable"), leader=FOUND,
                 data=lambda v: {"title": "Pair on risky changes", "standard": "Two names on it"}),
    leaders_only("boundary add form", "get", _v("item_add", "boundary"), leader=OK),
    leaders_only("goal add form", "get", _v("item_add", "goal"), leader=OK),
    leaders_only("key result add form", "get", _v("key_result_add", lambda v: v.goal.pk), leader=OK),
    leaders_only("key result add", "post", _v("key_result_add", lambda v: v.goal.pk), leader=FOUND,
                 data=lambda v: {"metric": "Visits on time", "target_value": "95"}),
    leaders_only("non-negotiable edit form", "get", _v("item_edit", "non_negotiable", lambda v: v.non_negotiable.pk),
                 leader=OK),
    leaders_only("non-negotiable edit", "post", _v("item_edit", "non_negotiable", lambda v: v.non_negotiable.pk),
                 leader=FOUND, data=lambda v: {"version": "1", "title": "Renamed", "standard": "Met"}),
    leaders_only("boundary edit form", "get", _v("item_edit", "boundary", lambda v: v.boundary.pk), leader=OK),
    leaders_only("goal edit form", "get", _v("item_edit", "goal", lambda v: v.goal.pk), leader=OK),
    leaders_only("key result edit form", "get", _v("item_edit", "key_result", lambda v: v.key_result.pk),
                 leader=OK),
    leaders_only("item delete", "post",
                 _v("item_action", "non_negotiable", lambda v: v.non_negotiable.pk, "delete"), leader=FOUND,
                 data=lambda v: CONFIRMED),
    leaders_only("item move down", "post",
                 _v("item_action", "boundary", lambda v: v.boundary.pk, "down"), leader=FOUND),
    leaders_only("item move up", "post",
                 _v("item_action", "key_result", lambda v: v.key_result.pk, "up"), leader=FOUND),
    # Progress outside a check-in: leaders only, on the active version's key results.
    leaders_only("record progress", "post",
                 lambda v: charter_url("progress", v.active.number, _active_key_result(v).pk), leader=FOUND,
                 data=lambda v: {"value": "55", "confidence": "on_track", "note": "Two clinics live"}),
    # Discussion and consent: the whole team comments; members and facilitators respond;
    # only the thread's author or a leader resolves it; only a leader answers an objection.
    Case("comment", "post", _v("comment_create"), outsider=NOT_FOUND, member=FOUND, facilitator=FOUND,
         leader=FOUND, data=lambda v: {"section": "purpose", "body": "Looks right"}),
    Case("resolve the member's thread", "post", _v("comment_resolve", lambda v: v.comment.pk),
         outsider=NOT_FOUND, member=FOUND, facilitator=FORBIDDEN, leader=FOUND, data=lambda v: {"resolved": "1"}),
    # A leader who is not also a member proposes and answers; consent is the members' to give.
    # The form carries the revision of the text the member read: the current one here.
    Case("respond", "post", _v("respond"), outsider=NOT_FOUND, member=FOUND, facilitator=FOUND,
         leader=FORBIDDEN, data=lambda v: {"kind": "consent", "reason": "", "revision": _revision(v.proposed)}),
    leaders_only("answer objection", "post", _v("answer", lambda v: v.objection.pk), leader=FOUND,
                 data=lambda v: {"answer": "kept", "text": "Carers are patients' people too"}),
    # Only the objector says whether an amendment resolves their objection (this one is not
    # answered yet: refused with a message); anyone else's is not theirs to see (404).
    Case("objector's resolution", "post", _v("resolution", lambda v: v.objection.pk), outsider=NOT_FOUND,
         member=FOUND, facilitator=NOT_FOUND, leader=FORBIDDEN, data=lambda v: {"resolved": "1"}),
    # The end of a consent round: a leader reminds whoever's word is missing (the facilitator's, here);
    # "since you responded" is the reader's own response's text against today's: the member objected, the
    # facilitator has not responded (sent to the consent panel), a leader who is not a member never responds.
    leaders_only("remind who hasn't answered", "post", _v("remind"), leader=FOUND),
    Case("since you responded", "get", _v("since_responded"), outsider=NOT_FOUND, member=OK, facilitator=FOUND,
         leader=FORBIDDEN),
]


def test_every_charters_url_is_in_the_matrix():
    """A new URL must be added to CASES above, with its expected status for each role."""
    from charters.urls import urlpatterns

    covered = {"detail", "version", "history", "diff", "print", "markdown", "start", "amend", "propose",
               "withdraw", "ratify", "discard", "section_edit", "item_add", "key_result_add", "item_edit",
               "item_action", "progress", "comment_create", "comment_resolve", "respond", "answer", "resolution",
               "remind", "since_responded"}
    # The organisation goals' URLs (`org_…`) have their own matrix: tests/charters/test_organisation_goal_permissions.py,
    # and so have the organisation tags' (`tag…`): tests/charters/test_organisation_tag_permissions.py.
    assert {pattern.name for pattern in urlpatterns if not pattern.name.startswith(("org_", "tag"))} == covered


def _state() -> tuple:
    """Everything a charters request could write, to prove a refused one wrote nothing."""
    return (
        list(Charter.objects.values_list("pk", "state", "purpose_version", "purpose_statement", "reminded_at")),
        list(NonNegotiable.objects.values_list("pk", "position", "version", "title")),
        list(Boundary.objects.values_list("pk", "position", "version")),
        list(Goal.objects.values_list("pk", "position", "version")),
        list(KeyResult.objects.values_list("pk", "position", "version")),
        list(KeyResultProgress.objects.values_list("pk", "value")),
        list(Comment.objects.values_list("pk", "resolved_at")),
        list(Response.objects.values_list("pk", "kind", "answer")),
    )


MATRIX = Matrix(_state)


def _world() -> dict:
    world = cast.everyone()
    world["charter_versions"] = versions_of(world["team"], leader=world["leader"], member=world["member"])
    return world


# Built once for the module's hundreds of cells; each test changes a copy, in a savepoint.
world_built_once = cast.built_once_per_module(_world)


globals().update(cast.copies_for_each_test(*cast.EVERYONE, "charter_versions"))
_request = MATRIX.send
_assert_refused_without_writing = MATRIX.refused_without_writing


@pytest.mark.parametrize("case", CASES, ids=str)
def test_anonymous_is_sent_to_log_in(client, charter_versions, case):
    MATRIX.sent_to_log_in(client, case, charter_versions)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_stranger_in_another_organisation_gets_404(login, stranger, charter_versions, case):
    _assert_refused_without_writing(login(stranger), case, charter_versions, NOT_FOUND)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_outsider_reads_only_ratified_versions(login, outsider, charter_versions, case):
    client = login(outsider)
    if case.outsider == OK:
        assert _request(client, case, charter_versions).status_code == OK
    else:
        _assert_refused_without_writing(client, case, charter_versions, case.outsider)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_member(login, member, charter_versions, case):
    client = login(member)
    if case.member == FORBIDDEN:
        _assert_refused_without_writing(client, case, charter_versions, FORBIDDEN)
    else:
        assert _request(client, case, charter_versions).status_code == case.member


@pytest.mark.parametrize("case", CASES, ids=str)
def test_facilitator_is_a_member_for_comments_and_consent(login, facilitator, charter_versions, case):
    client = login(facilitator)
    if case.facilitator == FORBIDDEN:
        _assert_refused_without_writing(client, case, charter_versions, FORBIDDEN)
    else:
        assert _request(client, case, charter_versions).status_code == case.facilitator


@pytest.mark.parametrize("case", CASES, ids=str)
def test_leader(login, leader, charter_versions, case):
    client = login(leader)
    if case.leader == FORBIDDEN:
        _assert_refused_without_writing(client, case, charter_versions, FORBIDDEN)
    else:
        assert _request(client, case, charter_versions).status_code == case.leader


def test_outsider_history_lists_only_ratified_and_superseded_versions(login, outsider, charter_versions):
    response = login(outsider).get(charter_url("history"))

    assert [v.number for v in response.context["versions"]] == [2, 1]
    assert charter_url("version", 3).encode() not in response.content


def test_outsider_sees_the_active_version_not_the_proposal(login, outsider, charter_versions):
    response = login(outsider).get(charter_url("detail"))

    assert response.context["charter"].number == 2
    # No completeness panel, lifecycle buttons, consent or comment forms for the organisation.
    for absent in (b'id="completeness"', b'id="lifecycle"', b'id="consent"', b"comment-form",
                   reverse("decisions:list", args=[ORG, TEAM]).encode()):
        assert absent not in response.content


def test_version_number_of_another_team_is_404(login, leader, other_team, write_charter):
    """Versions are looked up within the team in the URL, never by number alone (the team has 1 to 3)."""
    write_charter(other_team, number=4, state=Charter.State.DRAFT)

    response = login(leader).get(charter_url("version", 4))

    assert response.status_code == NOT_FOUND


@pytest.mark.parametrize("url", [
    charter_url("propose", 3), charter_url("respond", 3), charter_url("comment_create", 3),
    charter_url("start"), charter_url("item_action", 3, "non_negotiable", 1, "delete"),
])
def test_get_on_a_button_url_is_405_not_a_change(login, leader, charter_versions, url):
    assert login(leader).get(url).status_code == 405
