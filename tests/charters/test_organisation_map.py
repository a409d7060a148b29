"""What charters adds to the organisation's alignment map: each team's card, the filters, the admins'
summary, and the marks on each reading (`is_latest`, `previous_confidence`) that the cards and the
team's `confidence_falling` (tests/charters/test_team_confidence_falling.py) read.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from alignment import services as alignment_services
from alignment.models import Team
from charters import organisation_map, services
from charters.models import Charter, Goal, KeyResult, KeyResultProgress, PurposePart
from tests.charters.factories import ratified_charter

ON_TRACK, AT_RISK, OFF_TRACK = (c.value for c in KeyResultProgress.Confidence)


def in_force(team, *, purpose: str = "We exist for a reason.", parts=(PurposePart.OUTCOME,), key_results: int = 1,
             ratified_ago: timedelta = timedelta(weeks=1), number: int = 1) -> Charter:
    """A ratified charter written straight into the database: one goal per purpose part, each with key results."""
    charter = Charter.objects.create(team=team, number=number, state=Charter.State.RATIFIED, purpose_statement=purpose,
                                     ratified_at=timezone.now() - ratified_ago)
    for n, part in enumerate(parts):
        goal = Goal.objects.create(charter=charter, position=n, objective=f"Goal {n}", purpose_part=part)
        for k in range(key_results):
            KeyResult.objects.create(goal=goal, position=k, metric=f"{team.name} metric {n}.{k}")
    return charter


def key_results_of(charter: Charter) -> list[KeyResult]:
    return list(KeyResult.objects.filter(goal__charter=charter).order_by("goal__position", "position"))


def readings(kr: KeyResult, actor, *confidences: str, start: timedelta = timedelta(days=30)) -> None:
    """Record one reading a day apart for each confidence, oldest first, ending `start` minus days ago."""
    now = timezone.now()
    for n, confidence in enumerate(confidences):
        services.record_progress(key_result=kr, actor=actor, value=n, confidence=confidence,
                                 recorded_at=now - start + timedelta(days=n))


def marks(kr: KeyResult) -> list[tuple[str, str, bool]]:
    """The lineage's readings oldest first: (confidence, previous confidence, latest?)."""
    return list(KeyResultProgress.objects.filter(lineage_id=kr.lineage_key).order_by("recorded_at", "pk")
                .values_list("confidence", "previous_confidence", "is_latest"))


def make_team(organisation, name: str, **fields) -> Team:
    return Team.objects.create(organisation=organisation, name=name, slug=name.lower().replace(" ", "-"), **fields)


# The marks kept by record_progress ---------------------------------------------------------------

def test_each_reading_remembers_the_one_before_and_only_the_newest_is_latest(team, leader):
    kr = key_results_of(in_force(team))[0]

    readings(kr, leader, ON_TRACK, AT_RISK, OFF_TRACK)

    assert marks(kr) == [(ON_TRACK, "", False), (AT_RISK, ON_TRACK, False), (OFF_TRACK, AT_RISK, True)]


def test_readings_corrected_or_removed_in_the_admin_keep_the_marks_true(team, leader, organisation, client,
                                                                         django_user_model):
    """Staff may correct a reading's confidence or moment, or remove one, in the admin: the marks the map reads are
    worked out again, as recording one in the app keeps them."""
    from django.urls import reverse

    from tests.alignment.reading import form_values
    from tests.charters.factories import corrected_in_the_admin

    kr = key_results_of(in_force(team))[0]
    readings(kr, leader, ON_TRACK, ON_TRACK, AT_RISK)
    first, second, third = KeyResultProgress.objects.filter(lineage_id=kr.lineage_key).order_by("recorded_at")

    corrected_in_the_admin(first, confidence=OFF_TRACK)
    assert marks(kr) == [(OFF_TRACK, "", False), (ON_TRACK, OFF_TRACK, False), (AT_RISK, ON_TRACK, True)]

    corrected_in_the_admin(third, recorded_at_0=f"{first.recorded_at - timedelta(days=1):%Y-%m-%d}",
                           recorded_at_1=f"{first.recorded_at:%H:%M:%S}")  # now the oldest
    assert marks(kr) == [(AT_RISK, "", False), (OFF_TRACK, AT_RISK, False), (ON_TRACK, OFF_TRACK, True)]

    client.force_login(django_user_model.objects.get(is_superuser=True))
    delete = reverse("admin:charters_keyresultprogress_delete", args=[second.pk])  # the newest
    assert client.post(delete, form_values(client.get(delete).content.decode())).status_code == 302
    assert marks(kr) == [(AT_RISK, "", False), (OFF_TRACK, AT_RISK, True)]


