"""Key-result progress lives beside the charter's text: recorded on the version in force,
filed under the key result's lineage so that it survives amendments, and shown on the
charter page as each key result's latest value and confidence.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import RestrictedError
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from alignment.errors import ActionRefused
from charters import selectors, services
from charters.models import Charter, KeyResult, KeyResultProgress
from tests.charters.conftest import charter_url
from tests.charters.factories import complete_charter, ratified_charter

ON_TRACK, AT_RISK, OFF_TRACK = (c.value for c in KeyResultProgress.Confidence)
SIZES = [2, 20]


def key_result_of(charter: Charter) -> KeyResult:
    return KeyResult.objects.filter(goal__charter=charter).order_by("goal__position", "position").first()


def amend_and_ratify(team, leader) -> Charter:
    draft = services.start_amendment(team=team, actor=leader, note="Sharper goals")
    services.propose(charter=draft, actor=leader)
    return services.ratify(charter=draft, actor=leader, despite_gaps=True)


@pytest.fixture
def active(team, leader) -> Charter:
    """The team's first charter, ratified: one goal with "Metric 1" from 10 to 20, currently 12."""
    return ratified_charter(team, leader)


# The service ------------------------------------------------------------------------------------

def test_progress_is_recorded_beside_the_unchanged_charter_text(active, leader):
    kr = key_result_of(active)

    progress = services.record_progress(key_result=kr, actor=leader, value=Decimal("15.5"), confidence=AT_RISK,
                                        note="  One clinic slipped  ")

    progress.refresh_from_db()
    assert (progress.key_result_id, progress.lineage_id) == (kr.pk, kr.pk)
    assert (progress.value, progress.confidence, progress.note) == (Decimal("15.50"), AT_RISK, "One clinic slipped")
    assert (progress.recorded_by, progress.source, progress.source_ref) == (leader, "direct", None)
    assert timezone.now() - progress.recorded_at < timedelta(seconds=5)
    kr.refresh_from_db()
    assert kr.current_value == Decimal("12")  # the ratified text never changes


def test_a_check_in_names_itself_and_its_moment(active, member):
    kr = key_result_of(active)
    moment = timezone.now() - timedelta(days=2)

    progress = services.record_progress(key_result=kr, actor=member, value=18, confidence=ON_TRACK,
                                        source=KeyResultProgress.Source.CHECK_IN, source_ref=42, recorded_at=moment)

    progress.refresh_from_db()
    assert (progress.source, progress.source_ref, progress.recorded_at) == ("check_in", 42, moment)


@pytest.mark.parametrize("state", [Charter.State.DRAFT, Charter.State.PROPOSED])
def test_a_draft_or_proposal_is_refused_because_it_is_not_in_force(team, leader, state):
    charter = complete_charter(team, leader)
    if state == Charter.State.PROPOSED:
        services.propose(charter=charter, actor=leader)

    with pytest.raises(ActionRefused, match=f"Version 1 is {state}, not in force yet. Progress is recorded on "
                                            "the team's active charter"):
        services.record_progress(key_result=key_result_of(charter), actor=leader, value=15, confidence=ON_TRACK)

    assert not KeyResultProgress.objects.exists()


def test_an_amendment_in_progress_is_refused_while_the_active_version_accepts_progress(active, team, leader):
    draft = services.start_amendment(team=team, actor=leader)

    with pytest.raises(ActionRefused, match="Version 2 is draft, not in force yet"):
        services.record_progress(key_result=key_result_of(draft), actor=leader, value=15, confidence=ON_TRACK)
    services.record_progress(key_result=key_result_of(active), actor=leader, value=15, confidence=ON_TRACK)

    assert KeyResultProgress.objects.count() == 1


def test_a_superseded_version_is_refused(active, team, leader):
    amend_and_ratify(team, leader)

    with pytest.raises(ActionRefused, match="Version 1 was superseded by a later version, so progress is no longer "
                                            "recorded on it. Record it on the team's active charter."):
        services.record_progress(key_result=key_result_of(active), actor=leader, value=15, confidence=ON_TRACK)

    assert not KeyResultProgress.objects.exists()


