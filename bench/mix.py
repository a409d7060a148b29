"""The mixed workload: a team day of many people in many teams, reading, typing, submitting, replying, polling.

Who: every person of the dataset's mix teams (`Spec.mix_teams`: 100 teams of 10 at full scale, so
1,000 people), each signed in with a session of their own (written straight into the session
store, as the login form would leave it: signing 1,000 people in through the form would cost
minutes of password hashing). Each request is one person's, with their cookies; the people are
dealt out to the load generator's threads (`--connections`, each a keep-alive connection, as
`serve.load`), so one person's requests never overlap: each uses their own draft, in turn.

What, per request, drawn with these weights (`WEIGHTS`):

- **read** (40): one of the person's team pages (`READS`: this week, home, the retrospective board,
  the charter, the team, the notification centre, the team's week, the cycle, the decision log);
- **poll** (30): the live retrospective's poll, as its board sends it every two seconds:
  `GET …/live/?v=<the version the board shows>&b=<its digests>&s=<when it was drawn>` with
  `HX-Request: true` (204 when nothing changed, else the regions that did with the poller, or the
  board, whose poller the person's takes from then on; before they have read the board, `?v=` alone),
  counted apart by answer;
- **autosave** (18): the check-in form as htmx posts it while someone types (`HX-Request: true`,
  every field, the `version` from the form and then from each answer), a few more words each time;
  each thread has two people typing at a time, each saving 5 to 13 times before submitting;
- **submit** (2): the typed check-in submitted (the load and the key results filled in) as a plain
  post, its redirect followed as a browser does (that `GET` counts as a read of "this week");
- **reply** (3): a leader answers a check-in of the team submitted in the last two weeks or in the
  mix, or an author their own thread; htmx, as the thread's form sends it;
- **comment** (2): a comment on the draft amendment, in the teams that have one (every fourth);
- **card** (5): a card added to the team's live retrospective (collecting), answered with the board.

A kind with nobody to do it right now (no one typing is ready to submit: an autosave instead;
nothing to reply to, no draft amendment in the thread's teams: a read) is replaced, so the weights
are the plan and the report counts what ran.

Every request expects its own answer (`EXPECTED`): 200 for a page or an htmx post, 302 for the plain
submit, 204 or 200 for a poll. Anything else (a 5xx, a 400 refusal, a 409 conflict, a 404), and a
connection that failed, is an error.

Writes happen only in the bench's organisation, and are undone afterwards (`restoring`): every row
the mix added (the week's check-ins with their blockers and key-result updates, readings, replies,
comments, cards, notifications and their deliveries) is deleted by id above what was there before,
the key results' "latest reading" marks and the retrospectives' versions are put back, and the
sessions the mix signed in are deleted. Rows of any other kind added meanwhile, or a run stopped before it
cleaned up, mark the dataset for rebuilding (its organisation's name no longer matches).
"""

from __future__ import annotations

import http.client
import math
import random
import re
import threading
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from importlib import import_module
from time import perf_counter
from unittest import mock
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.cache import caches
from django.db import transaction
from django.db.models import Max
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string

from alignment.models import Membership, Organisation, Team
from bench import dataset, text
from bench.measure import measuring, percentile
from charters.models import Charter, Comment, KeyResultProgress, Section
from checkins.models import Blocker, CheckIn, KeyResultUpdate, Reply
from notifications.models import Delivery, Notification
from reviews.models import RetroCard, RetroPrompt, Retrospective, ReviewCycle

HOST = "127.0.0.1"
WEIGHTS = {"read": 40, "poll": 30, "autosave": 18, "submit": 2, "reply": 3, "comment": 2, "card": 5}
READS = {"this_week": 6, "home": 6, "retro": 6, "charter": 5, "team": 4, "notifications": 4, "week": 4,
         "cycle": 3, "decisions": 2}
EXPECTED = {"read": {200}, "poll": {200, 204}, "autosave": {200}, "submit": {302}, "reply": {200},
            "comment": {200}, "card": {200}}