def test_a_reading_dated_between_two_others_takes_its_place(team, leader):
    kr = key_results_of(in_force(team))[0]
    now = timezone.now()
    services.record_progress(key_result=kr, actor=leader, value=1, confidence=ON_TRACK, recorded_at=now - timedelta(days=3))
    services.record_progress(key_result=kr, actor=leader, value=2, confidence=ON_TRACK, recorded_at=now)

    # A check-in's moment, recorded after a later reading.
    services.record_progress(key_result=kr, actor=leader, value=3, confidence=OFF_TRACK,
                             recorded_at=now - timedelta(days=1))

    assert marks(kr) == [(ON_TRACK, "", False), (OFF_TRACK, ON_TRACK, False), (ON_TRACK, OFF_TRACK, True)]


def test_a_reading_dated_before_every_other_becomes_the_first(team, leader):
    kr = key_results_of(in_force(team))[0]
    now = timezone.now()
    services.record_progress(key_result=kr, actor=leader, value=1, confidence=AT_RISK, recorded_at=now)

    services.record_progress(key_result=kr, actor=leader, value=0, confidence=ON_TRACK,
                             recorded_at=now - timedelta(days=7))

    assert marks(kr) == [(ON_TRACK, "", False), (AT_RISK, ON_TRACK, True)]


def test_readings_at_the_same_moment_follow_the_order_they_were_recorded_in(team, leader):
    kr = key_results_of(in_force(team))[0]
    moment = timezone.now()

    for value, confidence in enumerate([ON_TRACK, AT_RISK]):
        services.record_progress(key_result=kr, actor=leader, value=value, confidence=confidence, recorded_at=moment)

    assert marks(kr) == [(ON_TRACK, "", False), (AT_RISK, ON_TRACK, True)]


def test_the_history_runs_on_across_an_amendment(team, leader):
    first = ratified_charter(team, leader)
    readings(key_results_of(first)[0], leader, ON_TRACK)
    draft = services.start_amendment(team=team, actor=leader, note="Sharper goals")
    services.propose(charter=draft, actor=leader)
    amended = key_results_of(services.ratify(charter=draft, actor=leader, despite_gaps=True))[0]

    services.record_progress(key_result=amended, actor=leader, value=5, confidence=AT_RISK)

    assert amended.lineage_key == key_results_of(first)[0].pk
    assert marks(amended) == [(ON_TRACK, "", False), (AT_RISK, ON_TRACK, True)]


def test_a_cards_confidence_counts_each_key_result_once_by_its_latest_reading():
    summary = organisation_map.ConfidenceSummary()
    for confidence, fell in [(ON_TRACK, False), (AT_RISK, True), (AT_RISK, False), (OFF_TRACK, True), (None, False),
                             ("", False)]:
        summary.add(confidence, fell)

    assert (summary.on_track, summary.at_risk, summary.off_track, summary.no_reading, summary.falling) == (1, 2, 1, 2, 2)
    assert summary.total == 6
    assert summary.counts == [(ON_TRACK, 1, "on track"), (AT_RISK, 2, "at risk"), (OFF_TRACK, 1, "off track"),
                              ("no_reading", 2, "no reading yet")]
    with pytest.raises(ValueError, match="not a confidence"):
        summary.add("sideways", False)


# Confidence falling ------------------------------------------------------------------------------

