"""What the charters' data migrations make of the rows a database already holds.

One walk through the migrations for the whole module (`history`): from an empty database to 0002 (charters and
what it depends on, nothing else), then on step by step. Each scenario writes its rows, on a team of its own,
at the migration before the one it is about, and reads them at the migration after it (and, for the migrations
that can be undone, again after going back). The walk is rolled back at the end (tests/migration_history.py);
the tests assert on what it read. The last test moves today's database back instead: its rows are written by
today's code, and read by today's pages once the migrations have run.

- 0003 gives every key result a lineage: the first of its `origin` chain.
- 0004/0005 mark each reading's `is_latest` and `previous_confidence` (and then one latest per lineage holds).
- 0007 maps the editor's 0–10 confidence to three words (0–3 off track, 4–6 at risk, 7–10 on track) and back
  (2, 5, 8).
- 0008 records the current values typed in the charter as readings: each lineage without a reading gets its
  typed values, version by version where they changed, dated when their version was ratified (a draft's: its
  last known change), filed as the editor files them; going back removes those readings and no other.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from charters import services
from tests.charters.factories import complete_charter
from tests.migration_history import rolled_back_migrations

ON_TRACK, AT_RISK, OFF_TRACK = "on_track", "at_risk", "off_track"
LONDON = ZoneInfo("Europe/London")
V1_RATIFIED = datetime(2026, 6, 1, 9, tzinfo=LONDON)
V2_RATIFIED = datetime(2026, 9, 7, 9, tzinfo=LONDON)
V3_STARTED = datetime(2026, 10, 12, 9, tzinfo=LONDON)
V3_EDITED = datetime(2026, 10, 14, 16, tzinfo=LONDON)
USED_SINCE = datetime(2026, 10, 30, tzinfo=LONDON)
CONFIDENCE_NUMBERS = [0, 3, 4, 6, 7, 10, None]

# The walk's tests read what `history` saw; the marker has the test database set up for it.
pytestmark = pytest.mark.django_db


def charters_at(name: str) -> list[tuple[str, str]]:
    return [("charters", name)]


def models(apps, *names: str) -> tuple:
    return tuple(apps.get_model("charters", name) for name in names)


# The scenarios: each writes its rows before its migration and reads them after it. -----------------------


def write_origin_chains(apps, team_id: int) -> dict[str, int]:
    """Before 0003: an amended key result points to the one it was copied from, over three versions."""
    Charter, Goal, KeyResult = models(apps, "Charter", "Goal", "KeyResult")
    versions = [Charter.objects.create(team_id=team_id, number=n, state=state)
                for n, state in [(1, "superseded"), (2, "superseded"), (3, "ratified")]]
    goals = [Goal.objects.create(charter=charter, objective="Reliable records") for charter in versions]
    first = KeyResult.objects.create(goal=goals[0], metric="Uptime")
    second = KeyResult.objects.create(goal=goals[1], metric="Uptime", origin=first)
    third = KeyResult.objects.create(goal=goals[2], metric="Uptime", origin=second)
    added_in_v2 = KeyResult.objects.create(goal=goals[1], metric="Bookings")
    copied_from_v2 = KeyResult.objects.create(goal=goals[2], metric="Bookings", origin=added_in_v2)
    return {"first": first.pk, "second": second.pk, "third": third.pk, "added_in_v2": added_in_v2.pk,
            "copied_from_v2": copied_from_v2.pk}


def lineages(apps, team_id: int) -> dict[int, int]:
    KeyResult, = models(apps, "KeyResult")
    return dict(KeyResult.objects.filter(goal__charter__team_id=team_id).values_list("pk", "lineage_id"))


def write_unmarked_readings(apps, team_id: int) -> dict[str, int]:
    """Before 0004: readings stored out of time order, two of them at the same moment (the later id after)."""
    Charter, Goal, KeyResult, Progress = models(apps, "Charter", "Goal", "KeyResult", "KeyResultProgress")
    goal = Goal.objects.create(charter=Charter.objects.create(team_id=team_id, number=1, state="ratified"),
                               objective="Reliable records")
    uptime, bookings, untouched = (KeyResult.objects.create(goal=goal, metric=m) for m in ("Uptime", "Bookings", "NPS"))
    for kr in (uptime, bookings, untouched):
        kr.lineage_id = kr.pk
        kr.save()
    now = timezone.now()
    for kr, days_ago, confidence in [(uptime, 1, OFF_TRACK), (uptime, 10, ON_TRACK), (uptime, 5, AT_RISK),
                                     (uptime, 5, ON_TRACK), (bookings, 3, AT_RISK)]:
        Progress.objects.create(lineage_id=kr.pk, key_result_id=kr.pk, value=1, confidence=confidence,
                                recorded_at=now - timedelta(days=days_ago))
    return {"uptime": uptime.pk, "bookings": bookings.pk}


def marks(apps, team_id: int) -> list[tuple]:
    Progress, = models(apps, "KeyResultProgress")
    return list(Progress.objects.filter(lineage__goal__charter__team_id=team_id)
                .order_by("lineage_id", "recorded_at", "pk")
                .values_list("lineage_id", "confidence", "previous_confidence", "is_latest"))


def write_confidence_numbers(apps, team_id: int) -> list[int]:
    """Before 0007: one key result for each kind of number the editor took, and one without."""
    Charter, Goal, KeyResult = models(apps, "Charter", "Goal", "KeyResult")
    goal = Goal.objects.create(charter=Charter.objects.create(team_id=team_id, number=1), objective="Reliable")
    return [KeyResult.objects.create(goal=goal, metric=f"Metric {n}", confidence=n).pk for n in CONFIDENCE_NUMBERS]


def confidences(apps, made: list[int]) -> list:
    KeyResult, = models(apps, "KeyResult")
    found = dict(KeyResult.objects.filter(pk__in=made).values_list("pk", "confidence"))
    return [found[pk] for pk in made]


def write_typed_values(apps, team_id: int) -> dict[str, int]:
    """Before 0008: values typed in three versions of a charter, one lineage with a check-in reading already."""
    Charter, Goal, KeyResult, Progress = models(apps, "Charter", "Goal", "KeyResult", "KeyResultProgress")
    v1 = Charter.objects.create(team_id=team_id, number=1, state="superseded", ratified_at=V1_RATIFIED,
                                created_at=datetime(2026, 5, 1, tzinfo=LONDON))
    v2 = Charter.objects.create(team_id=team_id, number=2, state="ratified", based_on=v1, ratified_at=V2_RATIFIED,
                                created_at=datetime(2026, 8, 1, tzinfo=LONDON))
    v3 = Charter.objects.create(team_id=team_id, number=3, state="proposed", based_on=v2, created_at=V3_STARTED,
                                proposed_at=V3_STARTED, edited_at=V3_EDITED)
    g1, g2, g3 = (Goal.objects.create(charter=version, objective="Reliable records") for version in (v1, v2, v3))

    def kr(goal, metric, value, confidence, **lineage):
        return KeyResult.objects.create(goal=goal, metric=metric, current_value=value, confidence=confidence,
                                        **lineage)

    uptime1 = kr(g1, "Uptime", 99, "on_track")
    KeyResult.objects.filter(pk=uptime1.pk).update(lineage=uptime1.pk)
    uptime2 = kr(g2, "Uptime", 99, "on_track", lineage=uptime1, origin=uptime1)  # the amendment's copy: no change
    kr(g3, "Uptime", Decimal("99.5"), "at_risk", lineage=uptime1, origin=uptime2)  # typed in the proposal
    bookings = kr(g3, "Bookings", 40, "on_track")  # added by the proposal, no lineage set: its own
    pages = kr(g2, "Pages a week", 7, "off_track")
    value_only = kr(g2, "Latency", 200, "")  # no confidence: the editor records no reading either
    kr(g2, "Errors", None, "on_track")
    deploys = kr(g2, "Deploys", 3, "on_track")
    Progress.objects.create(lineage=deploys, key_result=deploys, value=4, confidence="at_risk",
                            source="check_in", source_ref=1, is_latest=True,
                            recorded_at=datetime(2026, 9, 20, tzinfo=LONDON))
    return {"uptime1": uptime1.pk, "uptime2": uptime2.pk, "bookings": bookings.pk, "pages": pages.pk,
            "value_only": value_only.pk, "deploys": deploys.pk}


def use_typed_readings(apps, made: dict[str, int]) -> None:
    """After 0008, in use: a check-in moved uptime on, and the editor recorded a value of its own."""
    Progress, = models(apps, "KeyResultProgress")
    Progress.objects.filter(lineage_id=made["uptime1"]).update(is_latest=False)
    Progress.objects.create(lineage_id=made["uptime1"], key_result_id=made["uptime2"], value=98,
                            confidence="off_track", source="check_in", source_ref=2, recorded_at=USED_SINCE,
                            previous_confidence="at_risk", is_latest=True)
    Progress.objects.create(lineage_id=made["value_only"], key_result_id=made["value_only"], value=180,
                            confidence="on_track", source="charter", recorded_at=USED_SINCE, is_latest=True)


def readings(apps, team_id: int) -> set[tuple]:
    """The team's readings: of its lineages, or filed on its key results."""
    Progress, = models(apps, "KeyResultProgress")
    of_team = Q(lineage__goal__charter__team_id=team_id) | Q(key_result__goal__charter__team_id=team_id)
    return set(Progress.objects.filter(of_team).values_list(
        "lineage_id", "key_result_id", "value", "confidence", "recorded_at", "source", "previous_confidence",
        "is_latest"))