# A poll's answers counted apart: nothing new is the 204 the issue times on its own (≤ 3 ms), something new the board.
POLL_ANSWERS = {204: "poll nothing new", 200: "poll something new"}
TYPISTS = 2  # people typing a check-in at once, per thread
SAVES = (5, 13)  # autosaves before submitting
HTMX = {"HX-Request": "true"}
LOAD = "about_right"
MIXING = " [mix running]"  # added to the organisation's name while the mix writes: a dataset left so is rebuilt


# Who takes part ---------------------------------------------------------------------------------

@dataclass
class MixTeam:
    index: int
    slug: str
    urls: dict[str, str]  # READS key → path, and the write paths
    prompt_ids: list[int]
    retro_version: int
    amendment: int | None  # the draft amendment's number, where people comment
    checkins: list[tuple[int, int]]  # (check-in id, author id): submitted ones a leader may answer


@dataclass
class Person:
    user_id: int
    email: str
    team: MixTeam
    is_leader: bool
    rng: random.Random
    cookies: dict[str, str] = field(default_factory=dict)
    form: list[tuple[str, str]] | None = None  # the check-in form as last read, as a browser would send it
    version: int | None = None
    saves: int = 0
    wants: int = 0  # autosaves before submitting
    words: list[str] = field(default_factory=list)  # what they are typing, word by word
    submitted: bool = False
    retro_version: int = 0
    # What their board's poller asks with, as the page or the last answer gave it: the version, the board's digests
    # and when it was drawn. Until they have read the board, the version alone (as a page open across a deploy).
    poll_query: str = ""


@dataclass
class Cast:
    teams: list[MixTeam]
    people: list[Person]

    def describe(self) -> str:
        return f"{len(self.people):,} people in {len(self.teams):,} teams"


def cast(spec: dataset.Spec) -> Cast:
    """The mix's teams and people, with what their pages need: read from the dataset in a few queries."""
    org = spec.slug
    teams = {team.pk: team for team in Team.objects.filter(
        organisation__slug=org, slug__in=[dataset.team_slug(i) for i in spec.mix_teams])}
    cycles = dict(ReviewCycle.objects.filter(team__in=teams.values(), state=ReviewCycle.State.OPEN)
                  .values_list("team_id", "number"))
    retros = {retro.team_id: retro for retro in Retrospective.objects.running().filter(team__in=teams.values())}
    prompts = defaultdict(list)
    for retro_id, prompt_id in RetroPrompt.objects.filter(retrospective__in=retros.values()).values_list(
            "retrospective_id", "pk"):
        prompts[retro_id].append(prompt_id)
    amendments = dict(Charter.objects.filter(team__in=teams.values(), state=Charter.State.DRAFT)
                      .values_list("team_id", "number"))
    since = timezone.now() - timedelta(days=14)
    answered = defaultdict(list)
    for team_id, pk, author_id in CheckIn.objects.filter(
            team__in=teams.values(), state=CheckIn.State.SUBMITTED, submitted_at__gte=since).values_list(
            "team_id", "pk", "author_id"):
        answered[team_id].append((pk, author_id))
    mix_teams = {}
    for team in sorted(teams.values(), key=lambda team: team.slug):
        retro = retros[team.pk]
        args = [org, team.slug]
        urls = {
            "this_week": reverse("checkins:this_week", args=args), "home": reverse("home"),
            "retro": reverse("reviews:retrospective", args=[*args, retro.pk]),
            "charter": reverse("charters:detail", args=args), "team": reverse("team", args=args),
            "notifications": reverse("notifications:list"), "week": reverse("checkins:week", args=args),
            "cycle": reverse("reviews:cycle", args=[*args, cycles[team.pk]]),
            "decisions": reverse("decisions:list", args=args),
            "save_draft": reverse("checkins:save_draft", args=args), "submit": reverse("checkins:submit", args=args),
            "live": reverse("reviews:retro_live", args=[*args, retro.pk]),
            "card": reverse("reviews:retro_card_add", args=[*args, retro.pk]),
            "reply": reverse("checkins:reply", args=[*args, 0]).replace("/0/", "/{}/"),
        }
        if team.pk in amendments:
            urls["comment"] = reverse("charters:comment_create", args=[*args, amendments[team.pk]])
        mix_teams[team.pk] = MixTeam(index=int(team.slug.rsplit("-", 1)[1]), slug=team.slug, urls=urls,
                                     prompt_ids=prompts[retro.pk], retro_version=retro.version,
                                     amendment=amendments.get(team.pk), checkins=answered[team.pk])
    people = [
        Person(user_id=m.user_id, email=m.user.email, team=mix_teams[m.team_id], is_leader=m.is_leader,
               rng=random.Random(f"mix:{m.user.email}"), retro_version=mix_teams[m.team_id].retro_version)
        for m in Membership.objects.filter(team__in=teams.values()).select_related("user").order_by(
            "team__slug", "user__email")
    ]
    return Cast(teams=list(mix_teams.values()), people=people)


