"""Build a scale dataset, measure the key pages on it, and judge them against the issue's targets."""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
from contextlib import contextmanager
from pathlib import Path
from time import perf_counter

import django
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench import dataset, mix, report, serve, tasks
from bench.dataset import PRESETS
from bench.measure import BARE, PAGES, chosen, measure_in_process, urls

BELOW = {"tiny": None, "small": "tiny", "full": "small"}

DESCRIPTION = """\
Build a scale dataset and measure Charter's key pages on it: SQL queries, server time (p50,
p95), response size, and requests per second under gunicorn as a share of a bare logged-in
Django page's; then a mixed workload, a team day of many people in many teams. Prints a table
with the issues' targets as pass/fail columns; --json writes everything (with each page's SQL).

Each scale is its own dataset: organisation `bench-<scale>` and people `<scale>.*@bench.invalid`.
A dataset is built once and reused while its numbers and the current week stay the same;
--rebuild builds it again, --drop deletes every bench dataset. The bench refuses a database
holding anything else (organisations or people that are not the bench's) unless
--allow-other-data: use a database of its own, e.g.
  createdb bench && DATABASE_URL=postgres:///bench ./manage.py migrate && DATABASE_URL=postgres:///bench ./manage.py bench

Scales (--teams etc. change the measured scale's numbers):
  tiny   25 teams × 5 people, 13 weeks, 10 check in    (the test suite's smoke run)
  small  30 teams × 10 people, 16 weeks, 20 check in   (builds in seconds)
  full   1,000 teams × 10 people, 104 weeks, 1,000 check in (builds in about a minute)
The measured scale is compared with the one below it (--baseline), built with the same
people and decisions per team: only the organisation's size and its history differ.

Pages (--pages): home, organisation, team, charter, charter_proposed, history, compare,
decisions, this_week, week, person, trends, cycle (the open review cycle), retro (the live
retrospective board, voting), notifications (the notification centre, a few hundred at full).

How: each page is read by someone who may see all of it (a team leader who is also a
member). Server time: Django's test Client in this process, DEBUG off, --requests timed
requests after --warmup; queries are counted on one request. Every reading renders the page
(there is no per-reader page cache). Requests/s: gunicorn with
--workers sync workers, DEBUG off, the bare page mounted (BENCH_BARE_PAGE=1), signed in
through the login form, loaded by --connections connections from this process (so client and
server share the machine's cores: the report prints os.cpu_count() and the load average). Every
page is measured in --rounds rounds, each between two bare-page runs; its share is the median
round's, so a few seconds of a busy neighbour move it less.

The mix (--mix, on by default; --no-mix to skip): everyone in the dataset's mix teams (100
teams of 10 at full scale), each with a session of their own, reading their team's pages,
autosaving check-in drafts as they type and submitting them, replying to check-ins, commenting
on draft amendments, adding retrospective cards and polling the live retrospective, by fixed
weights (bench/mix.py). Run for --mix-duration seconds in-process (each kind's server time), then
under gunicorn from --connections connections after --rps-warmup, between two bare-page runs.
Its writes are undone afterwards; an interrupted run leaves the dataset to be built again.

Targets (issues #9 and #19), shown as pass/fail columns; --check makes a miss an error:
  Q  at most 12 queries, and the same number at both scales
  T  server time p95 at most 25 ms at the measured scale
  S  response at most max(10%, 1 KiB) larger than at the baseline
  R  at least 25% of the bare page's requests/s
  M  the mix at least 30% of the bare page's requests/s, with 0 errors (in-process or served)
"""


