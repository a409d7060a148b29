"""Answering a check-in (a thread and an acknowledgement) and who reads what.

A check-in is read by its author, the team's leaders and facilitators; other members see the
week's summary (who checked in, blockers, load, how many strained what) without anyone's words,
unless the team's setting opens check-ins to the team. A draft is its writer's alone. The thread
under a check-in is between its author and the leaders, whatever the setting.
"""

from __future__ import annotations

import uuid

import pytest

from checkins import services
from checkins.models import Blocker, CheckIn, Reply
from tests.checkins.conftest import MONDAY, at, url
from tests.concurrency import logged_in_client, on_postgresql, run_concurrently

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(team, member, charter, frozen):
    """The member's submitted check-in this week, with words only its readers may see."""
    frozen(at(3))
    checkin = CheckIn.objects.create(
        team=team, author=member, week=MONDAY, state="submitted", submitted_at=at(2), load="overloaded",
        progress="My private account of the week", strained_non_negotiable=charter.non_negotiables.first(),
        strain_note="Paged at 3am again", boundary_question="Who decides the rota?")
    Blocker.objects.create(check_in=checkin, what="Staging VPN broken")
    return checkin


@pytest.fixture
def colleague(team, make_user, add_member):
    person = make_user("kwame@example.com", "Kwame Mensah")
    add_member(team, person, "member")
    return person


def _reply(client, checkin, body="Thanks, noted", token=None, **extra):
    return client.post(url("reply", checkin.pk), {"body": body, "token": str(token or uuid.uuid4()), **extra})


def test_the_leader_replies_and_the_author_reads_it_beside_the_form(login, leader, member, submitted):
    response = _reply(login(leader), submitted, "Good catch on the VPN — I'll chase IT.",
                      next=url("week"))

    assert response.status_code == 302 and response["Location"] == url("week") + f"#thread-{submitted.pk}"
    page = login(member).get(url("this_week")).content.decode()
    assert "Replies from your leaders" in page and "I&#x27;ll chase IT." in page


def test_the_author_answers_in_the_thread(login, leader, member, submitted):
    _reply(login(leader), submitted, "Can you say more?")

    response = _reply(login(member), submitted, "Sure: the VPN drops every hour.")

    assert response.status_code == 302
    assert list(submitted.replies.values_list("body", flat=True)) == ["Can you say more?",
                                                                     "Sure: the VPN drops every hour."]


def test_a_reply_sent_twice_is_written_once(login, leader, submitted):
    client, token = login(leader), uuid.uuid4()

    _reply(client, submitted, token=token)
    _reply(client, submitted, token=token)

    assert Reply.objects.count() == 1


def test_an_empty_reply_is_refused_in_place_and_htmx_keeps_the_page(login, leader, submitted):
    client = login(leader)

    plain = client.post(url("reply", submitted.pk), {"body": "", "token": str(uuid.uuid4())})
    swapped = client.post(url("reply", submitted.pk), {"body": " ", "token": str(uuid.uuid4())},
                          headers={"HX-Request": "true"})

    assert plain.status_code == 400 and "Write your reply before sending it." in plain.content.decode()
    assert "<html" in plain.content.decode()  # the whole check-in page, not a fragment
    assert swapped.status_code == 400 and f'id="thread-{submitted.pk}"' in swapped.content.decode()
    assert Reply.objects.count() == 0


def test_a_long_reply_is_refused_with_the_text_kept(login, leader, submitted):
    text = "x" * 5001

    response = _reply(login(leader), submitted, text)

    assert response.status_code == 400 and text in response.content.decode()


def test_htmx_reply_comes_back_as_the_thread_with_a_fresh_form(login, leader, submitted):
    response = login(leader).post(url("reply", submitted.pk), {"body": "Seen it", "token": str(uuid.uuid4())},
                                  headers={"HX-Request": "true"})

    body = response.content.decode()
    assert response.status_code == 200 and "Seen it" in body and "<html" not in body
    assert body.count("Seen it") == 1  # the textarea is empty again


def test_acknowledging_once_then_refused_in_words(login, leader, team, make_user, add_member, submitted):
    other_leader = make_user("lead2@example.com", "Lee Second")
    add_member(team, other_leader, "leader")

    first = login(leader).post(url("acknowledge", submitted.pk), {"next": url("week")})
    submitted.refresh_from_db()
    assert first.status_code == 302 and submitted.acknowledged_by == leader

    client = login(other_leader)
    client.post(url("acknowledge", submitted.pk), {"next": url("week")})
    page = client.get(url("week")).content.decode()
    submitted.refresh_from_db()
    assert submitted.acknowledged_by == leader
    assert "already acknowledged this check-in" in page


def test_acknowledging_leaves_the_authors_version_alone(leader, team, submitted):
    version = submitted.version

    services.acknowledge(checkin_id=submitted.pk, team=team, actor=leader)

    submitted.refresh_from_db()
    assert submitted.version == version and submitted.is_acknowledged


