"""A check-in's thread (checkins/thread.html) is drawn once and kept for every reader who may see it and may do the
same with it, on the same page (`selectors.thread_version`): the team's week draws a thread a check-in for each
leader who reads it, and every leader after the first reads them kept. Each reading gives each reply form a token
of its own, so that a reply sent twice counts once and two people's replies never share one. A reply, an
acknowledgement or an author who left the team makes a new version; a reply sent back with its text is drawn for
its writer alone."""

from __future__ import annotations

import re
import uuid

import pytest

from checkins import services
from checkins.models import CheckIn, Reply
from tests.checkins.conftest import MONDAY, at, url

pytestmark = pytest.mark.django_db

DRAWN = "thread-drawn"  # the thread as drawn inside its kept part (checkins/thread.html), as the test client names it
TOKEN = re.compile(r'<input type="hidden" name="token" value="([^"]*)">')


@pytest.fixture
def submitted(team, member, frozen):
    frozen(at(3))
    return CheckIn.objects.create(team=team, author=member, week=MONDAY, state="submitted", submitted_at=at(2),
                                  load="high", progress="Moved the clinic records over")


@pytest.fixture
def second_leader(team, make_user, add_member):
    person = make_user("lars@example.com", "Lars Leader")
    add_member(team, person, "leader")
    return person


def drawn(response) -> int:
    """How many threads the response drew rather than read from what was kept."""
    return [template.name for template in response.templates].count(DRAWN)


def tokens(response) -> list[str]:
    return TOKEN.findall(response.content.decode())


def test_a_thread_is_drawn_once_for_every_leader_who_reads_the_week(login, leader, second_leader, member,
                                                                    submitted):
    services.reply(checkin_id=submitted.pk, team=submitted.team, actor=leader, body="Good work on the move",
                   token=uuid.uuid4(), now=at(3))

    first = login(leader).get(url("week"))
    second = login(second_leader).get(url("week"))

    assert drawn(first) == 1 and drawn(second) == 0
    for response in (first, second):
        body = response.content.decode()
        assert "Good work on the move" in body and f'action="{url("reply", submitted.pk)}"' in body


def test_each_reading_gives_each_reply_form_a_token_of_its_own(login, leader, second_leader, member, team,
                                                                submitted, make_user, add_member):
    other = make_user("olu@example.com", "Olu Other")
    add_member(team, other, "member")
    CheckIn.objects.create(team=team, author=other, week=MONDAY, state="submitted", submitted_at=at(2), load="low",
                           progress="Quiet week")

    first, second = login(leader).get(url("week")), login(second_leader).get(url("week"))

    assert drawn(second) == 0  # both threads read kept
    seen = tokens(first) + tokens(second)
    assert len(seen) == 4 and len(set(seen)) == 4
    assert all(str(uuid.UUID(token)) == token for token in seen)
    # The token read from a kept thread is its form's: sent twice, the reply counts once.
    token = tokens(second)[0]
    checkin_id = int(re.findall(r'id="thread-(\d+)"', _before(second, token))[-1])
    for _ in range(2):
        login(second_leader).post(url("reply", checkin_id), {"body": "Seen, thanks", "token": token,
                                                             "next": url("week")})
    assert Reply.objects.filter(token=token, check_in_id=checkin_id).count() == 1


def _before(response, text: str) -> str:
    body = response.content.decode()
    return body[:body.index(text)]


def test_a_reply_and_an_acknowledgement_are_shown_at_once(login, leader, second_leader, member, submitted):
    login(leader).get(url("week"))
    services.reply(checkin_id=submitted.pk, team=submitted.team, actor=member, body="The archive is next",
                   token=uuid.uuid4(), now=at(3))

    after_reply = login(second_leader).get(url("week"))
    CheckIn.objects.filter(pk=submitted.pk).update(acknowledged_by=leader, acknowledged_at=at(3))
    after_acknowledgement = login(second_leader).get(url("week"))

    assert drawn(after_reply) == 1 and "The archive is next" in after_reply.content.decode()
    assert drawn(after_acknowledgement) == 1
    assert "Acknowledged by Lena Leader" in after_acknowledgement.content.decode()


def test_the_author_is_not_given_the_leaders_acknowledge_button(login, leader, member, submitted):
    """The author reads their thread on the check-in's own page and on this week's: with their own controls, never
    the kept part of a leader who may acknowledge it."""
    leaders = login(leader).get(url("checkin", submitted.pk)).content.decode()
    authors = login(member).get(url("checkin", submitted.pk)).content.decode()

    assert "Acknowledge</button>" in leaders
    assert "Acknowledge</button>" not in authors and "Not acknowledged yet." in authors


def test_a_reply_author_who_left_the_team_is_marked_at_once(login, leader, second_leader, member, submitted, team):
    services.reply(checkin_id=submitted.pk, team=team, actor=second_leader, body="Keep going", token=uuid.uuid4(),
                   now=at(3))
    assert "former member" not in login(leader).get(url("week")).content.decode()

    team.memberships.filter(user=second_leader).delete()

    again = login(leader).get(url("week"))
    assert drawn(again) == 1 and "former member" in again.content.decode()


def test_a_reply_sent_back_with_its_text_is_drawn_for_its_writer_alone(client, login, leader, second_leader,
                                                                        member, submitted):
    login(second_leader).get(url("week"))  # the blank thread, kept
    refused = login(leader).post(url("reply", submitted.pk), {"body": "x" * 5001, "token": str(uuid.uuid4()),
                                                              "next": url("week")}, HTTP_HX_REQUEST="true")

    assert refused.status_code == 400 and drawn(refused) == 1
    assert "x" * 5001 in refused.content.decode()
    blank = login(second_leader).get(url("week"))
    assert drawn(blank) == 0 and "x" * 100 not in blank.content.decode()
