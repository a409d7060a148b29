"""`manage.py bench`: a smoke run on tiny datasets, and the dataset is what the services would have made.

No timings are asserted: the smoke run only proves that every key page answers and is measured,
and that the mixed workload runs without an error and leaves the dataset as it found it.
Plain `django_db` is enough: with --no-gunicorn every request (the mix's too) runs in this
process, on the test's own connection, so it sees the uncommitted dataset.
"""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from alignment.models import Membership, Organisation, Team, User
from alignment.weeks import current_week, monday_of
from bench import dataset, mix, report
from bench.measure import ALL_PAGES
from charters.models import Charter, KeyResult, KeyResultProgress, Response
from checkins.models import CheckIn, KeyResultUpdate
from notifications.models import Delivery, Notification
from reviews.models import RetroCard, Retrospective, RetroTheme, RetroVote, ReviewCycle

pytestmark = pytest.mark.django_db

# The small scale shrunk to the tiny one's size, compared with tiny: two builds, two measurements. The mix runs
# for 2 s: only answers within its window count, and on a loaded machine half a second could hold none.
SMOKE = ["--scale", "small", "--teams", "4", "--people-per-team", "5", "--weeks", "13", "--checkin-people", "10",
         "--baseline", "tiny", "--requests", "2", "--warmup", "1", "--mix-duration", "2", "--no-gunicorn"]


def test_smoke_run_measures_every_page_at_both_scales(tmp_path, settings):
    path = tmp_path / "bench.json"
    out = StringIO()

    call_command("bench", *SMOKE, "--json", str(path), stdout=out)

    result = json.loads(path.read_text())
    assert set(result["scales"]) == {"tiny", "small"}
    for scale in ("tiny", "small"):
        pages = result["scales"][scale]["pages"]
        assert set(pages) == {page.key for page in ALL_PAGES}
        for key, page in pages.items():
            assert page["status"] == 200, (scale, key, page["url"])
            assert page["queries"] > 0 and len(page["sql"]) == page["queries"], (scale, key)
            assert page["size"] > 0 and page["p50_ms"] > 0 and page["p95_ms"] >= page["p50_ms"], (scale, key)
            # The first reader after a change: every kept part made again, its queries counted.
            assert page["first_queries"] >= page["queries"] and len(page["first_sql"]) == page["first_queries"]
            assert page["first_p95_ms"] >= page["first_p50_ms"] > 0, (scale, key)
    assert {"cycle", "retro", "notifications"} <= set(pages)
    assert result["rps"] is None
    # The mix ran in-process at the measured scale (the one team of 5 the shrunk scale has for it), and left no trace.
    mixed = result["mix"]["in_process"]
    assert result["mix"]["served"] is None
    assert (mixed["people"], mixed["teams"]) == (5, 1)
    assert mixed["requests"] > 0 and mixed["errors"] == 0, mixed["error_samples"]
    assert mixed["cleanup"]["clean"], mixed["cleanup"]
    assert set(result["verdicts"]) == {page.key for page in ALL_PAGES} - {"bare"} | {"mix"}
    judged = result["verdicts"]["mix"]
    assert (judged["share"], judged["errors"]) == (None, True)
    for name, label in (("autosave", "autosave"), ("quiet_poll", "poll nothing new")):  # judged where it ran
        assert (judged[name] is None) == (label not in mixed["kinds"]), (name, judged)
    assert "Charter (proposed amendment)" in out.getvalue() and "Targets:" in out.getvalue()
    assert "Mixed workload: 5 people in 1 teams" in out.getvalue()


def test_the_scheduler_is_timed_and_the_dataset_left_as_it_was(tmp_path):

    path = tmp_path / "tasks.json"
    call_command("bench", "--scale", "tiny", "--baseline", "none", "--build-only", stdout=StringIO())
    cycles, deliveries = ReviewCycle.objects.count(), Delivery.objects.count()
    out = StringIO()

    call_command("bench", "--scale", "tiny", "--baseline", "none", "--tasks-only", "--json", str(path), stdout=out)

    tasks = json.loads(path.read_text())["tasks"]
    tiny = dataset.PRESETS["tiny"]
    # Every live team's open cycle rolls over; everyone who checks in and has not this week is reminded.
    assert tasks["rollovers"]["done"] == tiny.teams - 1  # the archived team's cycle stays
    assert 0 < tasks["reminders"]["done"] <= tiny.people
    assert tasks["reminders"]["queries"] < 20 and tasks["rollovers"]["queries"] < 40
    assert "reminders" in out.getvalue() and "rollovers" in out.getvalue()
    assert ReviewCycle.objects.count() == cycles  # rolled back
    assert Delivery.objects.count() == deliveries