# Signing in -------------------------------------------------------------------------------------

def sign_in(people: list[Person], *, secret_key: str | None = None) -> list[str]:
    """A session for each person, as `django.contrib.auth.login` leaves one, and a CSRF cookie; returns their keys.

    The sessions are written for a server whose SECRET_KEY is `secret_key` (the gunicorn's), or this
    process's. The session rows are bulk-inserted and, where the engine keeps sessions in a cache too (cached_db),
    put there as its `save` puts them: someone who signed in earlier today is read from the cache, not the
    database, and so is everyone in the mix.
    """
    engine = import_module(settings.SESSION_ENGINE)
    users = {user.pk: user for user in apps.get_model(settings.AUTH_USER_MODEL).objects.filter(
        pk__in=[person.user_id for person in people])}
    with override_settings(SECRET_KEY=secret_key or settings.SECRET_KEY):
        store = engine.SessionStore()
        model = store.get_model_class()
        expires = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
        rows, kept = [], {}
        for person in people:
            user = users[person.user_id]
            key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
            kept[key] = {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                         HASH_SESSION_KEY: user.get_session_auth_hash()}
            rows.append(model(session_key=key, session_data=store.encode(kept[key]), expire_date=expires))
            person.cookies = {settings.SESSION_COOKIE_NAME: key,
                              settings.CSRF_COOKIE_NAME: get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)}
        model.objects.bulk_create(rows, batch_size=1000)
    prefix = getattr(engine.SessionStore, "cache_key_prefix", None)
    if prefix:
        caches[settings.SESSION_CACHE_ALIAS].set_many({prefix + key: data for key, data in kept.items()},
                                                     timeout=settings.SESSION_COOKIE_AGE)
    return [row.session_key for row in rows]


def sign_out(keys: list[str]) -> None:
    """Delete the sessions `sign_in` wrote, from the database and from the cache in front of it."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.get_model_class().objects.filter(session_key__in=keys).delete()
    prefix = getattr(engine.SessionStore, "cache_key_prefix", None)
    if prefix:
        caches[settings.SESSION_CACHE_ALIAS].delete_many([prefix + key for key in keys])


# Talking to the site ----------------------------------------------------------------------------

@dataclass
class Answer:
    status: int
    body: str
    location: str = ""


class Failed(Exception):
    """The request got no answer (the connection broke)."""


class HttpTransport:
    """One keep-alive connection to the gunicorn; reconnected when the server closes it (sync workers do)."""

    def __init__(self, port: int):
        self.port, self.connection, self.reconnects = port, None, 0

    def send(self, person: Person, method: str, path: str, *, form=None, headers=None) -> Answer:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        sent = {"Cookie": "; ".join(f"{name}={value}" for name, value in person.cookies.items()), **(headers or {})}
        body = None
        if method == "POST":
            body = urlencode(form or [])
            sent.update({"Content-Type": "application/x-www-form-urlencoded",
                         "X-CSRFToken": person.cookies[settings.CSRF_COOKIE_NAME]})
        try:
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise Failed(str(exc) or type(exc).__name__) from None
        _keep_cookies(person, response.headers.get_all("Set-Cookie") or [])
        if response.will_close:
            self.close()
            self.reconnects += 1
        return Answer(response.status, data.decode("utf-8", "replace"), response.headers.get("Location", ""))

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class ClientTransport:
    """Django's test Client in this process (server time alone): the same requests, through the whole stack."""

    def __init__(self):
        self.client = Client(raise_request_exception=False)
        self.reconnects = 0

    def send(self, person: Person, method: str, path: str, *, form=None, headers=None) -> Answer:
        self.client.cookies = SimpleCookie(person.cookies)
        if method == "POST":
            response = self.client.post(path, urlencode(form or []), content_type="application/x-www-form-urlencoded",
                                        headers=headers, secure=True)
        else:
            response = self.client.get(path, headers=headers, secure=True)
        _keep_cookies(person, [morsel.OutputString() for morsel in response.cookies.values()])
        body = b"" if getattr(response, "streaming", False) else response.content
        return Answer(response.status_code, body.decode("utf-8", "replace"), response.headers.get("Location", ""))

    def close(self) -> None:
        pass


