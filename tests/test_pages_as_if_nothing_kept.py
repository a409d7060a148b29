"""Every page, read right after a change, is the page drawn with nothing kept.

What every reader reads alike is drawn once and kept under the version of what it draws
(`alignment/fragments.py`, docs/performance.md), so no writer has to remember to forget a page. This holds
that the way a probe of a busy day would, across the whole site rather than one part at a time:

- the demo organisation, read by five people in different roles (a leader who is also an organisation admin,
  a member, a facilitator, another team's member, an admin in no team), each reading every kind of page they
  reach by following links from home that keeps something for the next reader (a page that keeps nothing is
  drawn whole at every reading);
- changed, a step at a time, through the forms people use, sent without JavaScript (check-ins, replies,
  comments, consent, the charter's items, readings, the retrospective, names, time zones, roles, tags, team
  settings, people moved and removed...);
- after each step, every page is read by every reader with all that was kept before it, and compared with
  the same page drawn after everything kept was forgotten (the shared cache, each process's parts at hand,
  what is drawn once per process). Only the CSRF and form tokens, new at every reading, are set aside.

Each change must show on the page it is made on, so a form refused (or sent nowhere) cannot pass for a change
that every page read right.
The clock stands still but where the test moves it, so "3 minutes ago" reads the same in both drawings. And a
live retrospective's board, polled from what its page showed before the step once the board is due to be drawn
again (`reviews.retro.live.RECHECK_SECONDS` on), may answer "nothing new" only if the board is unchanged.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.template import defaultfilters
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.timesince import timesince

from alignment import two_factor
from alignment.models import Membership, Team, User
from asks.models import Ask
from charters.models import Boundary, Comment, Goal, NonNegotiable, OrganisationGoal, OrganisationTag
from checkins.models import Commitment
from decisions.models import Decision
from reviews.retro import live
from reviews.retro.models import Retrospective
from tests.alignment.reading import forms, links
from tests.cast import forget_what_was_kept

pytestmark = pytest.mark.django_db

ORG = "/o/harbour-health/"
PLATFORM = ORG + "t/platform/"
GROWTH = ORG + "t/growth/"
KWAME = "kwame.mensah@example.com"  # a member of Platform who reads no page here

READERS = {
    "leader": "leader@example.com",  # leads Platform, and an organisation admin
    "member": "member@example.com",  # a member of Platform
    "facilitator": "facilitator@example.com",
    "outsider": "outsider@example.com",  # a member of Growth
    "admin": "admin@example.com",  # an organisation admin in no team
}

# Not pages: downloads, feeds, and what signs out or sets up sign-in.
NOT_PAGES = ("account", "mfa", "logout", "admin:", "notifications:calendar_ics", "charters:markdown",
             "organisation_audit_csv", "reviews:retro_export_markdown", "data_export_download", "socialaccount")
# A live retrospective board's poll: where it asks what changed since the board the page shows.
LIVE_POLL = re.compile(r'hx-get="([^"]*/live/\?v=[^"]*)"')
# What a reading writes to the cache that is not kept for the next reader: the session, and two-factor's flags.
NOT_KEPT = ("django.contrib.sessions", two_factor.ANYWHERE, two_factor.POLICY_STAMP)
# Tokens new at every reading, and the form's own double-submit token.
FRESH = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": "|name="token" value=")[^"]*')


def _kind(path: str, query: str) -> tuple | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
    if any(name.startswith(prefix) for prefix in NOT_PAGES):
        return None
    return name, tuple(sorted(pair.split("=")[0] for pair in query.split("&") if pair))


def crawl(client: Client) -> list[str]:
    """The pages a reader reaches by following links from home that keep something: the first of each kind (its
    URL's name and the names of its query's keys)."""
    seen, kinds, pages, queue = set(), set(), [], ["/"]
    while queue:
        url = queue.pop(0)
        parts = urlsplit(url)
        if url in seen or parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        seen.add(url)
        kind = _kind(parts.path, parts.query)
        if kind is None or kind in kinds:
            continue
        forget_what_was_kept()
        response = client.get(url)
        if response.status_code != HTTPStatus.OK or not response["Content-Type"].startswith("text/html"):
            continue
        kinds.add(kind)
        if _kept_anything():
            pages.append(url)
        queue.extend(href.split("#")[0] for href in links(response.content))
    return pages


def _kept_anything() -> bool:
    """Whether the page just read kept anything in the shared cache for the next reader (a part, a value, the
    map's signals). A page that keeps nothing is drawn whole from the database at every reading, so it cannot
    read a stale part; what it draws once per process (the site's header) other pages draw too."""
    return any(not key.startswith(NOT_KEPT, key.index(":", 1) + 1) for key in cache._cache)


@dataclass(frozen=True)
class Change:
    what: str
    who: str
    page: str | Callable[[], str]  # each may be a function, for what is known only once the demo is built
    action: str | Callable[[], str]  # a pattern of where the form is sent
    values: dict | Callable[[], dict] = field(default_factory=dict)
    having: dict | Callable[[], dict] = field(default_factory=dict)  # values the form already holds
    every: bool = False  # send every such form on the page, not only the first
    shows_on: str = ""  # the page it must change, when not the one it is made on (a blank form for a new item)

    def as_built(self) -> Change:
        """The change with its page, form and values worked out for the demo as it is now."""
        return replace(self, **{name: value() for name in ("page", "action", "values", "having")
                                if callable(value := getattr(self, name))})


@dataclass
class Site:
    clients: dict[str, Client]
    pages: dict[str, list[str]]
    set_clock: Callable[[datetime], None]

    def later(self, seconds: float) -> None:
        self.set_clock(timezone.now() + timedelta(seconds=seconds))

    def read_all(self) -> dict[tuple[str, str], tuple[int, str]]:
        read = {}
        for who, urls in self.pages.items():
            for url in urls:
                response = self.clients[who].get(url)
                read[who, url] = response.status_code, _without_tokens(response)
        return read

    def boards(self, read: dict) -> dict[tuple[str, str], tuple[str, str]]:
        """Each live retrospective board among the pages read: where its poll asks what changed since the board
        the page shows, and the whole board as a poll that finds news would send it now."""
        boards = {}
        for (who, url), (_, html) in read.items():
            if poll := LIVE_POLL.search(html):
                asks = poll.group(1).replace("&amp;", "&")
                boards[who, url] = asks, self._whole_board(who, asks)
        return boards

    def _whole_board(self, who: str, asks: str) -> str:
        response = self.clients[who].get(re.sub(r"\?.*", "?v=none&b=", asks), headers={"HX-Request": "true"})
        assert response.status_code == HTTPStatus.OK
        return _without_tokens(response)

    def polls_miss_nothing(self, boards: dict) -> list[str]:
        """The cells whose board changed while its poll, asking from the board the page showed once that was long
        enough ago for the board to be drawn again (`live.RECHECK_SECONDS`), was answered "nothing new" (204)."""
        self.later(live.RECHECK_SECONDS)
        missed = []
        for (who, url), (asks, board) in boards.items():
            answer = self.clients[who].get(asks, headers={"HX-Request": "true"})
            if answer.status_code == HTTPStatus.NO_CONTENT and (now := self._whole_board(who, asks)) != board:
                diff = difflib.unified_diff(board.splitlines(), now.splitlines(), "shown", "now", lineterm="", n=0)
                missed.append(f"{who} polling {url}:\n" + "\n".join(line[:300] for line in list(diff)[:12]))
        return missed

    def act(self, change: Change) -> None:
        """Open the change's page as its person, fill the first POST form sent where its action says (and
        holding what `having` says) as a person would: every field as the page sets it, then the change's
        values; send it without JavaScript and follow where it leads."""
        client, page, action, values = self.client(change.who), change.page, change.action, change.values
        on_page = forms(client.get(page).content)
        found = [(to, form.values) for form in on_page if form.method == "post" for to in form.sent_to
                 if re.search(action, to)
                 and all(form.values.get(name) == [value] for name, value in change.having.items())]
        assert found, f"{change.who} finds no form to {action} on {page}: {on_page}"
        for to, data in found if change.every else found[:1]:
            data = {**data, **{name: value if isinstance(value, list) else [value]
                               for name, value in values.items()}}
            response = client.post(to.replace("&amp;", "&"), data)
            if response.status_code == HTTPStatus.OK:  # a page asking to confirm, as the browser has no script
                to, data = next((to, form.values) for form in forms(response.content) for to in form.sent_to
                                if form.method == "post" and re.search(action, to))
                response = client.post(to.replace("&amp;", "&"), data)
            assert response.status_code == HTTPStatus.FOUND, (
                f"{change.who} sent {to}: {response.status_code} {_why(response.content.decode())}")
            client.get(response["Location"])  # where the browser goes next, and reads what it was told

    def read_own(self, change: Change) -> str:
        """The page the change is made on (or shows on), as its person reads it."""
        return _without_tokens(self.client(change.who).get(change.shows_on or change.page))

    def client(self, who: str) -> Client:
        """A reader's browser, or that of anyone else in the demo (by e-mail address) who makes a change."""
        if who not in self.clients:
            self.clients[who] = _signed_in(who)
        return self.clients[who]


# What the changes are made on, found by what the demo names them: their ids depend on what the database made
# before (PostgreSQL's sequences go on across tests).

def _signed_in(email: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(email=email))
    return client


def _without_tokens(response) -> str:
    """The page as read, with the tokens new at every reading set aside."""
    return FRESH.sub(r"\1~", response.content.decode())


def _membership(email: str, team: str = "platform") -> int:
    return Membership.objects.get(user__email=email, team__slug=team).pk


def _retrospective() -> str:
    """Platform's session of this cycle, not yet closed."""
    return PLATFORM + f"retrospectives/{Retrospective.objects.exclude(phase='closed').get(team__slug='platform').pk}/"


def _commitment() -> int:
    return Commitment.objects.get(owner__email="member@example.com",
                                  title="Prototype compressing scanned referral letters").pk


def _decision() -> int:
    return Decision.objects.get(team__slug="platform", title="Cache the dashboard for the regional office").pk


def _non_negotiable() -> int:
    return NonNegotiable.objects.get(charter__team__slug="platform", charter__number=2,
                                     title="Patient data never leaves the clinical network").pk


def _first_comment() -> int:
    """The amendment's first thread the demo started."""
    return Comment.objects.filter(charter__team__slug="platform", charter__number=2, parent=None).order_by("pk") \
        .first().pk


def _boundary() -> int:
    return Boundary.objects.filter(charter__team__slug="platform", charter__number=2).order_by("pk").first().pk


def _goal_of_amendment() -> int:
    return Goal.objects.filter(charter__team__slug="platform", charter__number=2).order_by("pk").first().pk


def _tag() -> int:
    return OrganisationTag.objects.get(organisation__slug="harbour-health", name="Booking flow").pk


def _goal() -> int:
    return OrganisationGoal.objects.filter(organisation__slug="harbour-health").order_by("pk").first().pk


def _request() -> int:
    return Ask.objects.get(receiving_team__slug="growth").pk


def _why(html: str) -> str:
    """What a refused form says, in place."""
    said = re.findall(r'<[^>]+(?:role="alert"|class="[^"]*(?:error|message)[^"]*")[^>]*>(.*?)</', html, re.S)
    return "; ".join(re.sub(r"<[^>]+>|\s+", " ", one).strip() for one in said)[:800]


def _differences(kept: dict, fresh: dict) -> list[str]:
    differing = []
    for cell, (status, html) in kept.items():
        fresh_status, fresh_html = fresh[cell]
        if (status, html) != (fresh_status, fresh_html):
            diff = difflib.unified_diff(fresh_html.splitlines(), html.splitlines(), "drawn fresh", "read kept",
                                        lineterm="", n=1)
            differing.append(f"{cell}: status {status} kept, {fresh_status} fresh\n" + "\n".join(
                line[:300] for line in list(diff)[:30]))
    return differing


@pytest.fixture
def site(demo_seeded_once, frozen, monkeypatch):
    frozen(timezone.now())  # and moved on by the test alone
    # `|timesince` reads the machine's clock unless told the time: tell it the clock that stands still.
    monkeypatch.setattr(defaultfilters, "timesince", lambda value, now=None: timesince(value, now or timezone.now()))
    clients = {who: _signed_in(email) for who, email in READERS.items()}
    site = Site(clients, {who: crawl(client) for who, client in clients.items()}, frozen)
    # The crawl finds the key pages, each keeping something (else the comparison would hold nothing to account).
    assert {ORG, PLATFORM, PLATFORM + "charter/", PLATFORM + "charter/v2/", PLATFORM + "check-ins/week/",
            PLATFORM + "check-ins/trends/", PLATFORM + "cycles/3/", _retrospective()} \
        <= set(site.pages["leader"])
    return site


def run(site: Site, steps: list[list[Change]], django_capture_on_commit_callbacks) -> None:
    """Make each step's changes, then read every page kept and fresh. A step's changes touch different things,
    so that none of them draws anew what another left kept."""
    forget_what_was_kept()
    read = site.read_all()
    for step in steps:
        boards = site.boards(read)
        for change in (change.as_built() for change in step):
            before = site.read_own(change)
            with django_capture_on_commit_callbacks(execute=True):
                site.act(change)
            assert site.read_own(change) != before, f"{change.what} did not change its own page"
        what = ", ".join(change.what for change in step)
        missed = site.polls_miss_nothing(boards)
        assert not missed, f"after {what}, a live board's poll said nothing changed:\n" + "\n".join(missed)
        kept = site.read_all()
        forget_what_was_kept()
        read = fresh = site.read_all()
        differing = _differences(kept, fresh)
        assert not differing, f"after {what}, {len(differing)} page(s) read what was kept before:\n" \
            + "\n\n".join(differing[:3])


A_WEEK = [
    [Change("a member's draft saved", "member", PLATFORM + "check-ins/this-week/", r"/this-week/draft/$",
            {"progress": "Half way through the alert rules."})],
    [Change("a member's check-in submitted", "member", PLATFORM + "check-ins/this-week/", r"/this-week/submit/$",
            {"progress": "Moved the alert rules to the new pager.", "highlights": "Paired with Kwame.",
             "load": "about_right"}),
     Change("the facilitator's check-in submitted", "facilitator", PLATFORM + "check-ins/this-week/",
            r"/this-week/submit/$", {"progress": "Ran the pager drill.", "highlights": "Nobody was paged twice.",
                                     "load": "light"})],
    [Change("the leader's reply", "leader", PLATFORM + "check-ins/week/", r"/check-ins/\d+/reply/$",
            {"body": "Thanks: shall we take the pager rota to the retro?"}),
     Change("a blocker resolved", "leader", PLATFORM + "check-ins/week/", r"/blockers/\d+/resolve/$",
            {"resolution": "The vendor fixed the webhook."}),
     Change("a renegotiation accepted", "leader", PLATFORM + "check-ins/week/", r"/renegotiations/\d+/decide/$",
            {"decision": "accept", "comment": "Fair, with the migration in the way."})],
    [Change("a check-in acknowledged", "leader", PLATFORM + "check-ins/week/", r"/check-ins/\d+/acknowledge/$"),
     Change("a commitment made", "member", PLATFORM + "commitments/", r"/commitments/new/$",
            {"title": "Write the pager runbook", "standard": "Someone new can follow it at 3 a.m.",
             "due_on": "2026-12-18"}),
     Change("a commitment done", "member", lambda: PLATFORM + f"commitments/{_commitment()}/", r"/done/$")],
    [Change("a member renamed", "member", "/accounts/profile/", r"^/accounts/profile/$",
            {"display_name": "Tomás Reyes Ortiz"})],
    [Change("a member's time zone", "member", "/accounts/profile/", r"^/accounts/profile/$",
            {"time_zone": "America/New_York"})],
]

THE_CHARTER = [
    [Change("a comment on the amendment", "member", PLATFORM + "charter/v2/", r"/comments/$",
            {"body": "Does the pager rule cover weekends?"}, having={"section": "purpose", "parent": ""}),
     Change("a key result's reading", "leader", PLATFORM + "charter/v1/", r"/key-results/\d+/progress/$",
            {"value": "99.7", "confidence": "on_track"}),
     Change("a tag renamed", "admin", lambda: ORG + f"tags/{_tag()}/", lambda: rf"/tags/{_tag()}/$",
            {"name": "Booking and referrals"})],
    [Change("a reply to a comment", "leader", PLATFORM + "charter/v2/", r"/comments/$",
            {"body": "It does: the rota covers them."}, having=lambda: {"parent": str(_first_comment())}),
     Change("an organisation key result's reading", "admin", lambda: ORG + f"goals/{_goal()}/",
            r"/key-results/\d+/reading/$", {"value": "70", "confidence": "at_risk"}),
     Change("a decision changed", "leader", lambda: PLATFORM + f"decisions/{_decision()}/",
            lambda: rf"/decisions/{_decision()}/$",
            {"outcome": "decline", "reason": "The regional office can wait for the new reports."})],
    [Change("a comment resolved", "leader", PLATFORM + "charter/v2/", r"/comments/\d+/resolve/$"),
     Change("a request between teams answered", "outsider", lambda: GROWTH + f"requests/{_request()}/",
            r"/comment/$", {"body": "Growth is happy to be consulted on the booking copy."}),
     Change("an objection", KWAME, PLATFORM + "charter/v2/", r"/respond/$",
            {"kind": "objection", "reason": "The standard should name who is paged first."})],
    [Change("the objection answered", "leader", PLATFORM + "charter/v2/", r"/responses/\d+/answer/$",
            {"answer": "kept", "text": "The rota names them; the standard need not."}),
     Change("the team renamed", "leader", PLATFORM + "settings/", r"/settings/$", {"name": "Platform and Tools"})],
    [Change("the purpose edited", "leader", PLATFORM + "charter/v2/edit/purpose/", r"/edit/purpose/$",
            {"purpose_statement": "Give every clinician and coordinator one calm place to work."})],
    [Change("a non-negotiable reworded", "leader",
            lambda: PLATFORM + f"charter/v2/items/non_negotiable/{_non_negotiable()}/",
            lambda: rf"/items/non_negotiable/{_non_negotiable()}/$", {"title": "Nobody is paged twice for one alert"}),
     Change("a boundary's guardrails", "leader", lambda: PLATFORM + f"charter/v2/items/boundary/{_boundary()}/",
            lambda: rf"/items/boundary/{_boundary()}/$", {"guardrails": "The Caldicott Guardian signs off on both."}),
     Change("an organisation goal reworded", "admin", lambda: ORG + f"goals/{_goal()}/edit/", r"/edit/$",
            {"objective": "Clinicians trust every referral they send"})],
    [Change("a non-negotiable moved", "leader", PLATFORM + "charter/v2/", r"/items/non_negotiable/\d+/down/$"),
     Change("a key result added", "leader",
            lambda: PLATFORM + f"charter/v2/items/goal/{_goal_of_amendment()}/key-results/new/", r"/key-results/new/$",
            {"metric": "Pages answered within 5 minutes", "unit": "%", "start_value": "60", "target_value": "95",
             "current_value": "70", "confidence": "on_track"}, shows_on=PLATFORM + "charter/v2/")],
    [Change(f"{who}'s consent", who, PLATFORM + "charter/v2/", r"/respond/$", {"kind": "consent"})
     for who in ("member", KWAME, "facilitator", "hannah.becker@example.com", "grace.adeyemi@example.com")],
    [Change("the amendment ratified", "leader", PLATFORM + "charter/v2/", r"/ratify/$")],
]

THE_REVIEW = [
    [Change("the retrospective started", "facilitator", _retrospective, r"/advance/$")],
    [Change("last session's actions reviewed", "facilitator", _retrospective,
            r"/last-actions/\d+/review/$", {"review": "done"}, every=True)],
    [Change("collecting started", "facilitator", _retrospective, r"/advance/$")],
    [Change("a card", "member", _retrospective, r"/cards/$",
            {"text": "The pager rota worked: nobody was paged twice."}),
     Change("a role given", "leader", PLATFORM, lambda: rf"/members/{_membership(KWAME)}/roles/$",
            {"roles": ["member", "facilitator"]})],
    [Change("a member removed", "leader", PLATFORM, lambda: rf"/members/{_membership(KWAME)}/remove/$"),
     Change("a member moved to another team", "admin",
            lambda: ORG + f"memberships/{_membership('hannah.becker@example.com')}/move/", "/move/$",
            lambda: {"to_team": str(Team.objects.get(slug="growth").pk)})],
    [Change("the cycle closed", "leader", PLATFORM + "cycles/3/", r"/close/$",
            {"summary": "A calm cycle: the pager rota held."}),
     Change("a person deactivated", "admin", ORG + "people/",
            lambda: rf"/people/{User.objects.get(email='grace.adeyemi@example.com').pk}/deactivate/")],
    [Change("the team archived", "leader", PLATFORM + "settings/", r"/archive/$")],
]


def test_every_page_read_after_each_change_is_the_page_drawn_with_nothing_kept(site,
                                                                            django_capture_on_commit_callbacks):
    """One test, so that the demo is built and crawled once: the stories follow each other in one organisation,
    the review last, as it takes two people out of Platform."""
    run(site, A_WEEK + THE_CHARTER + THE_REVIEW, django_capture_on_commit_callbacks)