class Command(BaseCommand):
    help = DESCRIPTION

    def create_parser(self, prog_name, subcommand, **kwargs):
        from argparse import RawDescriptionHelpFormatter

        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser):
        data = parser.add_argument_group("dataset")
        data.add_argument("--scale", choices=list(PRESETS), default="small",
                          help="The scale to measure (default: small).")
        data.add_argument("--baseline", choices=[*PRESETS, "none"],
                          help="The smaller scale to compare with (default: the one below --scale; none for tiny).")
        data.add_argument("--teams", type=int, help="Teams in the organisation (full: 1000).")
        data.add_argument("--people-per-team", type=int, help="People in each team (full: 10).")
        data.add_argument("--weeks", type=int, help="Weeks of check-ins, ending this week (full: 104).")
        data.add_argument("--checkin-people", type=int,
                          help="How many people check in, whole teams first (full: 1000).")
        data.add_argument("--decisions-per-team", type=int, help="Decisions logged in each team (full: 6).")
        data.add_argument("--rebuild", action="store_true", help="Build the datasets again even if they exist.")
        data.add_argument("--build-only", action="store_true", help="Build (or keep) the datasets; measure nothing.")
        data.add_argument("--drop", action="store_true", help="Delete every bench dataset, then stop.")
        data.add_argument("--allow-other-data", action="store_true",
                          help="Run on a database that holds more than bench data (the bench still touches only "
                               "its own rows, but adds thousands of people and measures with others' rows around).")
        timing = parser.add_argument_group("measuring")
        timing.add_argument("--pages", type=_page_keys, metavar="KEY,KEY",
                            help="Measure only these pages (and the bare page): " + ", ".join(p.key for p in PAGES) + ".")
        timing.add_argument("--requests", type=_positive, default=50,
                            help="Timed requests per page in-process (default: 50).")
        timing.add_argument("--warmup", type=_not_negative, default=5,
                            help="Untimed requests per page first (default: 5).")
        timing.add_argument("--no-gunicorn", action="store_true",
                            help="Skip the requests-per-second part (the mix then runs in-process only).")
        timing.add_argument("--mix", action=argparse.BooleanOptionalAction, default=True,
                            help="Run the mixed workload after the pages, in-process and under gunicorn "
                                 "(default: on; --no-mix skips it).")
        timing.add_argument("--tasks", action="store_true",
                            help="Also time the scheduler at the measured scale: reminders for everyone, every "
                                 "cycle rolled over (in a transaction rolled back afterwards).")
        timing.add_argument("--tasks-only", action="store_true", help="Time the scheduler only; no pages.")
        timing.add_argument("--workers", type=_positive, default=2, help="gunicorn workers (default: 2).")
        timing.add_argument("--connections", type=_positive, default=4,
                            help="Concurrent keep-alive connections of the load generator (default: 4).")
        timing.add_argument("--duration", type=_positive_float, default=3.0,
                            help="Seconds of load per page in each round, after --rps-warmup (default: 3).")
        timing.add_argument("--rounds", type=_positive, default=3,
                            help="Rounds of every page between bare-page runs; a page's share is the median "
                                 "round's (default: 3).")
        timing.add_argument("--mix-duration", type=_positive_float, default=15.0,
                            help="Seconds of the mix, in-process and then under gunicorn after --rps-warmup "
                                 "(default: 15: it mixes many kinds of request, so it needs more of them).")
        timing.add_argument("--rps-warmup", type=float, default=1.0, help="Seconds of untimed load first (default: 1).")
        output = parser.add_argument_group("output")
        output.add_argument("--json", metavar="PATH", help="Write every number (and each page's SQL) as JSON here.")
        output.add_argument("--check", action="store_true",
                            help="Exit with an error when a page misses a target (otherwise only reported).")

    def handle(self, *args, **options):
        if options["drop"]:
            started = perf_counter()
            deleted = dataset.drop()
            self.stdout.write(f"Deleted {deleted:,} bench rows in {perf_counter() - started:.1f}s.")
            return
        others = dataset.other_data()
        if others and not options["allow_other_data"]:
            raise CommandError(
                f"This database holds {others} that are not the bench's. The bench adds thousands of people and "
                "measures pages with whatever else is there; run it on a database of its own (createdb bench; "
                "DATABASE_URL=postgres:///bench manage.py migrate), or pass --allow-other-data. It only ever "
                f"writes and deletes organisations '{dataset.SLUG_PREFIX}*' and people '*@{dataset.EMAIL_DOMAIN}'."
            )
        try:
            main = dataset.spec_for(options["scale"], teams=options["teams"], people_per_team=options["people_per_team"],
                                    weeks=options["weeks"], checkin_people=options["checkin_people"],
                                    decisions_per_team=options["decisions_per_team"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        baseline_name = options["baseline"] or BELOW[main.scale]
        if baseline_name == "none":
            baseline_name = None
        if baseline_name == main.scale:
            raise CommandError("--baseline must be another scale than --scale.")
        specs = [dataset.baseline_for(baseline_name, main), main] if baseline_name else [main]

        result = {
            "scale": main.scale, "baseline": baseline_name, "scales": {},
            "machine": _machine(), "targets": report.TARGETS.as_dict(),
            "method": {"requests": options["requests"], "warmup": options["warmup"]},
            "pages": [page.key for page in chosen(options["pages"])],
            "mix": {"weights": mix.describe_weights(), "in_process": None, "served": None} if options["mix"] else None,
        }
        for spec in specs:
            result["scales"][spec.scale] = {"spec": spec.params(), "describe": spec.describe(),
                                            "build": self._ensure_built(spec, rebuild=options["rebuild"])}
        if options["build_only"]:
            return
        dataset.settle()  # as autovacuum would have left the tables by now (the last run's mix left dead rows)
        if options["tasks_only"]:
            self._tasks(main, result, options)
            return
        for spec in specs:
            self.stdout.write(f"Measuring {spec.scale} in-process...")
            measured = result["scales"][spec.scale]
            measured["rows"] = dataset.total_rows(spec)
            with quiet_logins():
                measured["pages"] = measure_in_process(dataset.handles(spec), requests=options["requests"],
                                                       warmup=options["warmup"], pages=chosen(options["pages"]),
                                                       log=self.stdout.write)
        if options["mix"]:
            self.stdout.write(f"Running the mix in-process at {main.scale} for {options['mix_duration']:g} s...")
            result["mix"]["in_process"] = inner = mix.in_process(main, duration=options["mix_duration"])
            self.stdout.write(f"  {inner['requests']:,} requests, {inner['errors']} errors, "
                              f"p95 {inner['latency_p95_ms']} ms")
        result["rps"] = None if options["no_gunicorn"] else self._requests_per_second(main, options, result["mix"])
        report.judge(result)
        self.stdout.write("")
        self.stdout.write(report.table(result))
        if options["tasks"]:
            self._tasks(main, result, options)
            return
        self._write(result, options)

    def _tasks(self, spec: dataset.Spec, result: dict, options) -> None:
        self.stdout.write(f"\nTiming the scheduler at {spec.scale} ({spec.describe()})...")
        result["tasks"] = tasks.measure(spec.slug)
        self.stdout.write(tasks.table(result["tasks"]))
        missed = [key for key, measured in result["tasks"].items() if not measured["met"]]
        if missed:
            result.setdefault("misses", {}).update({f"task {key}": ["time"] for key in missed})
            result["passed"] = False
        self._write(result, options)

    def _write(self, result: dict, options) -> None:
        if options["json"]:
            Path(options["json"]).write_text(json.dumps(result, indent=2, default=str))
            self.stdout.write(f"\nWrote {options['json']}.")
        if options["check"] and not result.get("passed", True):
            raise CommandError(f"Targets missed by {len(result['misses'])}: {', '.join(result['misses'])}.")

    def _ensure_built(self, spec: dataset.Spec, *, rebuild: bool) -> dict:
        if not rebuild and dataset.is_built(spec):
            self.stdout.write(f"Dataset {spec.scale} ({spec.describe()}) is already built; reusing it.")
            return {"reused": True, "seconds": None, "stages": {}}
        self.stdout.write(f"Building {spec.scale}: {spec.describe()}...")
        stages = dataset.Builder(spec, log=self.stdout.write).build()
        self.stdout.write(f"Built {spec.scale} in {stages.total:.1f}s.")
        return {"reused": False, "seconds": stages.total, "stages": stages.seconds}

    def _requests_per_second(self, spec: dataset.Spec, options, mixed: dict | None) -> dict:
        handles = dataset.handles(spec)
        paths = urls(handles)
        pages = chosen(options["pages"])
        viewers = {page.viewer for page in [BARE, *pages]}
        run = {"scale": spec.scale, "workers": options["workers"], "connections": options["connections"],
               "duration": options["duration"], "warmup": options["rps_warmup"], "rounds": options["rounds"],
               "pages": {}}
        self.stdout.write(f"Measuring requests/s under gunicorn at {spec.scale}...")

        def hammer(key: str, cookie: str) -> dict:
            measured = serve.load(port, paths[key], cookie, connections=options["connections"],
                                  duration=options["duration"], warmup=options["rps_warmup"])
            self.stdout.write(f"  {key}: {measured['status']}, {measured['rps']:,.1f}/s")
            return measured

        secret_key = serve.new_secret_key()
        with quiet_logins(), serve.serving(workers=options["workers"], log=self.stdout.write,
                                           secret_key=secret_key) as port:
            cookies = {viewer: serve.log_in(port, getattr(handles, viewer), dataset.PASSWORD) for viewer in viewers}
            # The bare page between every two pages: each page is compared with the bare runs just before and
            # after it, so load from others on the machine that comes and goes skews the shares less; and every
            # page in several rounds, of which the median counts, so a burst of it moves a share less still.
            bare_runs = [hammer(BARE.key, cookies[BARE.viewer])]
            rounds: dict[str, list[dict]] = {page.key: [] for page in pages}
            for _ in range(options["rounds"]):
                for page in pages:
                    measured = hammer(page.key, cookies[page.viewer])
                    bare_runs.append(hammer(BARE.key, cookies[BARE.viewer]))
                    around = (bare_runs[-2]["rps"] + bare_runs[-1]["rps"]) / 2
                    measured["bare_rps"] = round(around, 1)
                    measured["share"] = round(measured["rps"] / around, 3) if around else 0.0
                    rounds[page.key].append(measured)
            for key, measured_rounds in rounds.items():
                run["pages"][key] = _median_round(measured_rounds)
            if mixed is not None:
                served = mix.served(spec, port, secret_key=secret_key, connections=options["connections"],
                                    duration=options["mix_duration"], warmup=options["rps_warmup"])
                self.stdout.write(f"  mix: {served['rps']:,.1f}/s, {served['errors']} errors")
                bare_runs.append(hammer(BARE.key, cookies[BARE.viewer]))
                around = (bare_runs[-2]["rps"] + bare_runs[-1]["rps"]) / 2
                served["bare_rps"] = round(around, 1)
                served["share"] = round(served["rps"] / around, 3) if around else 0.0
                mixed["served"] = served
        rates = sorted(bare["rps"] for bare in bare_runs)
        run["bare"] = {"rps": rates[len(rates) // 2], "lowest": rates[0], "highest": rates[-1], "runs": bare_runs}
        return run


def _median_round(measured: list[dict]) -> dict:
    """A page's rounds as one: the round with the median share (the lower of the two middle ones for an even
    count), with every round's share, and every round's errors and any status but 200 counted against it."""
    found = dict(sorted(measured, key=lambda one: one["share"])[(len(measured) - 1) // 2])
    found["round_shares"] = [one["share"] for one in measured]
    found["errors"] = sum(one["errors"] for one in measured)
    failed = [one["status"] for one in measured if one["status"] != 200]
    if failed:
        found["status"] = failed[0]
    return found


@contextmanager
def quiet_logins():
    """django-axes logs every sign-in and sign-out at INFO: the bench signs in a few people, quietly."""
    logger = logging.getLogger("axes")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _machine() -> dict:
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        version = connection.pg_version
        database = f"PostgreSQL {version // 10000}.{version % 10000}"
    else:
        database = connection.vendor
    return {
        "cpu_count": os.cpu_count(),
        "load_average": " ".join(f"{n:.2f}" for n in os.getloadavg()),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": database,
        "platform": platform.platform(),
    }


def _page_keys(value: str) -> list[str]:
    keys = [key.strip() for key in value.split(",") if key.strip()]
    unknown = set(keys) - {page.key for page in PAGES}
    if unknown or not keys:
        raise ValueError(value)
    return keys


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def _positive_float(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise ValueError(value)
    return number


def _not_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number