def _keep_cookies(person: Person, headers: list[str]) -> None:
    """A browser's cookie jar, in short: what the server sets is sent back; what it expires is dropped."""
    for header in headers:
        jar = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            if morsel["max-age"] == "0" or not morsel.value:
                person.cookies.pop(name, None)
            else:
                person.cookies[name] = morsel.value


# One thread's day -------------------------------------------------------------------------------

@dataclass
class Tally:
    """What one thread saw: per kind (and per page read), statuses, latencies in the counted window, errors."""

    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    samples: list[dict] = field(default_factory=list)  # the first few errors, to say what went wrong
    writes_warming: int = 0


class Day:
    """One thread's people and what they do, request after request, until `until`."""

    def __init__(self, transport, people: list[Person], *, seed: str, counting_from: float, until: float,
                 steps: int | None = None):
        self.transport, self.people, self.steps = transport, people, steps
        self.rng = random.Random(seed)
        self.counting_from, self.until = counting_from, until
        self.tally = Tally()
        self.waiting = [person for person in people if not person.submitted]  # who has not started typing yet
        self.rng.shuffle(self.waiting)
        self.typing: list[Person] = []
        self.kinds, self.kind_weights = list(WEIGHTS), list(WEIGHTS.values())
        self.pages, self.page_weights = list(READS), list(READS.values())
        self._typist()
        for person in self.typing:  # caught mid-way: the first typists have typed for a while already
            person.saves = person.rng.randrange(person.wants)

    def run(self) -> Tally:
        done = 0
        try:
            while perf_counter() < self.until and (self.steps is None or done < self.steps):
                kind = self.rng.choices(self.kinds, self.kind_weights)[0]
                getattr(self, kind)()
                done += 1
        finally:
            self.transport.close()
        return self.tally

    # The kinds of request

    def read(self, person: Person | None = None, page: str | None = None) -> Answer | None:
        person = person or self.rng.choice(self.people)
        page = page or self.rng.choices(self.pages, self.page_weights)[0]
        answer = self._send("read", page, person, "GET", person.team.urls[page])
        if answer is not None and answer.status == 200:
            if page == "this_week":
                self._took_form(person, answer.body)
            elif page == "retro":
                _took_board(person, answer.body)
        return answer

    def poll(self) -> None:
        person = self.rng.choice(self.people)
        query = person.poll_query or f"v={person.retro_version}"
        answer = self._send("poll", "", person, "GET", f"{person.team.urls['live']}?{query}", headers=HTMX)
        if answer is not None and answer.status == 200:
            _took_board(person, answer.body)

    def autosave(self) -> None:
        person = self._typist()
        if person is None:
            self.read()
            return
        if person.form is None:
            self.read(person, "this_week")
            if person.form is None:
                return
        person.saves += 1
        answer = self._send("autosave", "", person, "POST", person.team.urls["save_draft"],
                            form=self._typed(person), headers=HTMX)
        if answer is not None and answer.status == 200:
            _swap_out_of_band(person, answer.body)

    def submit(self) -> None:
        ready = [person for person in self.typing if person.saves >= person.wants and person.form is not None]
        if not ready:
            self.autosave()
            return
        person = ready[0]
        form = [(name, value) for name, value in self._typed(person) if name != "load" and not name.startswith("kr_")]
        form.append(("load", LOAD))
        for name in {name.rsplit("_", 1)[0] for name, _ in person.form if name.startswith("kr_")}:
            form += [(f"{name}_value", f"{person.rng.uniform(10, 90):.2f}"), (f"{name}_confidence", "on_track")]
        answer = self._send("submit", "", person, "POST", person.team.urls["submit"], form=form)
        if answer is None or answer.status != 302:
            return
        person.submitted = True
        self.typing.remove(person)
        shown = self.read(person, "this_week")  # the browser follows the redirect
        found = re.search(r"/check-ins/(\d+)/reply/", shown.body) if shown is not None else None
        if found:
            person.team.checkins.append((int(found.group(1)), person.user_id))

    def reply(self) -> None:
        for person in self.rng.sample(self.people, min(len(self.people), 40)):
            mine = [pk for pk, author in person.team.checkins if author == person.user_id]
            theirs = [pk for pk, author in person.team.checkins if author != person.user_id]
            choices = theirs if person.is_leader and theirs else mine
            if choices:
                break
        else:
            self.read()
            return
        checkin = self.rng.choice(choices)
        body = self.rng.choice(text.REPLIES if person.is_leader else text.ANSWERS)
        form = [("body", body), ("token", str(uuid.uuid4())), ("next", person.team.urls["week"])]
        self._send("reply", "", person, "POST", person.team.urls["reply"].format(checkin), form=form, headers=HTMX)

    def comment(self) -> None:
        writers = [person for person in self.people if person.team.amendment is not None]
        if not writers:
            self.read()
            return
        person = self.rng.choice(writers)
        form = [("section", self.rng.choice(Section.values)), ("parent", ""),
                ("body", f"{self.rng.choice(text.COMMENTS)} ({person.rng.randint(1, 99)})")]
        self._send("comment", "", person, "POST", person.team.urls["comment"], form=form, headers=HTMX)

    def card(self) -> None:
        person = self.rng.choice(self.people)
        form = [("prompt", str(self.rng.choice(person.team.prompt_ids))), ("text", self.rng.choice(text.CARDS)),
                ("token", str(uuid.uuid4()))]
        answer = self._send("card", "", person, "POST", person.team.urls["card"], form=form, headers=HTMX)
        if answer is not None and answer.status == 200:
            _took_board(person, answer.body)

    # Helpers

    def _typist(self) -> Person | None:
        """Someone typing their check-in: one of the thread's typists, a new one when there is room."""
        while len(self.typing) < TYPISTS and self.waiting:
            person = self.waiting.pop()
            person.wants = person.rng.randint(*SAVES)
            person.words = " ".join(person.rng.sample(text.PROGRESS, 6)).split()  # more than 13 saves type
            self.typing.append(person)
        return self.rng.choice(self.typing) if self.typing else None

    def _typed(self, person: Person) -> list[tuple[str, str]]:
        """The form as last read, with what has been typed since: a few more words at each save."""
        typed = " ".join(person.words[: 4 * person.saves + 3])
        form = [(name, typed if name == "progress" else value) for name, value in person.form
                if name not in ("version", "add_blocker")]
        form.append(("version", str(person.version)))
        if person.saves >= 3:  # and a blocker, from the third save on
            form = [(name, "Waiting for the staging refresh" if name == "blocker_0_what" else value)
                    for name, value in form]
        return form

    def _took_form(self, person: Person, html: str) -> None:
        if person.submitted:
            return
        form = read_form(html, "checkin-form")
        if form:
            person.form = form
            version = dict(form).get("version", "")
            person.version = int(version) if version.isdigit() else 0

    def _send(self, kind: str, page: str, person: Person, method: str, path: str, *, form=None,
              headers=None) -> Answer | None:
        label = f"{kind} {page}".strip()
        started = perf_counter()
        try:
            answer = self.transport.send(person, method, path, form=form, headers=headers)
        except Failed as exc:
            answer, status, problem = None, 0, str(exc)
        else:
            status, problem = answer.status, ""
        finished = perf_counter()
        if kind == "poll":
            label = POLL_ANSWERS.get(status, label)
        wrong = answer is None or status not in EXPECTED[kind]
        if self.counting_from <= finished < self.until:
            self.tally.statuses[label][status] += 1
            if wrong:
                self.tally.errors[label] += 1
            else:
                self.tally.latencies[label].append((finished - started) * 1000)
        elif method == "POST":
            self.tally.writes_warming += 1
        if wrong and len(self.tally.samples) < 5:
            snippet = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.body))[:300] if answer else problem
            self.tally.samples.append({"kind": label, "status": status, "path": path, "person": person.email,
                                       "answer": snippet})
        return answer