def test_a_draft_cannot_be_acknowledged_or_replied_to(login, leader, member, team, frozen):
    frozen(at(2))
    draft = CheckIn.objects.create(team=team, author=member, week=MONDAY, progress="Half a thought")

    with pytest.raises(services.ActionRefused):
        services.acknowledge(checkin_id=draft.pk, team=team, actor=leader)
    assert login(leader).get(url("checkin", draft.pk)).status_code == 403
    assert _reply(login(leader), draft).status_code == 403


def test_a_member_sees_the_summary_without_anyones_words(login, colleague, submitted):
    page = login(colleague).get(url("week")).content.decode()

    assert "Max Member" in page and "Staging VPN broken" in page  # participation and blockers
    assert "Overloaded" in page  # load counts
    assert "Reviewed code only" in page  # which non-negotiable strained, and how many
    for private in ("My private account of the week", "Paged at 3am again", "Who decides the rota?"):
        assert private not in page
    assert login(colleague).get(url("checkin", submitted.pk)).status_code == 403
    assert login(colleague).get(url("person", submitted.author_id)).status_code == 403


def test_a_body_kept_for_its_readers_never_reaches_a_member_and_a_change_draws_it_anew(login, leader, colleague,
                                                                                      submitted):
    assert "My private account of the week" in login(leader).get(url("week")).content.decode()  # drawn and kept

    page = login(colleague).get(url("week")).content.decode()
    assert "My private account of the week" not in page and "Paged at 3am again" not in page

    CheckIn.objects.filter(pk=submitted.pk).update(progress="A corrected account")
    page = login(leader).get(url("week")).content.decode()
    assert "A corrected account" in page and "My private account of the week" not in page


def test_the_teams_setting_opens_check_ins_to_the_team_but_not_the_thread(login, leader, colleague, team,
                                                                          submitted):
    _reply(login(leader), submitted, "Between us: well done")
    team.checkins_open_to_team = True
    team.save(update_fields=["checkins_open_to_team"])
    client = login(colleague)

    week = client.get(url("week")).content.decode()
    detail = client.get(url("checkin", submitted.pk)).content.decode()

    assert "My private account of the week" in week and "Paged at 3am again" in week
    assert "My private account of the week" in detail
    assert "Between us" not in week and "Between us" not in detail
    assert client.get(url("person", submitted.author_id)).status_code == 200
    assert _reply(client, submitted).status_code == 403


def test_a_facilitator_reads_the_check_in_but_not_the_thread(login, leader, facilitator, submitted):
    _reply(login(leader), submitted, "Between us: well done")

    detail = login(facilitator).get(url("checkin", submitted.pk)).content.decode()

    assert "My private account of the week" in detail and "Between us" not in detail


def test_a_draft_stays_its_writers_own(login, leader, facilitator, member, team, frozen):
    frozen(at(2))
    draft = CheckIn.objects.create(team=team, author=member, week=MONDAY, progress="Half a thought")

    assert login(member).get(url("checkin", draft.pk)).status_code == 200
    for reader in (leader, facilitator):
        assert login(reader).get(url("checkin", draft.pk)).status_code == 403
        assert "Half a thought" not in login(reader).get(url("person", member.pk)).content.decode()


def test_the_setting_is_saved_from_team_settings(login, leader, team):
    from django.urls import reverse

    response = login(leader).post(reverse("team_settings", args=[team.organisation.slug, team.slug]), {
        "name": team.name, "time_zone": team.time_zone, "checkin_weekday": team.checkin_weekday,
        "checkin_time": "10:00", "review_cadence_weeks": team.review_cadence_weeks,
        "checkins_open_to_team": "on", "version": team.version})

    team.refresh_from_db()
    assert response.status_code == 302 and team.checkins_open_to_team


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_leaders_acknowledging_at_once_record_one(leader, team, make_user, add_member, submitted):
    other = make_user("lead2@example.com", "Lee Second")
    add_member(team, other, "leader")
    clients = [logged_in_client(leader), logged_in_client(other)]

    outcomes = run_concurrently(*(
        (lambda c=c: c.post(url("acknowledge", submitted.pk), {"next": url("week")})) for c in clients))

    assert [o.unwrap().status_code for o in outcomes] == [302, 302]
    submitted.refresh_from_db()
    assert submitted.acknowledged_by in (leader, other)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_same_reply_sent_from_two_connections_at_once_is_one(leader, submitted):
    token = uuid.uuid4()
    clients = [logged_in_client(leader), logged_in_client(leader)]

    outcomes = run_concurrently(*(
        (lambda c=c: c.post(url("reply", submitted.pk), {"body": "Once", "token": str(token)}))
        for c in clients))

    assert [o.unwrap().status_code for o in outcomes] == [302, 302]
    assert Reply.objects.count() == 1