def test_a_second_run_reuses_the_datasets(tmp_path):
    call_command("bench", *SMOKE, "--build-only", stdout=StringIO())
    out = StringIO()

    call_command("bench", *SMOKE, "--build-only", stdout=out)

    assert out.getvalue().count("reusing it") == 2


def test_refuses_a_database_with_other_data():
    Organisation.objects.create(name="Harbour Health", slug="harbour")

    with pytest.raises(CommandError, match="1 organisations"):
        call_command("bench", "--scale", "tiny", "--no-gunicorn", stdout=StringIO())


def test_drop_deletes_only_bench_rows():
    someone = User.objects.create_user("someone@example.com", "password")
    dataset.Builder(dataset.PRESETS["tiny"]).build()

    dataset.drop()

    assert not Organisation.objects.exists()
    assert list(User.objects.all()) == [someone]


def test_the_bare_page_is_not_on_the_site_by_default():
    with pytest.raises(NoReverseMatch):
        reverse("bench:bare")
    assert reverse("bench:bare", urlconf="bench.urlconf") == "/bench/bare/"


@pytest.fixture
def tiny():
    spec = dataset.PRESETS["tiny"]
    dataset.Builder(spec).build()
    return spec


def test_every_team_has_one_active_charter_amending_a_superseded_one(tiny):
    teams = Team.objects.filter(organisation__slug=tiny.slug).annotate(
        active=Count("charters", filter=Q(charters__state="ratified")),
        superseded=Count("charters", filter=Q(charters__state="superseded")))
    assert {(team.active, team.superseded) for team in teams} == {(1, 1)}
    for active in Charter.objects.filter(team__in=teams, state="ratified").select_related("based_on"):
        assert active.number == 2 and active.based_on.number == 1
        assert active.based_on.superseded_at == active.ratified_at
    assert Charter.objects.filter(team__slug=dataset.team_slug(dataset.PROPOSED), state="proposed").exists()


def test_key_results_and_progress_follow_their_lineage(tiny):
    krs = KeyResult.objects.filter(goal__charter__team__organisation__slug=tiny.slug)
    assert not krs.filter(lineage__isnull=True).exists()
    for kr in krs.filter(origin__isnull=False).select_related("origin"):
        assert kr.lineage_id == kr.origin.lineage_key
    progress = KeyResultProgress.objects.filter(key_result__in=krs).select_related("key_result__goal__charter")
    assert progress.exists()
    for reading in progress:
        charter = reading.key_result.goal.charter
        assert reading.lineage_id == reading.key_result.lineage_key
        # Recorded on the version in force at that moment.
        assert charter.ratified_at <= reading.recorded_at
        assert charter.superseded_at is None or reading.recorded_at < charter.superseded_at
        assert CheckIn.objects.get(pk=reading.source_ref).submitted_at == reading.recorded_at
    with_progress = progress.values("lineage").distinct().count()
    assert progress.filter(is_latest=True).count() == with_progress


def test_checkins_sit_in_their_teams_weeks(tiny):
    checkins = CheckIn.objects.filter(team__organisation__slug=tiny.slug).select_related("team")
    assert checkins.exists()
    for checkin in checkins:
        assert checkin.week.weekday() == 0
        if checkin.is_submitted:
            assert checkin.team_week.contains(checkin.submitted_at)
            assert checkin.is_late == checkin.is_late_at(checkin.submitted_at)
    unrecorded = KeyResultUpdate.objects.filter(check_in__in=checkins.filter(state="submitted"),
                                                recorded_value__isnull=True)
    assert not unrecorded.exists()


def test_consent_was_given_to_the_ratified_text(tiny):
    responses = Response.objects.filter(charter__team__organisation__slug=tiny.slug,
                                        charter__state__in=["ratified", "superseded"]).select_related("charter")
    assert responses.exists()
    assert all(response.revision == response.charter.revision for response in responses)
    members = Membership.objects.filter(team__organisation__slug=tiny.slug)
    assert members.filter(is_leader=True, is_member=True).count() == tiny.teams


