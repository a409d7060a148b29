"""The embedded default holds a small team's concurrency: writes in the same instant are all kept.

A probe on SQLite (no DATABASE_URL) had two people add retrospective cards in the same second: one
got a 500 ("database is locked") and the card was gone. config/settings.py now opens SQLite in WAL
mode with IMMEDIATE transactions and a 20 s busy timeout, so that writers queue instead of failing.

This proves it the way a team meets it: the real app under gunicorn (2 workers × 4 threads), on a
SQLite file of its own made here (its tables, then the demo data), and people signed in through the
login form. A barrier releases every post at once: six people adding two cards each to the same
live session (as htmx sends them) while five save a draft of this week's check-in (as htmx saves it
while they type) or submit it (a plain form post; those the demo has already submitted update theirs).
Every post must be answered without a server error, and every card and check-in must then be in the
database file.

It needs no test database (the server has its own file), so it runs in every mode, CI included.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import uuid
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from time import monotonic, sleep
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, Request, build_opener

from django.conf import settings

from tests.loopback import free_port

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 30  # s: longer than SQLite's 20 s busy timeout, so a queued writer is waited for
STARTUP_TIMEOUT = 30
COMMAND_TIMEOUT = 120
CARDS_EACH = 2

# The demo's Platform team (alignment/management/commands/seed_demo.py); every password is "demo".
CARD_WRITERS = ["leader@example.com", "member@example.com", "facilitator@example.com",
                "hannah.becker@example.com", "kwame.mensah@example.com", "grace.adeyemi@example.com"]
# Those who check in (the leader does not). Who has already submitted this week depends on the day the
# demo is seeded: they submit again (their page offers "Update check-in"); the others alternate between
# a draft and a submission.
CHECKING_IN = ["member@example.com", "facilitator@example.com", "hannah.becker@example.com",
               "kwame.mensah@example.com", "grace.adeyemi@example.com"]

# The database file: made and seeded in the one process that then takes Platform's next retrospective,
# which the demo leaves set up, to "Collect" as its facilitator would (start, review last session's actions,
# move on), and prints the URLs the posts need. (Each start of Django costs about 2 s.)
PREPARE = """
import json
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
# The tables straight from today's models, as pytest-django's --no-migrations makes them: 5 s against 25 s
# for walking every migration on SQLite. `makemigrations --check` (make test) keeps the two the same, and the
# migrations' own tests walk them; what this test is about is the file database under concurrent writes.
settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
call_command("migrate", run_syncdb=True, interactive=False, verbosity=0)
call_command("seed_demo")

from django.urls import reverse
from alignment.models import Team, User
from reviews.models import RetroAction, RetroPrompt, Retrospective
from reviews.retro import services

team = Team.objects.get(organisation__slug="harbour-health", slug="platform")
fay = User.objects.get(email="facilitator@example.com")
retro = Retrospective.objects.get(team=team, phase=Retrospective.Phase.SETUP)
services.advance_phase(retrospective_id=retro.pk, team=team, actor=fay, expected_phase="setup")
for action in RetroAction.objects.filter(retrospective_id=retro.previous_id, review=""):
    services.review_action(retrospective_id=retro.pk, team=team, actor=fay, action_id=action.pk, review="done")
services.advance_phase(retrospective_id=retro.pk, team=team, actor=fay, expected_phase="review_actions")
slugs = [team.organisation.slug, team.slug]
print(json.dumps({
    "retro": retro.pk,
    "prompts": list(RetroPrompt.objects.filter(retrospective=retro).values_list("pk", flat=True)),
    "add_card": reverse("reviews:retro_card_add", args=[*slugs, retro.pk]),
    "this_week": reverse("checkins:this_week", args=slugs),
    "save_draft": reverse("checkins:save_draft", args=slugs),
    "submit": reverse("checkins:submit", args=slugs),
    "team": team.pk,
}))
"""


class _NoRedirects(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is an answer to count, not a page to follow


@dataclass
class Answer:
    what: str
    expected: int  # 200 for htmx (the board, the draft's status line), 302 for a plain form post
    status: int = 0
    error: str = ""


@dataclass
class Person:
    """Someone with a browser's cookies, talking to the server with the standard library alone."""

    base: str
    email: str
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self):
        self.opener = build_opener(HTTPCookieProcessor(self.jar), _NoRedirects)

    def send(self, path: str, data: dict | None = None, *, htmx: bool = False) -> tuple[int, str]:
        headers = {"HX-Request": "true"} if htmx else {}
        if data is not None:
            data = {**data, "csrfmiddlewaretoken": self.cookie(settings.CSRF_COOKIE_NAME)}
        body = urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(Request(self.base + path, data=body, headers=headers), timeout=REQUEST_TIMEOUT) as r:
                return r.status, r.read().decode()
        except HTTPError as answer:  # 3xx (not followed), 4xx and 5xx
            return answer.code, answer.read().decode(errors="replace")

    def cookie(self, name: str) -> str:
        return next(c.value for c in self.jar if c.name == name)

    def log_in(self) -> None:
        status, _ = self.send("/accounts/login/")  # its CSRF cookie
        assert status == 200, f"login page: {status}"
        status, _ = self.send("/accounts/login/", {"login": self.email, "password": "demo"})
        assert status == 302 and any(c.name == settings.SESSION_COOKIE_NAME for c in self.jar), \
            f"{self.email} could not log in ({status})"