def test_an_archived_team_is_refused(active, team, leader):
    team.archived_at = timezone.now()
    team.save(update_fields=["archived_at"])

    with pytest.raises(ActionRefused, match="archived"):
        services.record_progress(key_result=key_result_of(active), actor=leader, value=15, confidence=ON_TRACK)


@pytest.mark.parametrize(("value", "confidence", "note", "reason"), [
    (Decimal(15), "great", "", "Say how confident you are: on track, at risk or off track."),
    (Decimal(15), "", "", "Say how confident you are"),
    (None, ON_TRACK, "", "Give the key result's value."),
    ("", ON_TRACK, "", "Give the key result's value."),
    ("fifteen", ON_TRACK, "", "must be a decimal number"),
    ("NaN", ON_TRACK, "", "must be a decimal number"),
    (Decimal("15.555"), ON_TRACK, "", "no more than 2 decimal places"),
    (Decimal(10) ** 13, ON_TRACK, "", "no more than 12 digits before the decimal point"),
    (Decimal(15), ON_TRACK, "x" * 2001, "Keep the note to 2,000 characters."),
])
def test_unusable_input_is_refused_in_words(active, leader, value, confidence, note, reason):
    with pytest.raises(ActionRefused, match=reason):
        services.record_progress(key_result=key_result_of(active), actor=leader, value=value, confidence=confidence,
                                 note=note)

    assert not KeyResultProgress.objects.exists()


@pytest.mark.parametrize(("source", "source_ref"), [("check_in", None), ("direct", 7), ("telepathy", None)])
def test_a_caller_mixing_up_the_source_is_a_programming_error(active, leader, source, source_ref):
    with pytest.raises(ValueError):
        services.record_progress(key_result=key_result_of(active), actor=leader, value=15, confidence=ON_TRACK,
                                 source=source, source_ref=source_ref)


def test_a_naive_moment_is_a_programming_error(active, leader):
    with pytest.raises(ValueError, match="aware"):
        services.record_progress(key_result=key_result_of(active), actor=leader, value=15, confidence=ON_TRACK,
                                 recorded_at=datetime(2026, 11, 23, 10, 0))


# Lineage ----------------------------------------------------------------------------------------

def test_a_new_key_result_is_its_own_lineage(team, leader):
    charter = complete_charter(team, leader)

    added = services.add_item(charter=charter, item=KeyResult(goal=charter.goals.first(), metric="Visits on time"))

    assert added.lineage_id == added.pk
    assert KeyResult.objects.get(pk=added.pk).lineage_id == added.pk


def test_copies_keep_the_first_key_result_as_their_lineage_through_every_amendment(active, team, leader):
    first = key_result_of(active)
    second = key_result_of(amend_and_ratify(team, leader))
    draft = services.start_amendment(team=team, actor=leader)
    added = services.add_item(charter=draft, item=KeyResult(goal=draft.goals.first(), metric="New in v3"))

    third = KeyResult.objects.get(goal__charter=draft, origin=second)

    assert (second.origin_id, second.lineage_id) == (first.pk, first.pk)
    assert (third.origin_id, third.lineage_id) == (second.pk, first.pk)
    assert added.lineage_id == added.pk


def test_progress_recorded_on_v1_shows_on_v2_and_the_history_lists_both(active, team, leader, member, login):
    v1_kr = key_result_of(active)
    earlier = timezone.now() - timedelta(days=7)
    services.record_progress(key_result=v1_kr, actor=leader, value=14, confidence=AT_RISK, recorded_at=earlier)
    v2 = amend_and_ratify(team, leader)
    v2_kr = key_result_of(v2)

    page = login(member).get(charter_url("detail"))

    assert page.context["charter"] == v2
    assertContains(page, '<td class="latest-value">14%')
    assertContains(page, "at risk")

    services.record_progress(key_result=v2_kr, actor=leader, value=19, confidence=ON_TRACK)
    history = selectors.progress_history([v2_kr.lineage_key])

    assert [(p.key_result_id, p.value, p.confidence) for p in history[v1_kr.pk]] == [
        (v1_kr.pk, Decimal("14.00"), AT_RISK), (v2_kr.pk, Decimal("19.00"), ON_TRACK),
    ]
    assert [p.value for p in selectors.progress_history([v1_kr.pk], since=earlier + timedelta(days=1))[v1_kr.pk]] \
        == [Decimal("19.00")]