def test_every_kind_of_the_mix_answers_and_the_dataset_is_left_as_built(tiny, monkeypatch):
    """Each kind drawn as often as the others, typists ready to submit at once: all of them run, none fails."""
    monkeypatch.setattr(mix, "WEIGHTS", dict.fromkeys(mix.WEIGHTS, 1))
    monkeypatch.setattr(mix, "SAVES", (1, 2))
    organisation = Organisation.objects.get(slug=tiny.slug)
    rows = dataset.total_rows(tiny)

    result = mix.in_process(tiny, duration=60, steps=40)

    assert result["errors"] == 0, result["error_samples"]
    assert set(result["by_kind"]) == set(mix.WEIGHTS)
    polls = {label: measured["statuses"] for label, measured in result["kinds"].items() if label.startswith("poll")}
    assert polls and all(statuses.keys() == {"204"} if label == "poll nothing new" else statuses.keys() == {"200"}
                         for label, statuses in polls.items()), polls
    assert result["kinds"]["submit"]["statuses"] == {"302": result["by_kind"]["submit"]}
    cleanup = result["cleanup"]
    assert cleanup["clean"] and {"checkins.CheckIn", "reviews.RetroCard", "charters.Comment"} <= set(cleanup["deleted"])
    assert dataset.total_rows(tiny) == rows
    assert Organisation.objects.get(pk=organisation.pk).name == organisation.name
    assert not Session.objects.exists()
    mixed = Team.objects.filter(organisation=organisation, slug__in=[dataset.team_slug(i) for i in tiny.mix_teams])
    assert not any(CheckIn.objects.filter(team=team, week=current_week(team).monday).exists() for team in mixed)
    latest = KeyResultProgress.objects.filter(key_result__goal__charter__team__organisation=organisation,
                                              is_latest=True)
    assert latest.count() == latest.values("lineage").distinct().count()


def test_a_mix_that_could_not_clean_up_leaves_the_dataset_to_be_rebuilt(monkeypatch):
    tiny = dataset.PRESETS["tiny"]
    Organisation.objects.create(slug=tiny.slug, name=tiny.fingerprint(monday_of(timezone.now().date())))
    assert dataset.is_built(tiny)
    monkeypatch.setattr(mix, "_undo", lambda *args: {"deleted": {}, "unknown": {"alignment.Team": 1}})

    with mix.restoring(tiny) as report:
        pass

    assert not report["clean"]
    assert not dataset.is_built(tiny)


def test_the_mix_teams_have_this_week_to_themselves(tiny):
    teams = {team.slug: team for team in Team.objects.filter(organisation__slug=tiny.slug)}
    mixed = [teams[dataset.team_slug(i)] for i in tiny.mix_teams]
    assert len(mixed) == 22
    this_week = [CheckIn.objects.filter(team=team, week=current_week(team).monday).count() for team in mixed]
    measured = teams[dataset.team_slug(dataset.MEASURED)]
    assert not any(this_week)
    assert CheckIn.objects.filter(team=measured, week=current_week(measured).monday).exists()
    drafting = Charter.objects.filter(team__in=mixed, state="draft").values_list("team__slug", flat=True)
    assert set(drafting) == {dataset.team_slug(i) for i in tiny.mix_teams if (i - dataset.MIX_FIRST) % 4 == 0}


