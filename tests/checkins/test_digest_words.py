"""The leaders' weekly digest reads as a person would write it: a subject in words, sentences, sections in the
HTML part; with who is overloaded, check-ins nobody answered and what waits for an answer."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.core import mail

from charters.models import KeyResult, KeyResultProgress
from checkins import reminders
from checkins.models import CheckIn, Commitment, Renegotiation, Reply
from notifications.models import Notification
from tests.checkins.conftest import MONDAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def week(team, leader, member, facilitator, charter, settings):
    """Max (member) is overloaded and nobody answered him; Fay (facilitator) was answered; two asks wait."""
    settings.LEADER_DIGEST_AFTER_HOURS = 4
    maxs = CheckIn.objects.create(team=team, author=member, week=MONDAY, state="submitted", load="overloaded",
                                  submitted_at=at(3, "16:00"), strained_non_negotiable=charter.non_negotiables.first(),
                                  strain_note="Max's private worry")
    fays = CheckIn.objects.create(team=team, author=facilitator, week=MONDAY, state="submitted",
                                  load="about_right", submitted_at=at(4, "09:00"))
    Reply.objects.create(check_in=fays, author=leader, body="Thanks", token=uuid.uuid4())
    runbook = Commitment.objects.create(team=team, owner=member, created_by=member, title="Failover runbook",
                                        standard="Tested", due_on=date(2026, 11, 27), state="open")
    Renegotiation.objects.create(commitment=runbook, kind="defer", reason="Too much", asked_by=member,
                                 was_due_on=runbook.due_on, was_owner=member, proposed_due_on=date(2026, 12, 4))
    Commitment.objects.create(team=team, owner=facilitator, created_by=leader, title="Pager rota",
                              standard="Published", due_on=date(2026, 11, 13), state="requested")
    kr = KeyResult.objects.get()
    for day, confidence in ((-3, "on_track"), (2, "at_risk")):
        KeyResultProgress.objects.create(key_result=kr, lineage_id=kr.lineage_key, value=2, confidence=confidence,
                                         recorded_at=at(day), recorded_by=member)
    return maxs


def _digest(team) -> Notification:
    reminders.send_digests(now=at(4, "14:00"))
    return Notification.objects.get(kind=reminders.DIGEST)


def test_the_subject_names_the_team_and_the_week_in_words(team, week):
    assert _digest(team).subject == "Platform — your week, 16 Nov"


def test_the_body_is_sentences_not_machine_output(team, week):
    body = _digest(team).body

    assert body.startswith("Week of 16 Nov 2026: everyone checked in (2 people).")
    assert "Confidence that fell\n- Releases per month: from on track to at risk" in body
    assert "on_track" not in body and "→" not in body and "(1 days)" not in body
    assert "Waiting for an answer (2)\n" in body
    assert "- Max Member asks to defer (a new date): “Failover runbook”" in body
    assert "- “Pager rota”, asked of Fay Facilitator, not answered yet: 1 week overdue (due Fri 13 Nov)" in body


def test_it_says_who_is_overloaded_and_which_check_ins_nobody_answered(team, week):
    body = _digest(team).body

    assert "Who said they are overloaded\n- Max Member: worth a word before asking more of them" in body
    assert "Check-ins nobody answered (1)\n- Max Member’s, submitted Thu 19 Nov: no reply yet, not acknowledged" \
        in body
    assert "Fay Facilitator’s, submitted" not in body  # answered


def test_an_acknowledged_check_in_counts_as_answered(team, week, leader):
    week.acknowledged_at, week.acknowledged_by = at(4, "10:00"), leader
    week.save()

    assert "Check-ins nobody answered" not in _digest(team).body


def test_counts_of_load_and_strain_keep_small_team_privacy(team, week):
    body = _digest(team).body

    assert "Load this week\n- Each load was given by fewer than 3 people, so no count is shown" in body
    assert "Reviewed code only: flagged by fewer than 3 people" in body
    assert "Max's private worry" not in body  # the strain note stays in the check-in


def test_days_are_pluralised(team, week, member):
    from checkins.models import Blocker

    Blocker.objects.create(check_in=week, position=0, what="Firewall change", opened_at=at(3, "08:00"))
    Blocker.objects.create(check_in=week, position=1, what="Pager budget", opened_at=at(2, "08:00"))

    body = _digest(team).body

    assert "Open blockers (2)\n- Pager budget — open 2 days\n- Firewall change — open 1 day" in body


def test_the_html_part_is_laid_out_in_sections(team, week, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://charter.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_digests(now=at(4, "14:00"))

    (message,) = mail.outbox
    html, mimetype = message.alternatives[0]
    assert message.subject == "Platform — your week, 16 Nov"
    assert "<h2" in html and ">Who said they are overloaded</h2>" in html
    assert "<li>Max Member: worth a word before asking more of them</li>" in html
    assert "<br>" not in html
    # The text part says the same words.
    assert "Who said they are overloaded\n- Max Member: worth a word before asking more of them" in message.body
    assert "https://charter.example.com/o/harbour/t/platform/check-ins/week/?week=2026-11-16" in html


@pytest.mark.parametrize("people", [2, 20])
def test_a_digest_costs_the_same_with_2_or_20_people(team, leader, make_user, add_member, people, settings,
                                                     django_assert_num_queries):
    settings.LEADER_DIGEST_AFTER_HOURS = 4
    for n in range(people):
        person = make_user(f"p{n}@example.com", f"Person {n}")
        add_member(team, person, "member")
        checkin = CheckIn.objects.create(team=team, author=person, week=MONDAY, state="submitted",
                                         submitted_at=at(4, "09:00"), load="overloaded" if n % 2 else "light")
        Reply.objects.create(check_in=checkin, author=leader, body="Thanks", token=uuid.uuid4())
        Commitment.objects.create(team=team, owner=person, created_by=leader, title=f"Ask {n}", standard="x",
                                  due_on=date(2026, 11, 20), state="requested")

    # Finding the team: the zones of active teams, the batch of teams whose day has come (and the next, empty
    # batch at the end); the leaders owed the digest. The team's week page: memberships with people, the week's
    # check-ins, the replies, open blockers, pending renegotiations, requested commitments with owners, the key
    # results' confidence. The chat summary: the team's webhooks. Telling the leaders: deliver_many's
    # savepoint, claims made, preferences, the new claims (a savepoint and its release), the notifications,
    # the release of its savepoint.
    with django_assert_num_queries(20):
        assert reminders.send_digests(now=at(4, "14:00")).sent == 1