@pytest.fixture
def falling_world(organisation, team, leader):
    """Teams whose key results' histories do and do not fall; returns the names that fall."""
    def fresh(name, **kwargs):
        return key_results_of(in_force(make_team(organisation, name), **kwargs))

    readings(fresh("Fell")[0], leader, ON_TRACK, AT_RISK)
    readings(fresh("Fell twice")[0], leader, ON_TRACK, OFF_TRACK)
    readings(fresh("Rose")[0], leader, AT_RISK, ON_TRACK)
    readings(fresh("Steady")[0], leader, AT_RISK, AT_RISK)
    fresh("No readings")
    readings(fresh("One reading")[0], leader, OFF_TRACK)
    readings(fresh("Recovered")[0], leader, ON_TRACK, OFF_TRACK, AT_RISK)  # it fell, but not at the latest reading
    steady, falling = fresh("One of two", key_results=2)
    readings(steady, leader, ON_TRACK, ON_TRACK)
    readings(falling, leader, AT_RISK, OFF_TRACK)
    # Recorded last but dated earlier: by time it went off track, then back on.
    late = fresh("Late check-in")[0]
    now = timezone.now()
    services.record_progress(key_result=late, actor=leader, value=2, confidence=ON_TRACK, recorded_at=now)
    services.record_progress(key_result=late, actor=leader, value=1, confidence=OFF_TRACK,
                             recorded_at=now - timedelta(days=2))
    # Fell, but on a charter since superseded by one with another key result: not in force.
    dropped = make_team(organisation, "Dropped")
    old = in_force(dropped)
    readings(key_results_of(old)[0], leader, ON_TRACK, OFF_TRACK)
    Charter.objects.filter(pk=old.pk).update(state=Charter.State.SUPERSEDED)
    in_force(dropped, number=2)
    # Fell across an amendment: on track on version 1, at risk on version 2 (the same lineage).
    first = ratified_charter(team, leader)
    readings(key_results_of(first)[0], leader, ON_TRACK)
    draft = services.start_amendment(team=team, actor=leader, note="Sharper goals")
    services.propose(charter=draft, actor=leader)
    amended = services.ratify(charter=draft, actor=leader, despite_gaps=True)
    services.record_progress(key_result=key_results_of(amended)[0], actor=leader, value=9, confidence=AT_RISK)
    return {"Fell", "Fell twice", "One of two", "Platform"}


def test_falling_selects_the_teams_whose_latest_reading_is_worse_than_the_one_before(
    organisation, falling_world, django_assert_num_queries,
):
    teams = organisation_map.confidence_falling(organisation.teams.all(), organisation, timezone.now(), None)

    with django_assert_num_queries(1):
        assert set(teams.values_list("name", flat=True)) == falling_world


def test_falling_stays_inside_the_organisation(organisation, falling_world, stranger):
    elsewhere = Team.objects.get(slug="elsewhere-team")
    readings(key_results_of(in_force(elsewhere))[0], stranger, ON_TRACK, OFF_TRACK)

    teams = organisation_map.confidence_falling(elsewhere.organisation.teams.all(), elsewhere.organisation,
                                                timezone.now(), None)

    assert list(teams.values_list("name", flat=True)) == ["Elsewhere team"]


def test_a_reading_corrected_in_the_admin_is_falling_or_not_as_it_now_reads(organisation, team, leader):
    kr = key_results_of(in_force(team))[0]
    readings(kr, leader, ON_TRACK, AT_RISK)

    def falling() -> list[Team]:
        return list(organisation_map.confidence_falling(organisation.teams.all(), organisation.pk, timezone.now(),
                                                        None))

    assert falling() == [team]
    # As staff would correct it: nothing else is written, and the filter reads the reading as it now is.
    KeyResultProgress.objects.filter(lineage_id=kr.lineage_key, is_latest=True).update(confidence=ON_TRACK)
    assert falling() == []


def test_the_falling_key_results_are_those_of_the_cards(organisation, falling_world):
    teams = list(organisation.teams.order_by("name"))

    cards = organisation_map.load_cards(teams)

    assert {t.name for t in teams if cards[t.pk] and cards[t.pk].confidence.falling} == falling_world