def test_team_0_has_a_live_retrospective_and_a_history_of_notifications(tiny):
    handles = dataset.handles(tiny)
    live = Retrospective.objects.get(pk=handles.retro_id)
    assert live.phase == "vote" and live.cycle.number == handles.cycle_number and live.cycle.state == "open"
    assert live.previous is not None and live.previous.phase == "closed"
    cards = RetroCard.objects.filter(retrospective=live)
    assert cards.count() >= 10 and not cards.filter(theme__isnull=True).exists()
    assert RetroTheme.objects.filter(retrospective=live).count() == 6
    votes = RetroVote.objects.filter(retrospective=live)
    assert votes.exists() and all(vote.slot < live.votes_per_person for vote in votes)
    for team_index in tiny.mix_teams:
        session = Retrospective.objects.running().get(team__organisation__slug=tiny.slug,
                                                      team__slug=dataset.team_slug(team_index))
        assert session.phase == "collect" and session.cycle.state == "open"
        assert not RetroTheme.objects.filter(retrospective=session).exists()
    closed = Retrospective.objects.filter(team__organisation__slug=tiny.slug, phase="closed")
    assert closed.exists() and not closed.filter(closed_at__isnull=True).exists()

    reader = User.objects.get(email=handles.leader)
    shown = Notification.objects.filter(recipient=reader)
    assert shown.count() >= 20  # more than the centre's first page, at every scale
    for notification in shown:
        assert Delivery.objects.filter(recipient=reader, kind=notification.kind, subject=notification.subject,
                                       claimed_at=notification.created_at, status="sent").exists()
    assert not shown.filter(read_at__isnull=True, created_at__lt=timezone.now() - timedelta(days=4)).exists()


def test_a_page_measured_in_rounds_counts_its_median_round_and_every_rounds_errors():
    from bench.management.commands.bench import _median_round

    rounds = [{"rps": 150.0, "share": 0.25, "status": 200, "errors": 0},
              {"rps": 120.0, "share": 0.21, "status": 200, "errors": 1},
              {"rps": 160.0, "share": 0.27, "status": 200, "errors": 0}]
    found = _median_round(rounds)
    assert (found["rps"], found["share"], found["round_shares"], found["errors"]) == (150.0, 0.25,
                                                                                      [0.25, 0.21, 0.27], 1)
    assert _median_round([*rounds[:2], {"rps": 0.0, "share": 0.0, "status": 500, "errors": 0}])["status"] == 500
    assert _median_round(rounds[:2])["share"] == 0.21  # an even count: the lower middle one


@pytest.mark.parametrize(("autosave", "quiet_poll", "missed"), [
    (7.9, 2.9, []),
    (8.1, 2.9, ["autosave p95 8.1 ms (≤ 8)"]),
    (7.0, 3.4, ["poll nothing new p95 3.4 ms (≤ 3)"]),
])
def test_the_mix_is_judged_on_an_autosaves_and_a_quiet_polls_server_time(autosave, quiet_poll, missed):
    kinds = {"autosave": {"p95_ms": autosave, "requests": 9}, "poll nothing new": {"p95_ms": quiet_poll, "requests": 9},
             "poll something new": {"p95_ms": 40.0, "requests": 9}}
    verdict, said = report._judge_mix({"in_process": {"errors": 0, "kinds": kinds}}, report.TARGETS)

    assert said == missed
    assert verdict["autosave"] == (autosave <= 8) and verdict["quiet_poll"] == (quiet_poll <= 3)


def test_a_page_is_judged_on_its_first_reading_after_a_change_too():
    from bench.measure import PAGES

    page = {"status": 200, "queries": 8, "p95_ms": 9.0, "size": 1000, "first_queries": 13, "first_p95_ms": 31.5}
    result = {"scale": "full", "baseline": None, "pages": [PAGES[0].key], "rps": None,
              "scales": {"full": {"pages": {PAGES[0].key: page}}}}
    report.judge(result)

    assert result["verdicts"][PAGES[0].key]["queries"] is False and result["verdicts"][PAGES[0].key]["time"] is False
    assert result["misses"][PAGES[0].key] == ["first reading after a change: queries 13 (≤ 12, the same at both scales)",
                                              "first reading after a change: p95 31.5 ms (≤ 25)"]


def test_the_first_reading_after_a_change_finds_nothing_kept_and_leaves_nothing_behind(db):
    from alignment import fragments
    from bench.measure import after_a_change

    kept = fragments.shared("bench-part", (1,), lambda: "<p>drawn before</p>")
    with after_a_change():
        assert fragments.shared("bench-part", (1,), lambda: "<p>drawn again</p>") == "<p>drawn again</p>"
        fragments.keep("bench-value", ["made again"])  # as a ratified version's items
        left = [fragments.key("bench-part", (1,)), fragments._released("bench-value")]
        assert set(cache.get_many(left)) == set(left)
    assert cache.get_many(left) == {}  # under a release nobody will read again: deleted
    assert fragments.shared("bench-part", (1,), lambda: "<p>not drawn</p>") == kept  # as it was kept before