def _manage(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
    assert done.returncode == 0, f"manage.py {args[0]} failed:\n{done.stderr[-3000:]}"
    return done.stdout


def _wait_until_up(server: subprocess.Popen, base: str, log: Path) -> None:
    deadline = monotonic() + STARTUP_TIMEOUT
    while monotonic() < deadline:
        assert server.poll() is None, f"gunicorn exited with {server.returncode}:\n{log.read_text()[-3000:]}"
        try:
            status, _ = Person(base, "").send("/accounts/login/")
        except (URLError, OSError):
            sleep(0.2)
            continue
        assert status == 200, f"gunicorn answered the login page with {status}"
        return
    raise AssertionError(f"gunicorn did not answer within {STARTUP_TIMEOUT}s:\n{log.read_text()[-3000:]}")


def _all_at_once(calls: list) -> None:
    """Start every call at the same instant, each on a thread of its own, and wait (bounded) for all."""
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        try:
            barrier.wait(REQUEST_TIMEOUT)
            call()
        except BaseException as exc:  # a thread's exception would not fail the test by itself
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(call,), daemon=True) for call in calls]
    for thread in threads:
        thread.start()
    deadline = monotonic() + 2 * REQUEST_TIMEOUT
    for thread in threads:
        thread.join(max(0.0, deadline - monotonic()))
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    assert not errors, errors


def test_cards_and_check_ins_sent_in_the_same_instant_are_all_kept(tmp_path):
    database = tmp_path / "charter.sqlite3"
    env = {**os.environ, "SQLITE_PATH": str(database), "VAR_DIR": str(tmp_path / "var"), "DEBUG": "true",
           "ALLOWED_HOSTS": HOST, "CELERY_TASK_ALWAYS_EAGER": "true", "LOG_LEVEL": "WARNING",
           "DJANGO_SETTINGS_MODULE": "config.settings"}
    for name in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "SECRET_KEY"):
        env.pop(name, None)  # the embedded default: SQLite, local memory, console email, no broker needed
    session = json.loads(_manage(env, "shell", "-v", "0", "-c", PREPARE).strip().splitlines()[-1])

    port = free_port()
    base = f"http://{HOST}:{port}"
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers", "2", "--threads", "4",
             "--bind", f"{HOST}:{port}", "--timeout", "60", "--graceful-timeout", "5",
             "--no-control-socket"],  # gunicorn's default control socket is one per user: not ours to take
            cwd=settings.BASE_DIR, env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(server, base, log)
        people = {email: Person(base, email) for email in dict.fromkeys(CARD_WRITERS + CHECKING_IN)}
        _all_at_once([person.log_in for person in people.values()])  # signing in at once writes too

        # What each check-in post needs from this week's page: its version and its week.
        forms, submits = {}, {}
        for n, email in enumerate(CHECKING_IN):
            status, page = people[email].send(session["this_week"])
            assert status == 200, f"{email}'s check-in page: {status}"
            forms[email] = {name: re.search(rf'name="{name}" value="([^"]*)"', page).group(1)
                            for name in ("version", "week")}
            submits[email] = "Update check-in" in page or n % 2 == 1

        posts = []
        cards = {}  # text → author
        for n, email in enumerate(CARD_WRITERS):
            for i in range(CARDS_EACH):
                text = f"Card {i + 1} from {email}, {uuid.uuid4().hex[:8]}"
                cards[text] = email
                data = {"prompt": session["prompts"][(n + i) % len(session["prompts"])], "token": uuid.uuid4(),
                        "text": text}
                posts.append((email, session["add_card"], data, True, Answer(f"card {i + 1} by {email}", 200)))
        progress = {}
        for email in CHECKING_IN:
            progress[email] = f"What moved for {email}: {uuid.uuid4().hex[:8]}"
            data = {**forms[email], "progress": progress[email], "load": "about_right"}
            if submits[email]:  # the Submit button: a plain form post
                posts.append((email, session["submit"], data, False, Answer(f"submission by {email}", 302)))
            else:  # saved as they type: htmx
                posts.append((email, session["save_draft"], data, True, Answer(f"draft by {email}", 200)))

        def post(email, path, data, htmx, answer):
            try:
                answer.status, body = people[email].send(path, data, htmx=htmx)
                if answer.status >= 400:
                    answer.error = body[:300]
            except Exception as exc:  # reported below, with every other answer
                answer.error = repr(exc)

        started = monotonic()
        _all_at_once([lambda p=p: post(*p) for p in posts])
        took = monotonic() - started
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    answers = [answer for *_, answer in posts]
    failed = [answer for answer in answers if answer.status != answer.expected or answer.error]
    assert not failed, (
        f"{len(failed)} of {len(posts)} posts failed in {took:.1f}s: {failed}\n{log.read_text()[-3000:]}")
    assert "database is locked" not in log.read_text()

    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        kept_cards = dict(db.execute(
            "SELECT card.text, author.email FROM reviews_retrocard card "
            "JOIN alignment_user author ON author.id = card.author_id WHERE card.retrospective_id = ?",
            [session["retro"]]).fetchall())
        # Each person's latest week (the demo wrote earlier ones): this week's.
        kept_checkins = {email: (state, text) for email, state, text in db.execute(
            "SELECT author.email, checkin.state, checkin.progress FROM checkins_checkin checkin "
            "JOIN alignment_user author ON author.id = checkin.author_id WHERE checkin.team_id = ? "
            "ORDER BY checkin.week", [session["team"]]).fetchall()}
    assert kept_cards == cards
    assert kept_checkins == {email: ("submitted" if submits[email] else "draft", text)
                             for email, text in progress.items()}