def recorded_by_someone(apps, team_id: int) -> bool:
    Progress, = models(apps, "KeyResultProgress")
    return Progress.objects.filter(lineage__goal__charter__team_id=team_id, recorded_by__isnull=False).exists()


# The walk --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def history(django_db_setup, django_db_blocker) -> SimpleNamespace:
    """Every scenario's rows as each migration left them; the database is back as it was afterwards."""
    seen = SimpleNamespace()
    with django_db_blocker.unblock(), rolled_back_migrations() as walk:
        walk.start_empty()
        apps = walk.to(charters_at("0002_consent_round"))
        Organisation, Team = (apps.get_model("alignment", name) for name in ("Organisation", "Team"))
        organisation = Organisation.objects.create(name="Harbour Health", slug="harbour")
        team = {name: Team.objects.create(organisation=organisation, name=name, slug=name).pk
                for name in ("chains", "marks", "scale", "typed")}
        seen.chains = write_origin_chains(apps, team["chains"])

        apps = walk.to(charters_at("0003_key_result_progress"))
        seen.lineages = lineages(apps, team["chains"])
        seen.marked = write_unmarked_readings(apps, team["marks"])

        apps = walk.to(charters_at("0005_progress_one_latest_per_lineage"))  # the constraint holds on them
        seen.marks = marks(apps, team["marks"])

        apps = walk.to(charters_at("0006_consent_rounds_end"))
        seen.numbered = write_confidence_numbers(apps, team["scale"])

        apps = walk.to(charters_at("0007_one_confidence_scale"))
        seen.words = confidences(apps, seen.numbered)

        # Back before the typed values' readings exist: 0007 cannot be undone once the editor has recorded one
        # (source "charter" breaks the constraint it puts back).
        apps = walk.to(charters_at("0006_consent_rounds_end"))
        seen.numbers_again = confidences(apps, seen.numbered)

        apps = walk.to(charters_at("0007_one_confidence_scale"))
        seen.typed = write_typed_values(apps, team["typed"])

        apps = walk.to(charters_at("0008_typed_values_become_readings"))
        seen.readings = readings(apps, team["typed"])
        seen.recorded_by_someone = recorded_by_someone(apps, team["typed"])
        use_typed_readings(apps, seen.typed)

        apps = walk.to(charters_at("0007_one_confidence_scale"))
        seen.readings_back = readings(apps, team["typed"])
    return seen