def test_history_answers_every_lineage_asked_for_in_one_query(active, leader, django_assert_num_queries):
    kr = key_result_of(active)
    for value in (11, 13):
        services.record_progress(key_result=kr, actor=leader, value=value, confidence=ON_TRACK)

    # 1 the readings of every lineage asked for, with who recorded them.
    with django_assert_num_queries(1):
        history = selectors.progress_history([kr.pk, 999_999])
        assert [p.recorded_by.name for p in history[kr.pk]] == ["Lena Leader", "Lena Leader"]

    assert history[999_999] == []
    assert selectors.progress_history([]) == {}


def test_latest_is_the_newest_recorded_not_the_last_written(active, leader):
    kr = key_result_of(active)
    now = timezone.now()
    services.record_progress(key_result=kr, actor=leader, value=17, confidence=ON_TRACK, recorded_at=now)
    # A check-in submitted late, about an earlier moment, does not override the newer reading.
    services.record_progress(key_result=kr, actor=leader, value=11, confidence=OFF_TRACK,
                             source=KeyResultProgress.Source.CHECK_IN, source_ref=1, recorded_at=now - timedelta(days=3))

    assert selectors.latest_progress([kr.pk])[kr.pk].value == Decimal("17.00")


def test_without_progress_a_key_result_stands_at_its_written_value(active):
    kr = key_result_of(active)

    selectors.attach_latest_progress([kr])

    assert (kr.latest.value, kr.latest.percent, kr.latest.progress, kr.latest.confidence) == (
        Decimal("12"), 20, None, None)


def test_the_percentage_uses_the_latest_value_and_this_versions_target(active, team, leader):
    services.record_progress(key_result=key_result_of(active), actor=leader, value=15, confidence=ON_TRACK)
    draft = services.start_amendment(team=team, actor=leader)
    KeyResult.objects.filter(goal__charter=draft).update(target_value=Decimal("30"))  # the amendment raises the bar
    old, new = key_result_of(active), key_result_of(draft)

    selectors.attach_latest_progress([old, new])

    assert (old.latest.value, old.latest.percent) == (Decimal("15.00"), 50)
    assert (new.latest.value, new.latest.percent) == (Decimal("15.00"), 25)
    assert new.latest.confidence == KeyResultProgress.Confidence.ON_TRACK


def test_a_draft_key_result_that_is_its_own_lineage_can_still_be_removed(team, leader):
    charter = complete_charter(team, leader)
    added = services.add_item(charter=charter, item=KeyResult(goal=charter.goals.first(), metric="Mistake"))

    services.delete_item(charter=charter, item=added)

    assert not KeyResult.objects.filter(pk=added.pk).exists()


def test_an_old_version_cannot_be_deleted_from_under_its_successor_but_the_team_can(active, team, leader):
    services.record_progress(key_result=key_result_of(active), actor=leader, value=15, confidence=ON_TRACK)
    amend_and_ratify(team, leader)
    draft = services.start_amendment(team=team, actor=leader)

    with pytest.raises(RestrictedError):
        Charter.objects.filter(pk=active.pk).delete()
    services.discard(charter=draft, actor=leader)  # a draft's copies go, the history stays
    team.delete()

    assert not KeyResult.objects.exists() and not KeyResultProgress.objects.exists()


# The charter page -------------------------------------------------------------------------------