def _swap_out_of_band(person: Person, html: str) -> None:
    """What htmx does with an autosave's answer: each `hx-swap-oob` field (the version, and whatever else the
    next save starts from) replaces the form's field of that name."""
    for tag in re.findall(r"<input\b[^>]*\bhx-swap-oob=[^>]*>", html):
        name, value = re.search(r'\bname="([^"]*)"', tag), re.search(r'\bvalue="([^"]*)"', tag)
        if name is None:
            continue
        value = unescape(value.group(1)) if value else ""
        if name.group(1) == "version":
            person.version = int(value) if value.isdigit() else person.version
        else:
            person.form = [(field, value if field == name.group(1) else old) for field, old in person.form]


def _took_board(person: Person, html: str) -> None:
    """What the person's poller asks with from now on, from the board (or its poller) an answer gave them."""
    found = re.search(r'/live/\?(v=(\d+)[^"]*)"', html)
    if found:
        person.poll_query, person.retro_version = unescape(found.group(1)), int(found.group(2))


class _FormReader(HTMLParser):
    """The fields of the first form whose class holds `css_class`, as a browser submits them."""

    def __init__(self, css_class: str):
        super().__init__(convert_charrefs=True)
        self.css_class = css_class
        self.inside = self.done = False
        self.fields: list[tuple[str, str]] = []
        self.textarea: str | None = None
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []
        self.buffer = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.done:
            return
        if tag == "form" and self.css_class in (attrs.get("class") or "").split():
            self.inside = True
            return
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("radio", "checkbox") and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value") or ("on" if kind in ("radio", "checkbox") else "")))
        elif tag == "textarea" and name:
            self.textarea, self.buffer = name, ""
        elif tag == "select" and name:
            self.select, self.options = name, []
        elif tag == "option" and self.select is not None:
            self.options.append((attrs.get("value", ""), "selected" in attrs))

    def handle_data(self, data):
        if self.textarea is not None:
            self.buffer += data

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "textarea" and self.textarea is not None:
            self.fields.append((self.textarea, self.buffer.removeprefix("\n")))
            self.textarea = None
        elif tag == "select" and self.select is not None:
            chosen = [value for value, selected in self.options if selected] or [v for v, _ in self.options[:1]]
            self.fields += [(self.select, value) for value in chosen]
            self.select = None
        elif tag == "form":
            self.inside, self.done = False, True


