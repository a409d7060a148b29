"""Check-in words retention (alignment/erasure.py, reviews/erase.py): an organisation keeps check-ins' words N
months after their cycle closed; then the daily run blanks them, their blockers' and replies', and keeps the
counts and the cycle's summary. Tested by moving the clock, never by waiting.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from alignment import erasure
from alignment.models import AuditEvent, AuditKind, Organisation
from checkins.erase import WORDS_REMOVED
from checkins.models import Blocker, CheckIn, Reply
from reviews.models import ReviewCycle
from tests.checkins.conftest import MONDAY

pytestmark = pytest.mark.django_db

CLOSED = datetime(2026, 1, 10, 12, tzinfo=UTC)


@pytest.fixture
def kept_three_months(organisation) -> Organisation:
    Organisation.objects.filter(pk=organisation.pk).update(checkin_words_retention_months=3)
    return organisation


@pytest.fixture
def closed_cycle(team) -> ReviewCycle:
    return ReviewCycle.objects.create(team=team, number=1, start_date=MONDAY, end_date=MONDAY + timedelta(weeks=6),
                                      state=ReviewCycle.State.CLOSED, closed_at=CLOSED, summary="We shipped weekly.")


def checked_in(team, person, week, *, words: str, **fields) -> CheckIn:
    checkin = CheckIn.objects.create(team=team, author=person, week=week, state="submitted",
                                     submitted_at=datetime(2025, 12, 1, tzinfo=UTC), progress=words,
                                     boundary_question=f"{words}: who decides?", load="overloaded", **fields)
    blocker = Blocker.objects.create(check_in=checkin, what=f"{words} blocker",
                                     resolved_at=datetime(2025, 12, 2, tzinfo=UTC), resolution=f"{words} resolved")
    Reply.objects.create(check_in=checkin, author=person, body=f"{words} reply", token=uuid.uuid4())
    assert blocker
    return checkin


def test_words_stay_until_the_retention_has_passed_then_go_and_the_counts_stay(
        kept_three_months, team, member, leader, closed_cycle, frozen):
    in_cycle = checked_in(team, member, MONDAY + timedelta(weeks=1), words="In the cycle")
    after = checked_in(team, member, MONDAY + timedelta(weeks=7), words="After the cycle")  # in no closed cycle

    frozen(datetime(2026, 4, 9, tzinfo=UTC))  # closed 3 months ago less a day
    assert erasure.erase_expired_words().rows == 0
    in_cycle.refresh_from_db()
    assert in_cycle.progress == "In the cycle"

    frozen(datetime(2026, 4, 11, tzinfo=UTC))  # a day past
    counts = erasure.erase_expired_words()

    in_cycle.refresh_from_db()
    assert counts.rows == 3 and counts.organisations == {"harbour": 3}
    assert (in_cycle.progress, in_cycle.boundary_question) == (WORDS_REMOVED, WORDS_REMOVED)
    assert in_cycle.highlights == "" and in_cycle.strain_note == ""  # nothing written: nothing to blank
    assert (in_cycle.state, in_cycle.load, in_cycle.week) == ("submitted", "overloaded", MONDAY + timedelta(weeks=1))
    blocker = Blocker.objects.get(check_in=in_cycle)
    assert (blocker.what, blocker.resolution) == (WORDS_REMOVED, WORDS_REMOVED)
    assert Reply.objects.get(check_in=in_cycle).body == WORDS_REMOVED
    after.refresh_from_db()
    assert after.progress == "After the cycle"
    closed_cycle.refresh_from_db()
    assert closed_cycle.summary == "We shipped weekly."
    assert AuditEvent.objects.filter(kind=AuditKind.CHECKIN_WORDS_ERASED, organisation=kept_three_months).count() == 1


def test_the_run_is_idempotent(kept_three_months, team, member, closed_cycle, frozen):
    checked_in(team, member, MONDAY, words="Once")
    frozen(datetime(2026, 6, 1, tzinfo=UTC))

    assert erasure.erase_expired_words().rows == 3
    assert erasure.erase_expired_words().rows == 0
    assert AuditEvent.objects.filter(kind=AuditKind.CHECKIN_WORDS_ERASED).count() == 1


def test_an_organisation_without_the_setting_keeps_its_words_for_ever(organisation, team, member, closed_cycle,
                                                                        frozen):
    checkin = checked_in(team, member, MONDAY, words="Kept")
    frozen(datetime(2036, 1, 1, tzinfo=UTC))

    assert erasure.erase_expired_words().rows == 0
    checkin.refresh_from_db()
    assert checkin.progress == "Kept"


def test_open_cycles_keep_their_words(kept_three_months, team, member, frozen):
    ReviewCycle.objects.create(team=team, number=1, start_date=MONDAY, end_date=MONDAY + timedelta(weeks=6))
    checkin = checked_in(team, member, MONDAY, words="Still open")
    frozen(datetime(2030, 1, 1, tzinfo=UTC))

    assert erasure.erase_expired_words().rows == 0
    checkin.refresh_from_db()
    assert checkin.progress == "Still open"


def test_the_cycle_page_counts_the_same_after_the_words_go(kept_three_months, team, member, leader, closed_cycle,
                                                            login, frozen):
    checked_in(team, member, MONDAY + timedelta(weeks=1), words="Counted")
    url = reverse("reviews:cycle", args=[team.organisation.slug, team.slug, closed_cycle.number])
    frozen(datetime(2026, 2, 1, tzinfo=UTC))
    before = login(leader).get(url)
    assert before.status_code == 200

    frozen(datetime(2026, 6, 1, tzinfo=UTC))
    erasure.erase_expired_words()
    after = login(leader).get(url)

    assert after.status_code == 200
    assert after.context["page"].participation == before.context["page"].participation
    assert after.context["page"].boundary_questions == before.context["page"].boundary_questions == 1


def test_an_admin_sets_the_retention_with_the_organisations_other_settings(login, leader, organisation):
    response = login(leader).post(reverse("organisation_settings", args=[organisation.slug]), {
        "name": organisation.name, "purpose": organisation.purpose, "checkin_words_retention_months": 18,
        "audit_retention_months": 24, "version": organisation.version})

    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.checkin_words_retention_months == 18
    event = AuditEvent.objects.get(kind=AuditKind.ORGANISATION_SETTINGS_CHANGED)
    assert event.changes["checkin_words_retention_months"] == [None, 18]
