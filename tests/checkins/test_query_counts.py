"""Both check-in pages cost the same number of queries with 5 people or 50."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest

from charters.models import KeyResult, KeyResultProgress
from checkins.models import Blocker, CheckIn, Commitment, KeyResultUpdate, Renegotiation, Reply
from tests.checkins.conftest import MONDAY, as_shown, at, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowd(team, member, charter, make_user, add_member, frozen):
    """`crowd(n)`: n more members, each with a submitted check-in, a blocker and a strained non-negotiable."""
    frozen(at(4))
    strained = charter.non_negotiables.first()

    def grow(n: int) -> None:
        for i in range(n):
            person = make_user(f"person{i}@example.com", f"Person {i}")
            add_member(team, person, "member")
            checkin = CheckIn.objects.create(team=team, author=person, week=MONDAY, state="submitted",
                                             submitted_at=at(1), load="light", strained_non_negotiable=strained,
                                             strain_note="Hard week", boundary_question="Who owns the rota?")
            Blocker.objects.create(check_in=checkin, what=f"Blocker {i}", who_could_help=member,
                                   goal=charter.goals.first())
            Reply.objects.create(check_in=checkin, author=team.memberships.filter(is_leader=True).first().user,
                                 body=f"Thanks {i}", token=uuid.uuid4())
            # Each person: an open commitment with a pending deferral, and one asked of them.
            kept = Commitment.objects.create(team=team, owner=person, title=f"Commitment {i}", standard="Done",
                                             due_on=MONDAY + timedelta(days=7))
            Renegotiation.objects.create(commitment=kept, kind="defer", reason="New work", asked_by=person,
                                         was_due_on=kept.due_on, was_owner=person, proposed_owner=member,
                                         proposed_due_on=MONDAY + timedelta(days=14))
            Commitment.objects.create(team=team, owner=person, title=f"Asked {i}", standard="Done",
                                      due_on=MONDAY, state="requested")
            Commitment.objects.create(team=team, owner=member, title=f"Mine {i}", standard="Done", due_on=MONDAY)
        # A draft saved once, as the form saves it (a first save creates it at version 1).
        mine = CheckIn.objects.create(team=team, author=member, week=MONDAY, progress="Drafting", version=1)
        Blocker.objects.create(check_in=mine, what="Mine")
        KeyResultUpdate.objects.create(check_in=mine, key_result=KeyResult.objects.first(), value=2,
                                       confidence="on_track")
        last = CheckIn.objects.create(team=team, author=member, week=MONDAY.replace(day=9), progress="Last week",
                                      state="submitted", submitted_at=at(3, monday=MONDAY.replace(day=9)))
        Reply.objects.create(check_in=last, author=team.memberships.filter(is_leader=True).first().user,
                             body="Well done", token=uuid.uuid4())

    return grow


@pytest.mark.parametrize("people", [5, 50])
def test_the_leaders_week(login, leader, crowd, people, django_assert_num_queries):
    crowd(people)
    client = login(leader)

    # user, the person's memberships (team_access, the header's team switcher, and the header's bell's unread
    # count), the team's memberships with their people, the week's check-ins with strained non-negotiables and
    # who acknowledged them, the team's open shared blockers with who raised them, the pending renegotiations
    # with their commitments, owners and proposed owners, the requested commitments with who is asked, the
    # charter's key results with their confidence at the week's start and end, the replies to the week's
    # check-ins with their authors, and the requests from other teams unclear who decides (the pulse's source
    # registered by asks)
    with django_assert_num_queries(10):
        response = client.get(url("week"))

    body = response.content.decode()
    assert body.count("Raised by") == people
    assert body.count('name="decision" value="accept"') == people
    assert body.count("asked of") == people
    assert body.count('class="replies"') == people and body.count("Thanks ") >= people


@pytest.mark.parametrize("people", [5, 50])
def test_this_week(login, member, crowd, people, django_assert_num_queries):
    crowd(people)
    client = login(member)

    # user, the person's memberships (team_access, the header's team switcher, and the header's bell's unread
    # count), the non-negotiables of the charter in force, its goals with their key results and each one's
    # latest reading (where it stands, read by subqueries in the same query), the team's people (who could
    # help), this and last week's check-ins, their blockers, this week's key-result updates, the member's open
    # commitments, and the replies to last week's (submitted) check-in with their authors.
    with django_assert_num_queries(10):
        response = client.get(url("this_week"))

    assert response.status_code == 200
    assert "Well done" in response.content.decode()
    assert response.content.decode().count(">Renegotiate</a>") == people


@pytest.mark.parametrize("people", [5, 50])
def test_the_commitments_page(login, member, crowd, people, django_assert_num_queries):
    crowd(people)
    client = login(member)

    # user, the person's memberships (team_access, the header's team switcher, and the header's bell's unread
    # count), the team's commitments with owners and goals, the active charter, its goals, the team's people
    # (whom a leader may ask).
    with django_assert_num_queries(6):
        response = client.get(url("commitments"))

    assert response.content.decode().count('id="commitment-') == 3 * people


@pytest.mark.parametrize("renegotiations", [2, 20])
def test_a_commitments_page(login, member, team, renegotiations, django_assert_num_queries):
    kept = Commitment.objects.create(team=team, owner=member, title="Runbook", standard="Done", due_on=MONDAY)
    for n in range(renegotiations):
        Renegotiation.objects.create(commitment=kept, kind="defer", reason=f"Reason {n}", asked_by=member,
                                     was_due_on=MONDAY, was_owner=member, state="declined", decided_at=at(1),
                                     decided_by=member, proposed_due_on=MONDAY + timedelta(days=n + 1))
    client = login(member)

    # user, the person's memberships (team_access, the header's team switcher, and the header's bell's unread
    # count), the commitment with owner, goal and creator, its renegotiations with who asked, decided, held it
    # and would take it, the team's other people (to hand over to).
    with django_assert_num_queries(5):
        response = client.get(url("commitment", kept.pk))

    assert response.content.decode().count('id="renegotiation-') == renegotiations


@pytest.fixture
def history(team, member, charter, frozen):
    """`history(weeks)`: the member's submitted check-in in each of that many weeks up to MONDAY, each
    with a blocker, a key-result update recorded as progress, and a reply from the leader."""
    frozen(at(4))
    kr = KeyResult.objects.get(goal__charter=charter)
    strained = charter.non_negotiables.first()
    leader = team.memberships.filter(is_leader=True).first().user

    def grow(weeks: int) -> None:
        for back in range(weeks):
            monday = MONDAY - timedelta(weeks=back)
            checkin = CheckIn.objects.create(team=team, author=member, week=monday, state="submitted",
                                             submitted_at=at(3, monday=monday), load="light",
                                             progress=f"Week {back}", strained_non_negotiable=strained)
            Blocker.objects.create(check_in=checkin, what=f"Blocker {back}")
            KeyResultUpdate.objects.create(check_in=checkin, key_result=kr, value=back, confidence="at_risk")
            KeyResultProgress.objects.create(lineage=kr, key_result=kr, value=back, confidence="at_risk",
                                             recorded_at=at(3, monday=monday), source="check_in",
                                             source_ref=checkin.pk, recorded_by=member)
            Reply.objects.create(check_in=checkin, author=leader, body="Noted", token=uuid.uuid4())

    return grow


@pytest.mark.parametrize("weeks", [4, 100])
def test_the_trends_page(login, member, history, weeks, django_assert_num_queries):
    history(weeks)
    client = login(member)

    # user, the person's memberships (team_access, the header's team switcher, and the header's bell's unread
    # count), the team's memberships (who checks in), the charter's key results with their goals, the newest of
    # their readings before the window ends and how many, where each stood when the window opened and their
    # progress inside the window (to draw the key results' part), and the window's check-ins counted by week,
    # state, lateness, load and strain.
    with django_assert_num_queries(8):
        response = client.get(url("trends"))

    # The same, without the key results' readings: their part is kept for that version of them.
    with django_assert_num_queries(6):
        again = client.get(url("trends"))

    body = response.content.decode()
    assert response.status_code == 200
    # One marker per week with a reading, 12 weeks shown, and the legend's sample of the confidence drawn.
    assert body.count('<circle class="chart-marker') == min(weeks, 12) + 1
    assert "Reviewed code only" in body
    assert again.content.decode() == body.replace(*csrf_tokens(body, again.content.decode()))


@pytest.mark.parametrize("weeks", [4, 100])
def test_a_persons_history(login, leader, member, history, weeks, django_assert_num_queries):
    history(weeks)
    client = login(leader)

    # user, the person's memberships (team_access, the header's team switcher, and the header's bell's unread
    # count), the person's membership with them, their check-ins of the window with strain, acknowledgement and
    # reply counts, the blockers raised in them, their key-result updates with the key results.
    with django_assert_num_queries(6):
        response = client.get(url("person", member.pk))

    body = response.content.decode()
    assert body.count('class="card checkin"') == min(weeks, 12)
    assert body.count("1 reply") == min(weeks, 12)


@pytest.mark.parametrize("replies", [2, 20])
def test_a_check_in_with_its_thread(login, leader, member, history, replies, django_assert_num_queries):
    history(1)
    checkin = CheckIn.objects.get(author=member)
    for n in range(replies - 1):
        Reply.objects.create(check_in=checkin, author=member if n % 2 else leader, body=f"Reply {n}",
                             token=uuid.uuid4())
    client = login(leader)

    # user, the person's memberships (team_access, the header's team switcher, and the header's bell's unread
    # count), the check-in with its author, strain and who acknowledged it, its blockers, its key-result updates
    # with their key results, its replies with who wrote them.
    with django_assert_num_queries(6):
        response = client.get(url("checkin", checkin.pk))

    assert response.content.decode().count('<li id="reply-') == replies


@pytest.mark.parametrize("people", [5, 50])
def test_an_autosave_is_one_write(login, member, crowd, people, django_assert_num_queries):
    crowd(people)
    client = login(member)
    shown = as_shown(client)

    # user, the person's memberships (team_access), the compare-and-set UPDATE of the check-in: its
    # non-negotiable, blockers and key-result values are as the fingerprint says, so neither read nor written.
    with django_assert_num_queries(3):
        response = client.post(url("save_draft"), shown | {"progress": "Drafting on"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and "Draft saved at" in response.content.decode()
    assert len(response.content) < 600  # the status line and the next save's version and fingerprint


@pytest.mark.parametrize("people", [5, 50])
def test_the_first_autosave_creates_the_checkin_at_once(login, team, crowd, make_user, add_member, people,
                                                        django_assert_num_queries):
    crowd(people)
    newcomer = make_user("newcomer@example.com", "Nia Newcomer")
    add_member(team, newcomer, "member")
    client = login(newcomer)
    shown = as_shown(client)
    assert shown["version"] == "0"

    # user, the person's memberships (team_access), savepoint, the check-in's INSERT, release savepoint: no
    # UPDATE that finds nothing, and no read of what is not there.
    with django_assert_num_queries(5):
        response = client.post(url("save_draft"), shown | {"progress": "A first word"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and "Draft saved at" in response.content.decode()
    assert CheckIn.objects.get(author=newcomer, week=MONDAY).version == 1


@pytest.mark.parametrize("people", [5, 50])
def test_an_autosave_with_a_changed_blocker_writes_that_row(login, member, crowd, people, django_assert_num_queries):
    crowd(people)
    client = login(member)
    shown = as_shown(client)

    # user, the person's memberships (team_access), savepoint, the compare-and-set UPDATE of the check-in, then
    # together its id, its open blockers and its key-result updates (unchanged: not written), the changed
    # blocker's UPDATE, release savepoint. Its words changed, not the ids it names: those are the ones the page
    # vouched for, so what may be chosen is not read.
    with django_assert_num_queries(9):
        response = client.post(url("save_draft"), shown | {"blocker_0_what": "Mine, still"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert Blocker.objects.get(check_in__author=member).what == "Mine, still"


@pytest.mark.parametrize("people", [5, 50])
def test_an_autosave_naming_someone_new_reads_what_may_be_chosen(login, member, leader, crowd, people,
                                                                 django_assert_num_queries):
    crowd(people)
    client = login(member)
    shown = as_shown(client)

    # As above, and the ids the form may name (one query: the charter's non-negotiables, goals and the member's
    # key results, the team's people), before the write.
    with django_assert_num_queries(10):
        response = client.post(url("save_draft"), shown | {"blocker_0_who": str(leader.pk)}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert Blocker.objects.get(check_in__author=member).who_could_help == leader


def csrf_tokens(first: str, second: str) -> tuple[str, str]:
    """Each page's own CSRF token (in the header's `hx-headers`), to compare two readings of a page."""
    pattern = re.compile(r'"X-CSRFToken": "([^"]+)"')
    return pattern.search(first)[1], pattern.search(second)[1]