def read_form(html: str, css_class: str) -> list[tuple[str, str]]:
    """The form's fields, parsed from its own start tag to its end (forms do not nest): the load generator shares
    the machine with the server, and parsing a whole page for one form cost a few milliseconds of it."""
    for tag in re.finditer(r"<form\b[^>]*>", html):
        classes = re.search(r'\bclass="([^"]*)"', tag.group())
        if classes and css_class in classes.group(1).split():
            start = tag.start()
            break
    else:
        return []
    end = html.find("</form>", start)
    reader = _FormReader(css_class)
    reader.feed(html[start:] if end < 0 else html[start:end + len("</form>")])
    return reader.fields


# Running it -------------------------------------------------------------------------------------

def run(the_cast: Cast, make_transport: Callable[[], object], *, threads: int, duration: float,
        warmup: float, steps: int | None = None) -> dict:
    """The team day for `duration` seconds after `warmup`, from `threads` threads; returns every number.

    The people are dealt out to the threads in turn; each thread has its own transport. `steps`
    stops each thread after that many of its draws instead (the tests' way to a repeatable run).
    """
    counting_from = perf_counter() + warmup
    until = counting_from + duration
    shares = [the_cast.people[n::threads] for n in range(threads)]
    days = [Day(make_transport(), people, seed=f"mix:{n}", counting_from=counting_from, until=until, steps=steps)
            for n, people in enumerate(shares) if people]
    tallies: list[Tally] = [Tally() for _ in days]
    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            tallies[n] = days[n].run()
        except BaseException as exc:  # reported below: a bug in the load generator is not a server error
            failures.append(exc)

    if len(days) == 1:
        work(0)
    else:
        workers = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(len(days))]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    if failures:
        raise failures[0]
    if steps is not None:
        duration = min(duration, perf_counter() - counting_from)
    return summarise(tallies, the_cast, threads=len(days), duration=duration, warmup=warmup,
                     reconnects=sum(day.transport.reconnects for day in days))