def test_each_key_result_takes_the_first_of_its_origin_chain_as_lineage(history):
    kr = history.chains

    assert history.lineages == {
        kr["first"]: kr["first"], kr["second"]: kr["first"], kr["third"]: kr["first"],
        kr["added_in_v2"]: kr["added_in_v2"], kr["copied_from_v2"]: kr["added_in_v2"],
    }


def test_the_migration_marks_existing_readings(history):
    uptime, bookings = history.marked["uptime"], history.marked["bookings"]

    assert history.marks == [
        (uptime, ON_TRACK, "", False),
        (uptime, AT_RISK, ON_TRACK, False),
        (uptime, ON_TRACK, AT_RISK, False),
        (uptime, OFF_TRACK, ON_TRACK, True),
        (bookings, AT_RISK, "", True),
    ]


def test_the_migration_maps_the_numbers_to_words_and_back(history):
    assert history.words == ["off_track", "off_track", "at_risk", "at_risk", "on_track", "on_track", ""]
    assert history.numbers_again == [2, 2, 5, 5, 8, 8, None]


def test_typed_values_become_readings_and_going_back_removes_only_those(history):
    kr = history.typed
    uptime1, uptime2 = kr["uptime1"], kr["uptime2"]
    checked_in = datetime(2026, 9, 20, tzinfo=LONDON)

    assert history.readings == {
        (uptime1, uptime1, Decimal("99.00"), "on_track", V1_RATIFIED, "charter", "", False),
        # typed in the proposal: filed on the version in force, as the editor files it
        (uptime1, uptime2, Decimal("99.50"), "at_risk", V3_EDITED, "charter", "on_track", True),
        (kr["bookings"], kr["bookings"], Decimal("40.00"), "on_track", V3_EDITED, "charter", "", True),
        (kr["pages"], kr["pages"], Decimal("7.00"), "off_track", V2_RATIFIED, "charter", "", True),
        (kr["deploys"], kr["deploys"], Decimal("4.00"), "at_risk", checked_in, "check_in", "", True),
    }
    assert not history.recorded_by_someone
    # Going back after use (use_typed_readings) keeps the readings made since and the check-in's.
    assert history.readings_back == {
        (uptime1, uptime2, Decimal("98.00"), "off_track", USED_SINCE, "check_in", "", True),
        (kr["value_only"], kr["value_only"], Decimal("180.00"), "on_track", USED_SINCE, "charter", "", True),
        (kr["deploys"], kr["deploys"], Decimal("4.00"), "at_risk", checked_in, "check_in", "", True),
    }