# The other filters ------------------------------------------------------------------------------

def test_no_ratified_charter_lists_teams_with_only_a_draft_or_nothing(organisation, team, other_team, leader):
    in_force(team)
    drafting = make_team(organisation, "Drafting")
    Charter.objects.create(team=drafting, number=1)
    superseded_only = make_team(organisation, "Amending")
    in_force(superseded_only)
    Charter.objects.create(team=superseded_only, number=2)

    teams = organisation_map.without_ratified_charter(organisation.teams.all(), organisation, timezone.now(), None)

    assert set(teams.values_list("name", flat=True)) == {"Growth", "Drafting"}


@pytest.mark.parametrize(("cycles", "expected"), [
    ("1", {"Fortnightly, 5 weeks", "Six-weekly, 13 weeks"}),
    ("2", {"Fortnightly, 5 weeks", "Six-weekly, 13 weeks"}),
    ("3", set()),
])
def test_older_than_counts_in_each_teams_own_cycles(organisation, cycles, expected):
    now = timezone.now()
    for name, cadence, weeks in [("Fortnightly, 5 weeks", 2, 5), ("Six-weekly, 5 weeks", 6, 5),
                                 ("Six-weekly, 13 weeks", 6, 13), ("Fortnightly, 3 days", 2, 3 / 7)]:
        in_force(make_team(organisation, name, review_cadence_weeks=cadence), ratified_ago=timedelta(weeks=weeks))
    make_team(organisation, "No charter", review_cadence_weeks=1)

    teams = organisation_map.charter_older_than(organisation.teams.all(), organisation, now, cycles)

    assert set(teams.values_list("name", flat=True)) == expected


def test_the_filters_are_offered_on_the_page(login, member, team):
    response = login(member).get(reverse("organisation", args=["harbour"]))

    for option, label in [("no-charter", "No ratified charter yet"), ("falling", "Confidence falling"),
                          ("older-1", "Charter older than 1 cycle"), ("older-3", "Charter older than 3 cycles")]:
        assertContains(response, f'<option value="{option}">{label}</option>', html=True)


def test_the_page_applies_a_filter(login, member, organisation, team, other_team):
    in_force(other_team)

    response = login(member).get(reverse("organisation", args=["harbour"]), {"filter": "no-charter"})

    assert [t.name for t in response.context["teams"]] == ["Platform"]


# The admins' summary -----------------------------------------------------------------------------

def test_the_summary_counts_teams_without_a_ratified_charter_in_one_query(
    organisation, team, other_team, django_assert_num_queries,
):
    in_force(team)
    make_team(organisation, "Third")

    with django_assert_num_queries(1):
        summary = organisation_map.organisation_summary(organisation, timezone.now())

    assert (summary.teams, summary.without_charter) == (3, 2)


