"""Check-in rules: one per person and week, late after the due time, progress recorded once, closed after the week."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError

from alignment.errors import ActionRefused, ConcurrentEditError
from alignment.weeks import week_starting
from charters.models import KeyResult, KeyResultProgress, NonNegotiable
from checkins import services
from checkins.content import BlockerRow, CheckInContent, KeyResultEntry
from checkins.models import Blocker, CheckIn
from tests.checkins.conftest import MONDAY, at

pytestmark = pytest.mark.django_db


def write(service, *, team, author, version=0, now=None, blockers=(), key_results=(), **text):
    values = {"progress": "Moved the rota export on.", "load": "about_right"} | text
    content = CheckInContent(blockers=tuple(blockers), key_results=tuple(key_results), **values)
    return service(team=team, author=author, week=week_starting(team, MONDAY), expected_version=version,
                   content=content, now=now or at(2))


def test_one_check_in_per_person_team_and_week_in_the_database(team, member):
    CheckIn.objects.create(team=team, author=member, week=MONDAY)

    with pytest.raises(IntegrityError):
        CheckIn.objects.create(team=team, author=member, week=MONDAY)


def test_drafts_update_the_same_check_in_and_bump_its_version(team, member):
    first = write(services.save_draft, team=team, author=member, progress="Half")
    second = write(services.save_draft, team=team, author=member, version=first.version, progress="Half done")

    assert CheckIn.objects.count() == 1
    assert second.version == first.version + 1
    assert CheckIn.objects.get().progress == "Half done"
    assert CheckIn.objects.get().is_draft


def test_a_stale_version_is_a_conflict_carrying_the_saved_text(team, member):
    saved = write(services.save_draft, team=team, author=member, progress="From the laptop")

    with pytest.raises(ConcurrentEditError) as conflict:
        write(services.save_draft, team=team, author=member, version=0, progress="From the phone")

    assert conflict.value.current.progress == "From the laptop"
    assert CheckIn.objects.get().version == saved.version


def test_submitting_before_the_due_time_is_on_time(team, member):
    checkin = write(services.submit_checkin, team=team, author=member, now=at(4, "09:59"))

    assert checkin.is_submitted and not checkin.is_late
    assert checkin.submitted_at == at(4, "09:59")


def test_submitting_after_the_due_time_is_late_and_stays_late_after_an_edit(team, member):
    checkin = write(services.submit_checkin, team=team, author=member, now=at(4, "10:01"))
    assert checkin.is_late

    edited = write(services.submit_checkin, team=team, author=member, version=checkin.version, now=at(5),
                   progress="Edited on Saturday")

    assert edited.is_late and edited.submitted_at == at(4, "10:01")
    assert CheckIn.objects.get().progress == "Edited on Saturday"


def test_a_check_in_cannot_change_once_its_week_has_ended(team, member):
    checkin = write(services.submit_checkin, team=team, author=member, now=at(4))

    with pytest.raises(ActionRefused, match="has ended"):
        write(services.submit_checkin, team=team, author=member, version=checkin.version, now=at(7, "00:00"))


def test_a_draft_save_on_a_submitted_check_in_is_refused_in_words(team, member):
    checkin = write(services.submit_checkin, team=team, author=member)

    with pytest.raises(ActionRefused, match="already submitted"):
        write(services.save_draft, team=team, author=member, version=checkin.version)


def test_key_result_progress_is_recorded_once_and_again_only_when_changed(team, member, charter):
    key_result = KeyResult.objects.get()
    entry = [KeyResultEntry(key_result, Decimal(2), KeyResultProgress.Confidence.ON_TRACK)]

    checkin = write(services.submit_checkin, team=team, author=member, key_results=entry)
    checkin = write(services.submit_checkin, team=team, author=member, version=checkin.version, key_results=entry)

    progress = KeyResultProgress.objects.get()
    assert (progress.value, progress.source, progress.source_ref) == (Decimal(2), "check_in", checkin.pk)
    assert progress.recorded_at == at(2)

    changed = [KeyResultEntry(key_result, Decimal(3), KeyResultProgress.Confidence.AT_RISK)]
    write(services.submit_checkin, team=team, author=member, version=checkin.version, key_results=changed)

    assert list(KeyResultProgress.objects.order_by("pk").values_list("value", flat=True)) == [Decimal(2), Decimal(3)]


def test_a_draft_records_no_progress(team, member, charter):
    entry = [KeyResultEntry(KeyResult.objects.get(), Decimal(2), KeyResultProgress.Confidence.ON_TRACK)]

    write(services.save_draft, team=team, author=member, key_results=entry)

    assert not KeyResultProgress.objects.exists()


def test_blocker_rows_create_update_and_clear_their_own_blocker(team, member, leader):
    checkin = write(services.save_draft, team=team, author=member, now=at(1),
                    blockers=[BlockerRow(0, "Waiting on the VPN", None, None), BlockerRow(1, "", None, None)])
    first = Blocker.objects.get()

    checkin = write(services.save_draft, team=team, author=member, version=checkin.version, now=at(2),
                    blockers=[BlockerRow(0, "Waiting on the VPN for staging", leader, None),
                              BlockerRow(1, "No test data", None, None)])

    blockers = list(Blocker.objects.order_by("position"))
    assert [b.what for b in blockers] == ["Waiting on the VPN for staging", "No test data"]
    assert blockers[0].pk == first.pk and blockers[0].opened_at == at(1)
    assert blockers[0].who_could_help == leader

    write(services.save_draft, team=team, author=member, version=checkin.version,
          blockers=[BlockerRow(0, "", None, None), BlockerRow(1, "No test data", None, None)])

    assert list(Blocker.objects.values_list("what", flat=True)) == ["No test data"]


def test_resolving_a_blocker_twice_is_refused_with_who_resolved_it(team, member, leader):
    write(services.submit_checkin, team=team, author=member, blockers=[BlockerRow(0, "No test data", None, None)])
    blocker = Blocker.objects.get()

    services.resolve_blocker(blocker_id=blocker.pk, team=team, actor=leader, resolution="Sam made some")

    with pytest.raises(ActionRefused, match="Lena Leader already resolved"):
        services.resolve_blocker(blocker_id=blocker.pk, team=team, actor=leader, resolution="again")
    blocker.refresh_from_db()
    assert (blocker.resolution, blocker.resolved_by) == ("Sam made some", leader)


def test_blocker_age_is_counted_in_days_on_the_team_calendar(team, member):
    checkin = CheckIn.objects.create(team=team, author=member, week=MONDAY)
    blocker = Blocker.objects.create(check_in=checkin, what="x", opened_at=at(0, "23:30"))

    assert blocker.age_days(MONDAY, team.zone) == 0
    assert blocker.age_days(at(3).date(), team.zone) == 3


def test_a_strained_non_negotiable_is_kept_when_its_charter_changes(team, member, charter):
    strained = NonNegotiable.objects.first()
    checkin = write(services.submit_checkin, team=team, author=member, strained_non_negotiable=strained,
                    strain_note="Pushed a fix unreviewed at 2am")

    assert checkin.strained_non_negotiable == strained
    strained.delete()
    checkin.refresh_from_db()
    assert checkin.strained_non_negotiable is None and checkin.strain_note


def test_a_first_save_that_loses_the_insert_race_finds_the_winners_check_in(team, member):
    winner = CheckIn.objects.create(team=team, author=member, week=MONDAY)

    # What the losing tab does after the unique constraint refused its insert.
    assert services._create(team=team, author=member, week=week_starting(team, MONDAY), now=at(2)) == winner