@pytest.mark.django_db(transaction=True)
def test_the_cycle_page_and_the_ledger_read_a_value_typed_before(migrate, login, team, leader, frozen):
    from charters.models import KeyResult, KeyResultProgress
    from decisions.models import Decision

    frozen(datetime(2026, 11, 2, 9, tzinfo=LONDON))
    draft = complete_charter(team, leader)  # "currently 12, at risk", written as the editor wrote it before
    services.propose(charter=draft, actor=leader)
    services.ratify(charter=draft, actor=leader, despite_gaps=True)
    typed = KeyResult.objects.get(goal__charter=draft)
    frozen(datetime(2026, 11, 4, 9, tzinfo=LONDON))
    Decision.objects.create(team=team, title="Pause the pager rota", purpose_effect="advances", metric_effect="dents",
                            verdict="conscious_investment", key_result=typed, investment_until=date(2026, 12, 1),
                            logged_at=datetime(2026, 11, 4, 9, tzinfo=LONDON), logged_by=leader)
    frozen(datetime(2026, 11, 20, 9, tzinfo=LONDON))
    cycle = reverse("reviews:cycle", args=[team.organisation.slug, team.slug, 1])
    assert not KeyResultProgress.objects.exists()
    before = login(leader).get(cycle).content.decode()
    assert "<th scope=\"row\">Pause the pager rota</th><td>Metric 1</td><td>—</td><td>—</td>" in before

    migrate(charters_at("0007_one_confidence_scale"))
    migrate(charters_at("0008_typed_values_become_readings"))
    migrate(None)  # on to the newest migration: the pages read through today's models

    body = login(leader).get(cycle).content.decode()
    assert '<td>12% <span class="muted">(20%)</span></td>' in body
    assert '<li class="confidence at_risk" title="Week of 2 Nov 2026">at risk</li>' in body
    assert "<th scope=\"row\">Pause the pager rota</th><td>Metric 1</td><td>12%</td><td>12%</td>" in body