def test_the_page_shows_the_latest_value_confidence_and_who_recorded_it(active, leader, outsider, login):
    kr = key_result_of(active)
    services.record_progress(key_result=kr, actor=leader, value=Decimal("15.5"), confidence=AT_RISK,
                             note="One clinic slipped", recorded_at=datetime(2026, 11, 20, 12, 0, tzinfo=UTC))

    for reader in (leader, outsider):
        page = login(reader).get(charter_url("detail"))

        assertContains(page, '<td class="latest-value">15.5%')
        assertContains(page, '<span class="badge confidence-at_risk">at risk</span>', html=True)
        assertContains(page, "20 Nov 2026 by Lena Leader: “One clinic slipped”")
        assertContains(page, 'value="55"')  # 15.5 is 55% of the way from 10 to 20
        assertNotContains(page, "12 %")


def test_without_progress_the_page_shows_the_written_value(active, leader, login):
    page = login(leader).get(charter_url("detail"))

    assertContains(page, '<td class="latest-value">12%')
    assertContains(page, '<span class="badge confidence-at_risk">at risk</span>')


def test_only_a_leader_on_the_active_version_is_offered_the_form(active, team, leader, member, facilitator,
                                                                 outsider, login):
    kr = key_result_of(active)
    action = f'action="{charter_url("progress", 1, kr.pk)}"'

    assertContains(login(leader).get(charter_url("detail")), action)
    for reader in (member, facilitator, outsider):
        assertNotContains(login(reader).get(charter_url("detail")), "Update progress")
    services.start_amendment(team=team, actor=leader)
    draft_page = login(leader).get(charter_url("detail"))
    assert draft_page.context["charter"].is_draft
    assertNotContains(draft_page, "Update progress")
    assertContains(login(leader).get(charter_url("version", 1)), action)  # still on the version in force


@pytest.mark.parametrize("rows", SIZES)
def test_the_active_charter_page_with_progress_is_flat(login, leader, team, write_charter, discuss,
                                                       django_assert_num_queries, rows):
    active = write_charter(team, state=Charter.State.RATIFIED, rows=rows)
    discuss(active, rows=rows)
    now = timezone.now()
    KeyResultProgress.objects.bulk_create(
        KeyResultProgress(key_result=kr, lineage=kr, value=Decimal(40 + days), confidence=ON_TRACK, recorded_by=leader,
                          recorded_at=now - timedelta(days=days))
        for kr in KeyResult.objects.filter(goal__charter=active) for days in (0, 7, 14)
    )
    client = login(leader)

    # 1 user, 2 the person's memberships (the header's team switcher and the header's bell's unread count too),
    # 3 the versions in force (with who ratified it), 4 goals with owners, 5 key results, 6 non-negotiables,
    # 7 boundaries, 8 each key result's latest progress with who recorded it (whether an amendment is in
    # progress came with the versions in force), 9 responses with members and answerers, 10 the consent record
    # kept at ratification, 11 comments with authors and resolvers.
    with django_assert_num_queries(11):
        response = client.get(charter_url("detail"))

    assertContains(response, '<td class="latest-value">40%', count=2 * rows)
    assertContains(response, "Update progress", count=2 * rows)


# The form ---------------------------------------------------------------------------------------

def test_a_plain_post_records_and_returns_to_the_key_result(active, leader, login):
    kr = key_result_of(active)

    response = login(leader).post(charter_url("progress", 1, kr.pk),
                                  {"value": "17", "confidence": ON_TRACK, "note": "Two clinics live"}, follow=True)

    assertRedirects(response, charter_url("version", 1) + f"#key_result-{kr.pk}")
    assertContains(response, "Progress recorded for “Metric 1”.")
    assertContains(response, '<td class="latest-value">17%')
    progress = KeyResultProgress.objects.get()
    assert (progress.value, progress.confidence, progress.note, progress.recorded_by, progress.source) == (
        Decimal("17.00"), ON_TRACK, "Two clinics live", leader, "direct")


