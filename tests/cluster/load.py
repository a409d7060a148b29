"""A bounded load through the load balancer: signed-in readers and writers, each on a keep-alive connection.

Writers type their check-in (htmx autosaves, then the submit), add cards to their team's live
retrospective, or consent to their team's proposed charter, and read each write back at once, on
whichever node the balancer picks next: a write their next page does not show is counted. Readers go
round the key pages, the replica's allowlisted ones among them, and note which database answered.

The requests are sent as the bench sends them (`bench.mix`: its keep-alive transport and form reader;
`bench.serve`: the sign-in through the real login form), to haproxy rather than to one gunicorn.
"""

from __future__ import annotations

import http.client
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

from bench import mix, serve

# Where a page's reads went, "replica" or "primary" (config/replica.py, with DATABASE_READS_HEADER on).
SERVED_BY_HEADER = "X-Database-Reads"
HTMX = {"HX-Request": "true"}


@dataclass
class Visitor:
    """A signed-in person as the transport sees them: the cookies a browser would keep."""

    email: str
    cookies: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    kind: str
    path: str
    started: float
    finished: float
    status: int  # 0: no answer (the connection failed)
    served_by: str = ""
    problem: str = ""


@dataclass
class Record:
    """Everything the load saw, shared by its threads."""

    requests: list[Request] = field(default_factory=list)
    writes: list[dict] = field(default_factory=list)  # each write and whether the next page showed it
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, request: Request) -> None:
        with self.lock:
            self.requests.append(request)

    def wrote(self, kind: str, *, shown: bool, path: str) -> None:
        with self.lock:
            self.writes.append({"kind": kind, "shown": shown, "path": path, "at": time.time()})


def sign_in(port: int, email: str, password: str) -> Visitor:
    jar = SimpleCookie()
    jar.load(serve.log_in(port, email, password))
    return Visitor(email, {name: morsel.value for name, morsel in jar.items()})


class Session:
    """One person's keep-alive connection to the balancer; every request is recorded with what answered it."""

    def __init__(self, port: int, visitor: Visitor, record: Record):
        self.transport, self.visitor, self.record = _Transport(port), visitor, record

    def send(self, kind: str, method: str, path: str, *, expected: set[int], form=None,
             headers=None) -> mix.Answer | None:
        started = time.time()
        try:
            answer = self.transport.send(self.visitor, method, path, form=form, headers=headers)
        except mix.Failed as exc:
            self.record.add(Request(kind, path, started, time.time(), 0, problem=str(exc)))
            return None
        served_by = self.transport.last_served_by
        problem = "" if answer.status in expected else answer.body[:300]
        self.record.add(Request(kind, path, started, time.time(), answer.status, served_by, problem))
        return answer if answer.status in expected else None

    def close(self) -> None:
        self.transport.close()


class _Connection(http.client.HTTPConnection):
    """A connection that keeps the header saying which database served its last answer."""

    served_by = ""

    def getresponse(self):
        response = super().getresponse()
        self.served_by = response.headers.get(SERVED_BY_HEADER, "")
        return response


class _Transport(mix.HttpTransport):
    """The bench's transport on a connection that notes which database served each answer."""

    last_served_by = ""

    def send(self, person, method, path, *, form=None, headers=None):
        if self.connection is None:
            self.connection = _Connection(mix.HOST, self.port, timeout=30)
        connection, self.last_served_by = self.connection, ""
        answer = super().send(person, method, path, form=form, headers=headers)
        self.last_served_by = connection.served_by
        return answer


def reader(session: Session, pages: list[str], until: float, rng: random.Random) -> None:
    while time.time() < until:
        session.send("read", "GET", rng.choice(pages), expected={200})


def check_in_writer(session: Session, person: dict, until: float, rng: random.Random) -> None:
    """Type a check-in a few words at a time (each autosave read back), submit it, then add retrospective cards."""
    saves, submitted = rng.randint(3, 6), False
    while time.time() < until:
        if submitted or rng.random() < 0.3:
            _card(session, person, rng)
            continue
        page = session.send("read", "GET", person["this_week"], expected={200})
        form = mix.read_form(page.body, "checkin-form") if page else []
        if not form:
            continue
        marker = f"progress {uuid.uuid4().hex[:10]}"
        typed = [(name, marker if name == "progress" else value) for name, value in form if name != "add_blocker"]
        if saves > 0:
            saves -= 1
            if session.send("autosave", "POST", person["save_draft"], form=typed, headers=HTMX, expected={200}):
                _read_back(session, "autosave", person["this_week"], marker)
            continue
        typed = [(name, value) for name, value in typed if name != "load" and not name.startswith("kr_")]
        typed.append(("load", mix.LOAD))
        for name in {name.rsplit("_", 1)[0] for name, _ in form if name.startswith("kr_")}:
            typed += [(f"{name}_value", f"{rng.uniform(10, 90):.2f}"), (f"{name}_confidence", "on_track")]
        if session.send("submit", "POST", person["submit"], form=typed, expected={302}):
            submitted = True
            _read_back(session, "submit", person["this_week"], marker)


def consenting_writer(session: Session, person: dict, until: float, rng: random.Random) -> None:
    """Consent to the team's proposed amendment once (read back on the amendment's page), then read its pages."""
    form = [("kind", "consent"), ("reason", ""), ("revision", str(person["revision"]))]
    if session.send("consent", "POST", person["respond"], form=form, headers=HTMX, expected={200}):
        _read_back(session, "consent", person["amendment"], "You said: <strong>Consent</strong>")
    reader(session, person["pages"], until, rng)


def _card(session: Session, person: dict, rng: random.Random) -> None:
    text = f"card {uuid.uuid4().hex[:10]}"
    form = [("prompt", str(rng.choice(person["prompts"]))), ("text", text), ("token", str(uuid.uuid4()))]
    if session.send("card", "POST", person["card"], form=form, headers=HTMX, expected={200}):
        _read_back(session, "card", person["retro"], text)


def _read_back(session: Session, kind: str, path: str, marker: str) -> None:
    """The writer's next page, from whichever node answers: it must show what was just written."""
    page = session.send("read back", "GET", path, expected={200})
    if page is not None:
        session.record.wrote(kind, shown=marker in page.body, path=path)
