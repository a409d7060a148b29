"""The writer's page: drafts saved as people type or by button, submission, edits, refusals, and text never lost."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from charters.models import KeyResult, KeyResultProgress, NonNegotiable
from checkins.models import Blocker, CheckIn
from tests.checkins.conftest import MONDAY, at, form_data, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_member(login, member, frozen):
    frozen(at(2, "10:04"))
    return login(member)


def test_the_page_shows_the_form_who_sees_it_and_last_week(as_member, team, member, charter):
    CheckIn.objects.create(team=team, author=member, week=MONDAY.replace(day=9), state="submitted",
                           submitted_at=at(-3), progress="Paired with Hannah on the alert rules.")

    response = as_member.get(url("this_week"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "your team's leaders and facilitators" in body
    assert "Paired with Hannah on the alert rules." in body
    assert "Reviewed code only" in body and "Releases per month" in body
    assert len(re.findall(r'name="blocker_\d+_', body)) == 9  # three blank rows of what / who / goal


def test_an_htmx_draft_save_answers_with_a_status_line_and_the_new_version(as_member, team):
    response = as_member.post(url("save_draft"), form_data(progress="Half-way through the rota"),
                              HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200
    assert "Draft saved at 10:04" in body
    assert "<html" not in body
    assert 'name="version" value="1"' in body and 'hx-swap-oob="true"' in body
    assert CheckIn.objects.get().progress == "Half-way through the rota"


def test_a_plain_draft_save_redirects_back_and_keeps_the_text(as_member):
    response = as_member.post(url("save_draft"), form_data(progress="Typed without JavaScript"), follow=True)

    assert "Draft saved at 10:04" in response.content.decode()
    assert "Typed without JavaScript" in response.content.decode()
    assert CheckIn.objects.get().is_draft


def test_add_a_blocker_saves_and_offers_one_more_row(as_member):
    response = as_member.post(url("save_draft"), form_data(add_blocker="1", blocker_0_what="VPN down"), follow=True)

    body = response.content.decode()
    assert len(re.findall(r'name="blocker_\d+_', body)) == 8  # four rows of what / who (no charter, so no goal)
    assert "VPN down" in body


def test_submit_with_blocker_pulse_and_key_result(as_member, team, charter):
    strained = NonNegotiable.objects.get(title="No pager heroics")
    key_result = KeyResult.objects.get()
    response = as_member.post(url("submit"), form_data(
        blocker_0_what="Waiting for the staging VPN", strained_non_negotiable=str(strained.pk),
        strain_note="Took a page at 2am alone", boundary_question="Who picks the on-call tool?",
        **{f"kr_{key_result.pk}_value": "2", f"kr_{key_result.pk}_confidence": "at_risk"}))

    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    assert checkin.is_submitted and not checkin.is_late
    assert checkin.strained_non_negotiable == strained
    assert Blocker.objects.get().what == "Waiting for the staging VPN"
    assert KeyResultProgress.objects.get().value == Decimal(2)


def test_submit_after_the_due_time_says_it_is_late(login, member, frozen):
    frozen(at(4, "11:00"))

    response = login(member).post(url("submit"), form_data(), follow=True)

    assert "marked late" in response.content.decode()
    assert CheckIn.objects.get().is_late


def test_submit_without_what_moved_keeps_the_typed_text_with_a_message(as_member):
    response = as_member.post(url("submit"), form_data(progress="", highlights="Thanks to Kwame for the review",
                                                       blocker_0_what="No test data"))

    body = response.content.decode()
    assert response.status_code == 400
    assert "This field is required" in body
    assert "Thanks to Kwame for the review" in body and "No test data" in body
    assert not CheckIn.objects.exists()


def test_a_submitted_check_in_can_be_edited_until_the_week_ends(as_member):
    as_member.post(url("submit"), form_data())

    response = as_member.post(url("submit"), form_data(version="1", progress="Also fixed the export"))

    assert response.status_code == 302
    assert CheckIn.objects.get().progress == "Also fixed the export"
    page = as_member.get(url("this_week")).content.decode()
    assert "Update check-in" in page and 'hx-trigger="input changed' not in page  # no autosave once submitted


def test_saving_after_the_week_ended_is_refused_in_words_with_the_text_kept(as_member, frozen, team, member):
    as_member.post(url("submit"), form_data())
    frozen(at(7, "09:00"))

    response = as_member.post(url("submit"), form_data(version="1", progress="Late thought from last week"))

    body = response.content.decode()
    assert response.status_code == 400
    assert "has ended" in body
    assert "Late thought from last week" in body
    assert CheckIn.objects.get().progress == "Shipped the rota export."


def test_a_stale_save_from_a_second_tab_is_a_conflict_showing_both_texts(as_member):
    as_member.post(url("save_draft"), form_data(progress="From the laptop"))

    response = as_member.post(url("save_draft"), form_data(progress="From the phone"))

    body = response.content.decode()
    assert response.status_code == 409
    assert "From the laptop" in body and "From the phone" in body
    assert 'name="version" value="1"' in body
    assert CheckIn.objects.get().progress == "From the laptop"


def test_a_stale_htmx_save_is_a_409_status_line_leaving_the_page_alone(as_member):
    as_member.post(url("save_draft"), form_data(progress="From the laptop"))

    response = as_member.post(url("save_draft"), form_data(progress="From the phone"), HTTP_HX_REQUEST="true")

    assert response.status_code == 409
    assert "changed in another tab" in response.content.decode()
    assert "<html" not in response.content.decode()


def test_a_draft_keeps_a_key_result_value_typed_before_its_confidence(as_member, charter):
    key_result = KeyResult.objects.get()

    response = as_member.post(url("save_draft"), form_data(**{f"kr_{key_result.pk}_value": "3"}),
                              HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert CheckIn.objects.get().key_result_updates.get().value == Decimal(3)
    assert not KeyResultProgress.objects.exists()


def test_submitting_a_key_result_value_without_confidence_asks_for_it(as_member, charter):
    key_result = KeyResult.objects.get()

    response = as_member.post(url("submit"), form_data(**{f"kr_{key_result.pk}_value": "3"}))

    assert response.status_code == 400
    assert "Say how confident you are" in response.content.decode()


def test_an_htmx_save_that_cannot_be_read_answers_in_the_status_line(as_member, charter):
    key_result = KeyResult.objects.get()

    response = as_member.post(url("save_draft"), form_data(**{f"kr_{key_result.pk}_value": "three"}),
                              HTTP_HX_REQUEST="true")

    assert response.status_code == 400
    assert "Not saved yet" in response.content.decode() and "<html" not in response.content.decode()