def summarise(tallies: list[Tally], the_cast: Cast, *, threads: int, duration: float, warmup: float,
              reconnects: int = 0) -> dict:
    statuses: dict[str, Counter] = defaultdict(Counter)
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: Counter = Counter()
    for tally in tallies:
        for label, counted in tally.statuses.items():
            statuses[label].update(counted)
        for label, times in tally.latencies.items():
            latencies[label] += times
        errors.update(tally.errors)
    labels = sorted(statuses, key=lambda label: (list(WEIGHTS).index(label.split()[0]), label))
    kinds = {}
    for label in labels:
        times = latencies[label]
        kinds[label] = {
            "requests": sum(statuses[label].values()),
            "statuses": {str(status): n for status, n in sorted(statuses[label].items())},
            "errors": errors[label],
            "p50_ms": round(percentile(times, 0.5), 1) if times else None,
            "p95_ms": round(percentile(times, 0.95), 1) if times else None,
        }
    every = [time for times in latencies.values() for time in times]
    answered = sum(len(times) for times in latencies.values())
    by_kind = Counter()
    for label, measured in kinds.items():
        by_kind[label.split()[0]] += measured["requests"]
    return {
        "people": len(the_cast.people), "teams": len(the_cast.teams), "threads": threads,
        "duration": duration, "warmup": warmup,
        "requests": answered, "rps": round(answered / duration, 1) if duration else 0.0,
        "errors": sum(errors.values()),
        "writes": sum(by_kind[kind] for kind in ("autosave", "submit", "reply", "comment", "card")),
        "by_kind": dict(by_kind),
        "latency_p50_ms": round(percentile(every, 0.5), 1) if every else None,
        "latency_p95_ms": round(percentile(every, 0.95), 1) if every else None,
        "kinds": kinds,
        "error_samples": [sample for tally in tallies for sample in tally.samples][:10],
        "reconnects": reconnects,
    }


def in_process(spec: dataset.Spec, *, duration: float, steps: int | None = None) -> dict:
    """The mix through Django's test Client in this process, one request at a time: each kind's server time.

    Tasks the requests queue (e-mails) are counted, not sent: in-process they would go to whatever
    broker this process is configured with.
    """
    queued = Counter()

    def hold(task, args=None, kwargs=None, **options):
        queued[task.name] += 1

    with restoring(spec) as restored, measuring(), mock.patch("celery.app.task.Task.apply_async", new=hold):
        the_cast = cast(spec)
        keys = sign_in(the_cast.people)
        try:
            result = run(the_cast, ClientTransport, threads=1, duration=duration, warmup=0, steps=steps)
        finally:
            sign_out(keys)
    result["tasks_queued"] = dict(queued)
    result["cleanup"] = restored
    return result


def served(spec: dataset.Spec, port: int, *, secret_key: str, connections: int, duration: float,
           warmup: float, steps: int | None = None) -> dict:
    """The mix against the gunicorn on `port` (whose SECRET_KEY is `secret_key`), from `connections` threads."""
    with restoring(spec) as restored:
        the_cast = cast(spec)
        keys = sign_in(the_cast.people, secret_key=secret_key)
        try:
            result = run(the_cast, lambda: HttpTransport(port), threads=connections, duration=duration, warmup=warmup,
                         steps=steps)
        finally:
            sign_out(keys)
    result["cleanup"] = restored
    return result


# Leaving the dataset as it was --------------------------------------------------------------------