@pytest.mark.parametrize("rows", SIZES)
def test_an_htmx_post_swaps_the_goals_section_and_is_flat(login, leader, team, write_charter, discuss,
                                                          django_assert_num_queries, rows):
    active = write_charter(team, state=Charter.State.RATIFIED, rows=rows)
    discuss(active, rows=rows)
    kr = key_result_of(active)
    client = login(leader)

    # 1 user, 2 the person's memberships (the header's team switcher too), 3 the version, 4 the key result; the
    # service: 5 savepoint, 6 the key result's version and lineage, 7 the version (with team and organisation)
    # under a row lock, 8 the lineage's reading before this one, 9 any reading after it (there is none before it
    # either: the first reading), 10 insert the progress, 11 release; the fragment: 12 goals with owners, 13 key
    # results, 14 non-negotiables, 15 boundaries, 16 each key result's latest progress, 17 any amendment in
    # progress, 18 responses, 19 the consent record, 20 comments.
    with django_assert_num_queries(20):
        response = client.post(charter_url("progress", 1, kr.pk), {"value": "55", "confidence": AT_RISK, "note": ""},
                               HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assertContains(response, '<section id="goals"')
    assertContains(response, 'id="completeness"')  # the panels that follow every change, out of band
    assertNotContains(response, "<html")
    assertContains(response, '<td class="latest-value">55%', count=1)
    assertContains(response, '<span class="badge confidence-at_risk">at risk</span>', count=1, html=True)
    assert KeyResultProgress.objects.get().key_result == kr


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize(("data", "error"), [
    ({"value": "lots", "confidence": AT_RISK, "note": "Typed note"}, "Enter a number."),
    ({"value": "15.125", "confidence": AT_RISK, "note": "Typed note"}, "no more than 2 decimal places"),
    ({"value": "15", "confidence": "", "note": "Typed note"}, "This field is required."),
])
def test_errors_keep_what_was_typed_inside_the_form(active, leader, login, htmx, data, error):
    kr = key_result_of(active)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    response = login(leader).post(charter_url("progress", 1, kr.pk), data, **headers)

    assert response.status_code == 400
    content = response.content.decode()
    form = content[content.index(f'action="{charter_url("progress", 1, kr.pk)}"'):]
    form = form[:form.index("</form>")]
    assert error in form
    assert 'value="Typed note"' in form
    assert f'value="{data["value"]}"' in form
    assert '<details class="progress-toggle" open>' in content
    assert ("<html" in content) is not htmx
    assert not KeyResultProgress.objects.exists()


def test_a_version_superseded_meanwhile_is_refused_with_the_typed_values(active, team, leader, login):
    kr = key_result_of(active)
    amend_and_ratify(team, leader)  # another leader ratified an amendment while this form was open

    response = login(leader).post(charter_url("progress", 1, kr.pk),
                                  {"value": "18.25", "confidence": OFF_TRACK, "note": "Still typed"},
                                  HTTP_HX_REQUEST="true")

    assert response.status_code == 400
    assertContains(response, "Version 1 was superseded by a later version", status_code=400)
    assertContains(response, 'value="18.25"', status_code=400)
    assertContains(response, 'value="Still typed"', status_code=400)
    assertNotContains(response, "Record progress</button>", status_code=400)
    assert not KeyResultProgress.objects.exists()


def test_a_key_result_of_another_version_is_404(active, team, leader, login):
    other = key_result_of(complete_charter(team.organisation.teams.create(name="Growth", slug="growth"), leader))

    response = login(leader).post(charter_url("progress", 1, other.pk), {"value": "1", "confidence": ON_TRACK})

    assert response.status_code == 404


# Admin ------------------------------------------------------------------------------------------

def test_admin_lists_and_opens_progress(active, leader, client, django_user_model):
    progress = services.record_progress(key_result=key_result_of(active), actor=leader, value=15,
                                        confidence=ON_TRACK)
    client.force_login(django_user_model.objects.create_superuser("admin@example.com", "pw"))

    assert client.get(reverse("admin:charters_keyresultprogress_changelist")).status_code == 200
    assert client.get(reverse("admin:charters_keyresultprogress_change", args=[progress.pk])).status_code == 200
    assert str(progress) == f"Metric 1: 15.00 (on track) on {progress.recorded_at:%Y-%m-%d}"
    assert progress.get_absolute_url() == charter_url("version", 1) + f"#key_result-{progress.key_result_id}"
