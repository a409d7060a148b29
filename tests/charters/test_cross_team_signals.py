"""Cross-team signals on the alignment map: overlapping claims over a shared tag, tradeoffs naming another
team's area, and (from asks, in tests/asks/test_signals.py) consultations past their date."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from alignment import fragments, task_queue
from charters import organisation_map
from charters.cross_team import overlaps, tradeoffs
from charters.models import Boundary, BoundaryLabel, Charter, Goal, OrganisationTag
from tests.charters.test_organisation_map import make_team

DECIDES, FIXED, CONSULT = BoundaryLabel.TEAM_DECIDES, BoundaryLabel.FIXED, BoundaryLabel.CONSULT
MAP = reverse("organisation", args=["harbour"])


def charter_of(team, *boundaries, tradeoff: str = "", state: str = Charter.State.RATIFIED, number: int = 1) -> Charter:
    """A version written straight in: `boundaries` are (area, label, tags); one goal accepting `tradeoff`."""
    charter = Charter.objects.create(team=team, number=number, state=state, ratified_at=timezone.now())
    for position, (area, label, tags) in enumerate(boundaries, start=1):
        boundary = Boundary.objects.create(charter=charter, position=position, area=area, label=label)
        boundary.tags.set(tags)
    if tradeoff:
        Goal.objects.create(charter=charter, position=1, objective=f"{team.name}'s goal", tradeoff=tradeoff)
    return charter


@pytest.fixture
def booking(organisation) -> OrganisationTag:
    return OrganisationTag.objects.create(organisation=organisation, name="Booking flow")


def signals(organisation, source=overlaps, shown: int = 10):
    return source(organisation, now=timezone.now(), shown=shown)


# Overlaps -----------------------------------------------------------------------------------------

def test_two_teams_both_deciding_over_a_shared_tag_is_one_signal_linking_both_charters(
        organisation, team, other_team, booking):
    charter_of(team, ("Booking API", DECIDES, [booking]))
    charter_of(other_team, ("Booking experiments", DECIDES, [booking]))

    group = signals(organisation)

    assert group.total == 1
    (signal,) = group.signals
    assert signal.summary == "Growth and Platform both say they decide: Booking flow"
    ours, theirs = Boundary.objects.get(area="Booking API"), Boundary.objects.get(area="Booking experiments")
    assert [link.url for link in signal.teams] == [
        reverse("charters:version", args=["harbour", "growth", 1]) + f"#boundary-{theirs.pk}",
        reverse("charters:version", args=["harbour", "platform", 1]) + f"#boundary-{ours.pk}"]


def test_both_fixed_is_a_signal_too_but_decides_against_fixed_or_consult_is_not(
        organisation, team, other_team, booking):
    payments = OrganisationTag.objects.create(organisation=organisation, name="Payments")
    charter_of(team, ("Booking API", DECIDES, [booking]), ("Card fees", FIXED, [payments]))
    charter_of(other_team, ("Booking copy", CONSULT, [booking]), ("Refund rules", FIXED, [payments]))

    assert [s.summary for s in signals(organisation).signals] == [
        "Growth and Platform both hold it as fixed, each set by its own owner: Payments"]


def test_only_charters_in_force_of_teams_at_work_count(organisation, team, other_team, booking):
    third = make_team(organisation, "Clinical Support")
    charter_of(team, ("Booking API", DECIDES, [booking]))
    charter_of(other_team, ("Booking experiments", DECIDES, [booking]), state=Charter.State.DRAFT)
    charter_of(third, ("Booking scripts", DECIDES, [booking]))
    third.archived_at = timezone.now()
    third.save(update_fields=["archived_at"])

    assert signals(organisation).total == 0


def test_many_teams_on_one_tag_are_one_signal_naming_the_first_few(organisation, booking):
    for n in range(7):
        charter_of(make_team(organisation, f"Team {n}"), ("Booking", DECIDES, [booking]))

    (signal,) = signals(organisation).signals

    assert signal.summary == "Team 0, Team 1, Team 2, Team 3, Team 4 and 2 more teams all say they decide: Booking flow"
    assert len(signal.teams) == organisation_map.TEAMS_SHOWN


def test_more_overlaps_than_shown_are_counted(organisation, team, other_team):
    for n in range(3):
        tag = OrganisationTag.objects.create(organisation=organisation, name=f"Area {n}")
        charter_of(team, ("Ours", DECIDES, [tag]), number=1) if n == 0 else \
            Boundary.objects.get(charter__team=team).tags.add(tag)
    charter_of(other_team, ("Theirs", DECIDES, list(OrganisationTag.objects.all())))

    group = signals(organisation, shown=2)

    assert (len(group.signals), group.total, group.more) == (2, 3, 1)


# Tradeoffs ----------------------------------------------------------------------------------------

def test_a_tradeoff_naming_another_teams_tag_as_words_is_a_signal(organisation, team, other_team, booking):
    charter_of(team, ("Booking API", DECIDES, [booking]))
    charter_of(other_team, tradeoff="Fewer experiments on the marketing site while we focus on the Booking Flow.")

    (signal,) = signals(organisation, tradeoffs).signals

    assert signal.summary == "Growth's tradeoff names an area of Platform: “Booking flow”"
    assert [link.team_name for link in signal.teams] == ["Growth", "Platform"]
    assert "#goal-" in signal.teams[0].url and "#boundary-" in signal.teams[1].url


def test_a_tradeoff_naming_another_teams_area_counts_and_part_of_a_word_does_not(organisation, team, other_team):
    charter_of(team, ("Release schedule", DECIDES, []), ("Rota", FIXED, []))
    charter_of(other_team, tradeoff="We ask for a change to the release schedule; rotation stays as is.")

    (signal,) = signals(organisation, tradeoffs).signals

    assert signal.summary == "Growth's tradeoff names an area of Platform: “Release schedule”"


def test_a_tradeoff_naming_the_teams_own_area_is_no_signal(organisation, team, booking):
    charter_of(team, ("Booking flow", DECIDES, [booking]), tradeoff="Slower booking flow work.")

    assert signals(organisation, tradeoffs).total == 0


# On the map ---------------------------------------------------------------------------------------

def test_the_map_shows_the_signals_to_everyone_in_the_organisation(login, member, outsider, admin, organisation, team,
                                                                   other_team, booking):
    charter_of(team, ("Booking API", DECIDES, [booking]))
    charter_of(other_team, ("Booking experiments", DECIDES, [booking]))

    for person in (member, outsider, admin):
        response = login(person).get(MAP)
        assertContains(response, "Growth and Platform both say they decide: Booking flow")
        assertContains(response, reverse("charters:tags", args=["harbour"]))


def test_without_signals_the_map_says_so(login, member, team):
    response = login(member).get(MAP)

    assertContains(response, "No signals")
    assertNotContains(response, "both say they decide")


@pytest.mark.parametrize("teams", [4, 40])
def test_the_signals_cost_the_same_queries_however_many_teams(organisation, booking, teams, django_assert_num_queries,
                                                              monkeypatch):
    monkeypatch.setattr(organisation_map, "SIGNALS_SHOWN", 1)
    payments = OrganisationTag.objects.create(organisation=organisation, name="Payments")
    for n in range(teams):
        charter_of(make_team(organisation, f"Team {n}"), ("Booking", DECIDES, [booking]),
                   ("Fees", FIXED, [payments]), tradeoff="Less work on payments and the booking flow.")

    # Overlaps: 1. the first contested tag-and-claim pairs  2. how many in all (more than shown)  3. the first
    # teams of each.  Tradeoffs: 4. the goals with a tradeoff  5. the boundaries with their tags.
    # Asks: 6. the first consultations past their date (none).
    with django_assert_num_queries(6):
        section = organisation_map.map_signals(organisation, None)

    # Each goal names the tags "Payments" and "Booking flow" (not also the area "Booking" within it): one signal
    # each, whichever teams' boundaries they are.
    assert [group.total for group in section.groups] == [2, teams * 2]
    # The goal's own team, then the first of the others.
    assert len(section.groups[1].signals[0].teams) == 1 + min(teams - 1, organisation_map.TEAMS_SHOWN)


def _overlap_total(organisation) -> int:
    section = organisation_map.map_signals(organisation, None)
    return next((group.total for group in section.groups if group.kind == "overlap"), 0)


@pytest.mark.django_db(transaction=True)  # the signals are forgotten once the writing transaction commits
def test_the_signals_are_shared_by_every_reader_until_a_write_changes_what_they_are_made_of(
        organisation, team, other_team, booking, leader, make_user, add_member, django_assert_num_queries):
    from charters import services, tags
    from tests.charters.factories import complete_charter

    charter_of(team, ("Booking API", DECIDES, [booking]))
    assert _overlap_total(organisation) == 0
    with django_assert_num_queries(0):  # kept: the next reader asks the database nothing
        assert _overlap_total(organisation) == 0

    # Growth ratifies a version deciding over the booking flow too: the next reader sees the overlap.
    growth_lead = make_user("gil@example.com", "Gil Growth")
    add_member(other_team, growth_lead, "leader")
    draft = complete_charter(other_team, growth_lead)
    boundary = draft.boundaries.first()
    boundary.label = DECIDES
    boundary.save(update_fields=["label"])
    boundary.tags.set([booking])
    services.ratify(charter=services.propose(charter=draft, actor=growth_lead), actor=growth_lead,
                    despite_gaps=True)
    assert _overlap_total(organisation) == 1

    # The tag removed from the list: no overlap any more.
    tags.remove_tag(tag=booking)
    assert _overlap_total(organisation) == 0


@pytest.mark.django_db(transaction=True)
def test_a_team_archived_or_renamed_is_seen_by_the_next_reader(organisation, team, other_team, booking, leader):
    from alignment import services as core

    charter_of(team, ("Booking API", DECIDES, [booking]))
    charter_of(other_team, ("Booking experiments", DECIDES, [booking]))
    assert _overlap_total(organisation) == 1

    renamed = core.update_team_settings(team=other_team, expected_version=other_team.version, name="Growth Lab")
    section = organisation_map.map_signals(organisation, None)
    assert "Growth Lab" in section.groups[0].signals[0].summary

    core.archive_team(team=renamed, actor=leader)
    assert _overlap_total(organisation) == 0


# Worked out off the reader's request ---------------------------------------------------------------

@pytest.fixture
def refresh_asked(monkeypatch) -> list[int]:
    """The refreshes asked for, not run: a worker that has not got to them yet."""
    asked: list[int] = []

    def queued(task_name: str, ids) -> None:
        assert task_name == organisation_map.REFRESH_TASK
        asked.extend(ids)

    monkeypatch.setattr(task_queue, "now", queued)
    return asked


def test_after_a_change_readers_see_the_latest_signals_at_once_while_a_worker_works_them_out(
        organisation, team, other_team, booking, refresh_asked, django_assert_num_queries,
        django_capture_on_commit_callbacks):
    charter_of(team, ("Booking API", DECIDES, [booking]))
    assert _overlap_total(organisation) == 0  # never worked out: the first reader works them out
    assert refresh_asked == []

    charter_of(other_team, ("Booking experiments", DECIDES, [booking]))  # as `services.ratify` writes, then:
    with django_capture_on_commit_callbacks(execute=True):
        organisation_map.forget_signals(organisation.pk)
    assert refresh_asked == [organisation.pk]  # the writer asks a worker once its transaction commits

    with django_assert_num_queries(0):  # every reader meanwhile: the latest, and no query
        assert _overlap_total(organisation) == 0
        assert _overlap_total(organisation) == 0
    assert refresh_asked == [organisation.pk]  # asked once, not by every reader

    organisation_map.refresh_signals(organisation.pk)  # the worker's task
    with django_assert_num_queries(0):
        assert _overlap_total(organisation) == 1


def test_a_reader_asks_for_the_refresh_a_writer_could_not(organisation, team, other_team, booking, refresh_asked,
                                                         django_assert_num_queries):
    """A new day, a deploy or a refresh lost with its worker: the first reader who finds no signals kept for now
    asks for them, and is shown the latest meanwhile."""
    charter_of(team, ("Booking API", DECIDES, [booking]))
    charter_of(other_team, ("Booking experiments", DECIDES, [booking]))
    assert _overlap_total(organisation) == 1

    with mock.patch.object(fragments, "release", lambda: "the-next-deploy"), django_assert_num_queries(0):
        fragments.near.clear()
        assert _overlap_total(organisation) == 1
        assert _overlap_total(organisation) == 1
    assert refresh_asked == [organisation.pk]


def test_latest_signals_a_deploy_cannot_read_are_worked_out_again(organisation, team, other_team, booking,
                                                                  refresh_asked):
    charter_of(team, ("Booking API", DECIDES, [booking]))
    charter_of(other_team, ("Booking experiments", DECIDES, [booking]))
    assert _overlap_total(organisation) == 1
    latest = organisation_map._latest_key(organisation.pk)
    cache.set(latest, [{**group, "shape": "of another release"} for group in cache.get(latest)])

    with mock.patch.object(fragments, "release", lambda: "the-next-deploy"):
        fragments.near.clear()
        assert _overlap_total(organisation) == 1  # worked out by the reader: nothing else to show
    assert refresh_asked == []


def test_the_refresh_task_keeps_the_signals_for_every_reader(organisation, team, other_team, booking,
                                                             django_assert_num_queries):
    from charters.tasks import refresh_map_signals

    charter_of(team, ("Booking API", DECIDES, [booking]))
    charter_of(other_team, ("Booking experiments", DECIDES, [booking]))
    refresh_map_signals.delay(organisation.pk)  # as a worker runs it (inline in the tests)
    refresh_map_signals.delay(organisation.pk + 1000)  # an organisation deleted meanwhile: nothing to do

    with django_assert_num_queries(0):
        assert _overlap_total(organisation) == 1


def test_a_broker_away_fails_no_page_and_the_next_reader_asks_again(organisation, team, other_team, booking,
                                                                   monkeypatch):
    charter_of(team, ("Booking API", DECIDES, [booking]))
    charter_of(other_team, ("Booking experiments", DECIDES, [booking]))
    assert _overlap_total(organisation) == 1
    tries: list[int] = []

    def away(task_name: str, ids) -> None:
        tries.extend(ids)
        raise ConnectionError("the broker is away")

    monkeypatch.setattr(task_queue, "now", away)
    with mock.patch.object(fragments, "release", lambda: "the-next-deploy"):
        fragments.near.clear()
        assert _overlap_total(organisation) == 1  # the latest, as if nothing went wrong
        assert _overlap_total(organisation) == 1
    assert tries == [organisation.pk, organisation.pk]