def _scopes(spec: dataset.Spec) -> dict:
    """Each kind of row the mix writes, limited to the bench's organisation (or its people)."""
    org = {"slug": spec.slug}
    people = {"email__startswith": f"{spec.scale}.", "email__endswith": f"@{dataset.EMAIL_DOMAIN}"}
    return {
        KeyResultProgress: {f"key_result__goal__charter__team__organisation__{k}": v for k, v in org.items()},
        Notification: {f"recipient__{k}": v for k, v in people.items()},
        Delivery: {f"recipient__{k}": v for k, v in people.items()},
        Reply: {f"check_in__team__organisation__{k}": v for k, v in org.items()},
        Blocker: {f"check_in__team__organisation__{k}": v for k, v in org.items()},
        KeyResultUpdate: {f"check_in__team__organisation__{k}": v for k, v in org.items()},
        CheckIn: {f"team__organisation__{k}": v for k, v in org.items()},
        Comment: {f"charter__team__organisation__{k}": v for k, v in org.items()},
        RetroCard: {f"retrospective__team__organisation__{k}": v for k, v in org.items()},
    }


def _project_models() -> list:
    """Every model of the project's own apps with an integer id (what a write path could add rows to)."""
    found = []
    for config in apps.get_app_configs():
        if config.name == "bench" or not config.path.startswith(str(settings.BASE_DIR)) or ".venv" in config.path:
            continue
        for model in config.get_models():
            if model._meta.pk.get_internal_type() in ("AutoField", "BigAutoField", "IntegerField", "BigIntegerField"):
                found.append(model)
    return found


@contextmanager
def restoring(spec: dataset.Spec) -> Iterator[dict]:
    """Run the mix, then leave the dataset as it was; yields the report of the clean-up, filled in afterwards.

    While the mix runs, the organisation's name says so: a run stopped half-way leaves a name that no
    longer matches the dataset's fingerprint, so the next run builds it again rather than measuring a
    week half checked in.
    """
    organisation = Organisation.objects.get(slug=spec.slug)
    name = organisation.name
    marks = {model: model.objects.aggregate(top=Max("pk"))["top"] or 0 for model in _project_models()}
    rows_before = dataset.total_rows(spec)
    versions = {pk: (version, changed) for pk, version, changed in Retrospective.objects.filter(
        team__organisation=organisation).values_list("pk", "version", "changed_at")}
    Organisation.objects.filter(pk=organisation.pk).update(name=name[: 200 - len(MIXING)] + MIXING)
    report: dict = {}
    try:
        yield report
    finally:
        started = perf_counter()
        report.update(_undo(spec, marks, versions))
        rows_after = dataset.total_rows(spec)
        report["changed_rows"] = {key: [rows_before[key], rows_after[key]] for key in rows_before
                                  if rows_before[key] != rows_after[key]}
        report["clean"] = not report["unknown"] and not report["changed_rows"]
        if report["clean"]:
            Organisation.objects.filter(pk=organisation.pk).update(name=name)
        report["seconds"] = round(perf_counter() - started, 2)


def _undo(spec: dataset.Spec, marks: dict, versions: dict) -> dict:
    scopes = _scopes(spec)
    deleted = {}
    with transaction.atomic():
        added = KeyResultProgress.objects.filter(pk__gt=marks[KeyResultProgress], **scopes[KeyResultProgress])
        lineages = set(added.values_list("lineage_id", flat=True))
        for model, scope in scopes.items():
            count = model.objects.filter(pk__gt=marks[model], **scope).delete()[0]
            if count:
                deleted[model._meta.label] = count
        for lineage in lineages:  # the newest reading left is the latest again
            history = KeyResultProgress.objects.filter(lineage_id=lineage)
            newest = history.order_by("-recorded_at", "-pk").values_list("pk", flat=True).first()
            history.filter(is_latest=True).exclude(pk=newest).update(is_latest=False)
            history.filter(pk=newest, is_latest=False).update(is_latest=True)
        retros = Retrospective.objects.in_bulk(list(versions))
        for pk, (version, changed) in versions.items():
            retro = retros.get(pk)
            if retro is not None and (retro.version, retro.changed_at) != (version, changed):
                retro.version, retro.changed_at = version, changed
                retro.save(update_fields=["version", "changed_at"])
    unknown = {model._meta.label: count for model in marks if model not in scopes
               for count in [model.objects.filter(pk__gt=marks[model]).count()] if count}
    return {"deleted": deleted, "unknown": unknown}


# Reading the numbers ----------------------------------------------------------------------------

def describe_weights() -> str:
    total = sum(WEIGHTS.values())
    return ", ".join(f"{kind} {math.floor(weight * 100 / total)}%" for kind, weight in WEIGHTS.items())