def test_the_summary_is_kept_for_every_admin_until_a_team_is_created_or_a_charter_ratified(
    organisation, team, other_team, leader, django_assert_num_queries, django_capture_on_commit_callbacks,
):
    assert organisation_map.organisation_summary(organisation, timezone.now()).teams == 2
    with django_assert_num_queries(0):
        organisation_map.organisation_summary(organisation, timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        alignment_services.create_team(organisation=organisation, name="Third", actor=leader)
    summary = organisation_map.organisation_summary(organisation, timezone.now())
    assert (summary.teams, summary.without_charter) == (3, 3)

    in_force(team)  # as `services.ratify` does once its transaction commits:
    with django_capture_on_commit_callbacks(execute=True):
        organisation_map.forget_signals(organisation.pk)
    summary = organisation_map.organisation_summary(organisation, timezone.now())
    assert (summary.teams, summary.without_charter) == (3, 2)


def test_admins_see_the_summary_with_a_link_to_the_filter(login, leader, member, team, other_team):
    in_force(team)

    response = login(leader).get(reverse("organisation", args=["harbour"]))

    assertContains(response, "<strong>1 of 2 teams</strong> has no ratified charter yet.")
    assertContains(response, '<a href="?filter=no-charter">Show it</a>', html=True)
    assertNotContains(login(member).get(reverse("organisation", args=["harbour"])), "map-summary")


# Each team's card --------------------------------------------------------------------------------

def test_a_card_shows_the_charter_in_force_at_a_glance(organisation, team, leader, django_assert_num_queries):
    Team.objects.filter(pk=team.pk).update(review_cadence_weeks=2)
    team.refresh_from_db()
    charter = in_force(team, purpose="Records clinicians trust at 3 a.m. Everything else follows.",
                       parts=(PurposePart.REFUSES, PurposePart.SERVES, PurposePart.SERVES), key_results=2,
                       ratified_ago=timedelta(weeks=5, days=1))
    krs = key_results_of(charter)
    readings(krs[0], leader, ON_TRACK, ON_TRACK)
    readings(krs[1], leader, ON_TRACK, AT_RISK)
    readings(krs[2], leader, OFF_TRACK)
    readings(krs[3], leader, AT_RISK, OFF_TRACK)
    # krs[4] and krs[5]: no reading yet.
    teams = list(Team.objects.filter(organisation=organisation).select_related("organisation"))

    # 1. the charters in force with their goals counted by purpose part  2. their key results' latest readings
    with django_assert_num_queries(2):
        cards = organisation_map.load_cards(teams)

    card = cards[team.pk]
    assert card.url == reverse("charters:detail", args=["harbour", "platform"])
    assert card.purpose_line == "Records clinicians trust at 3 a.m."
    assert card.goal_count == 3
    assert card.advances == ["who it serves", "what it refuses to trade away"]
    assert card.confidence.counts == [("on_track", 1, "on track"), ("at_risk", 1, "at risk"),
                                      ("off_track", 2, "off track"), ("no_reading", 2, "no reading yet")]
    assert card.confidence.falling == 2
    assert (card.age_label, card.cycles_label) == ("ratified 5 weeks ago", "2 full cycles of 2 weeks")


def test_a_new_charter_is_in_its_first_cycle(team):
    in_force(team, ratified_ago=timedelta(days=2))

    card = organisation_map.load_cards([team])[team.pk]

    assert (card.age_label, card.cycles_label) == ("ratified 2 days ago", "within its first cycle of 6 weeks")


def test_a_team_without_a_ratified_charter_has_no_card_data(team, other_team):
    Charter.objects.create(team=team, number=1, purpose_statement="Draft purpose")

    assert organisation_map.load_cards([team, other_team]) == {team.pk: None, other_team.pk: None}


@pytest.mark.parametrize(("statement", "line"), [
    ("Give every clinician a system they can trust at 3 a.m.", "Give every clinician a system they can trust at 3 a.m."),
    ("Fast records. Then everything else.", "Fast records."),
    ("First line\nSecond line", "First line"),
    ("  ", ""),
    ("word " * 40, ("word " * 27).strip() + "…"),
    ("x" * 200, "x" * 139 + "…"),
])
def test_the_purpose_line_is_the_first_sentence_cut_at_a_word(statement, line):
    assert organisation_map.purpose_line(statement) == line


def test_others_see_a_teams_ratified_purpose_but_nothing_of_its_drafts(login, outsider, team, leader, organisation):
    ratified_charter(team, leader)
    draft = services.start_amendment(team=team, actor=leader, note="Sharper")
    Charter.objects.filter(pk=draft.pk).update(purpose_statement="A secret new purpose in the works.")
    drafting = make_team(organisation, "Drafting")
    Charter.objects.create(team=drafting, number=1, purpose_statement="Another team's unratified purpose.")

    response = login(outsider).get(reverse("organisation", args=["harbour"]))

    assertContains(response, "Give every clinician a system they can trust at 3 a.m.")
    assertContains(response, f'<a href="{reverse("charters:detail", args=["harbour", "platform"])}">', count=1)
    assertNotContains(response, "secret new purpose")
    assertNotContains(response, "unratified purpose")
    assertContains(response, "No ratified charter yet.", count=2)  # Drafting, and Growth
