"""The key pages, and what each costs in-process: queries, server time and response size.

Each page is read by someone who may see all of it: team 0's leader, who is also a member
(so "this week" is theirs to write, the retrospective's cards and votes theirs to cast, and the
cycle theirs to close), an organisation admin, and the owner of the notifications read; or for
the proposed amendment team 1's leader (also a member, so the consent panel is theirs too).

Pages are requested through Django's test `Client` in this process, with DEBUG off and the
site's whole middleware stack: after `warmup` requests, one request counted with
`CaptureQueriesContext`, then `requests` timed ones for the p50 and p95.

Every reading renders the page: there is no per-reader page cache. What every reader of the same content
reads alike is kept (`alignment.fragments`, `alignment.drawn_once`), so a page is also measured as the first
reader after a change finds it: `requests` more readings, each after every kept part and value was made
unreachable (`after_a_change`), as a deploy does; any other change makes only its own parts unreachable, so
these readings bound it. Their first is counted too: a first reader runs queries a kept value saves the next.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from itertools import count
from time import perf_counter
from unittest import mock

from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alignment import drawn_once, fragments
from alignment.models import User
from bench.dataset import Handles

# The bench's own URLconf: the site's URLs plus the bare page, whatever BENCH_BARE_PAGE says.
URLCONF = "bench.urlconf"


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    viewer: str  # the `Handles` field holding the reader's address
    url: Callable[[Handles], str]
    # Whether its size is held to the smaller scale's: not for a later page of a list or a search, which hold what
    # matches at each scale (at most a page of the list), so differ between the datasets by how many match.
    sized: bool = True


# The organisation map searched broadly ("a" is in most teams' names) and filtered by the signal read from the
# most rows (key results' readings that fell): a full page of teams at full scale.
MAP_SEARCH = "?q=a&filter=falling"


def _team_page(name: str) -> Callable[[Handles], str]:
    return lambda h: reverse(name, args=[h.org_slug, h.team_slug])


BARE = Page("bare", "Bare page (baseline)", "leader", lambda h: reverse("bench:bare"))
PAGES = [
    Page("home", "Home", "leader", lambda h: reverse("home")),
    Page("organisation", "Organisation", "leader", lambda h: reverse("organisation", args=[h.org_slug])),
    Page("organisation_page2", "Organisation, page 2", "leader",
         lambda h: reverse("organisation", args=[h.org_slug]) + "?page=2", sized=False),
    Page("organisation_search", "Organisation, search+filter", "leader",
         lambda h: reverse("organisation", args=[h.org_slug]) + MAP_SEARCH, sized=False),
    Page("team", "Team", "leader", _team_page("team")),
    Page("charter", "Charter (active version)", "leader", _team_page("charters:detail")),
    Page("charter_proposed", "Charter (proposed amendment)", "proposer",
         lambda h: reverse("charters:detail", args=[h.org_slug, h.proposed_team_slug])),
    Page("history", "Charter history", "leader", _team_page("charters:history")),
    Page("compare", "Compare two versions", "leader",
         lambda h: reverse("charters:diff", args=[h.org_slug, h.team_slug]) + "?a={}&b={}".format(*h.compare)),
    Page("decisions", "Decision log", "leader", _team_page("decisions:list")),
    Page("this_week", "This week's check-in", "leader", _team_page("checkins:this_week")),
    Page("week", "The leader's week", "leader", _team_page("checkins:week")),
    Page("person", "A person's check-ins", "leader",
         lambda h: reverse("checkins:person", args=[h.org_slug, h.team_slug, h.person_id])),
    Page("trends", "Trends", "leader", _team_page("checkins:trends")),
    Page("cycle", "Review cycle (open)", "leader",
         lambda h: reverse("reviews:cycle", args=[h.org_slug, h.team_slug, h.cycle_number])),
    Page("retro", "Retrospective board (live)", "leader",
         lambda h: reverse("reviews:retrospective", args=[h.org_slug, h.team_slug, h.retro_id])),
    Page("notifications", "Notification centre", "leader", lambda h: reverse("notifications:list")),
]
ALL_PAGES = [BARE, *PAGES]


@contextmanager
def measuring() -> Iterator[None]:
    """The settings pages are measured under: production's DEBUG, and the bench's URLconf."""
    with override_settings(ROOT_URLCONF=URLCONF, DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]), \
            warnings.catch_warnings():
        # WhiteNoise with DEBUG off looks for collected static files; pages do not need them here.
        warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
        yield


def chosen(keys: list[str] | None) -> list[Page]:
    """The key pages named (all of them for None), in the table's order."""
    return [page for page in PAGES if keys is None or page.key in keys]


def urls(handles: Handles, pages: list[Page] = ALL_PAGES) -> dict[str, str]:
    with measuring():
        return {page.key: page.url(handles) for page in pages}


def measure_in_process(handles: Handles, *, requests: int, warmup: int, pages: list[Page] = PAGES,
                       log=None) -> dict[str, dict]:
    """Each page's (and the bare page's) status, queries with their SQL, size in bytes, server time p50/p95 in ms."""
    log = log or (lambda message: None)
    results, clients = {}, {}
    # Tasks a reading asks for (the map's signals worked out again after a change) are not sent: in-process they
    # would go to whatever broker this process is configured with, and no worker of the bench's reads it.
    with measuring(), mock.patch("celery.app.task.Task.apply_async", new=lambda *args, **kwargs: None):
        for page in [BARE, *pages]:
            client = clients.get(page.viewer)
            if client is None:
                client = clients[page.viewer] = Client(raise_request_exception=False)
                client.force_login(User.objects.get(email=getattr(handles, page.viewer)))
            results[page.key] = result = measure_page(client, page.url(handles), requests=requests, warmup=warmup)
            log(f"  {page.label}: {result['status']}, {result['queries']} queries, "
                f"p50 {result['p50_ms']:.1f} ms, {result['size']:,} bytes")
        for client in clients.values():
            client.session.delete()  # the session row the bench made
    return results


def measure_page(client: Client, url: str, *, requests: int, warmup: int) -> dict:
    """One page's numbers. Requests are made as https: with DEBUG off the site redirects plain http."""
    for _ in range(warmup):
        client.get(url, secure=True)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, secure=True)
    sql = [query["sql"] for query in queries.captured_queries]  # now: the next request empties the log
    times = _timed(client, url, requests)
    with after_a_change(), CaptureQueriesContext(connection) as queries:
        client.get(url, secure=True)
    first_sql = [query["sql"] for query in queries.captured_queries]
    first_times = _timed(client, url, requests, before_each=after_a_change)
    return {
        "url": url,
        "status": response.status_code,
        "queries": len(sql),
        "size": len(response.content),
        "p50_ms": round(percentile(times, 0.50), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "mean_ms": round(sum(times) / len(times), 2),
        "requests": len(times),
        "sql": sql,
        "first_queries": len(first_sql),
        "first_p50_ms": round(percentile(first_times, 0.50), 2),
        "first_p95_ms": round(percentile(first_times, 0.95), 2),
        "first_sql": first_sql,
    }


def _timed(client: Client, url: str, requests: int, *, before_each=None) -> list[float]:
    """Server times in ms of `requests` readings, each (timing only the request) inside `before_each()`, if given."""
    times = []
    for _ in range(requests):
        with before_each() if before_each else nullcontext():
            started = perf_counter()
            client.get(url, secure=True)
            times.append((perf_counter() - started) * 1000)
    return times


_releases = count()


@contextmanager
def after_a_change() -> Iterator[None]:
    """Every kept part and value out of reach, as after a deploy: a release never seen (kept parts and values are
    keyed by it), nothing at hand in the process, no drawing kept for its values. The shared cache is left as it
    is, as a deploy leaves it (sessions included); what the reading kept in it under that release is deleted
    after, since nobody will read it again (rather than left to expire a week on).

    What the process made of the code alone stays, as the compiled templates and the SQL kept per shape do: a blank
    form drawn with stand-ins (`drawn_once`'s `of_code_alone`) shows no content, so no change of content draws it
    again; a new process draws it at its first page that has one, once for all its pages."""
    fragments.near.clear()
    drawn_once.forget_all(keep_code_alone=True)
    stored = _Storing(fragments.cache)
    release = f"bench-first-{next(_releases)}"
    try:
        with mock.patch.object(fragments, "release", lambda: release), mock.patch.object(fragments, "cache", stored):
            yield
    finally:
        fragments.near.clear()
        if stored.keys:
            stored.cache.delete_many(stored.keys)


class _Storing:
    """The shared cache, noting every key stored through it."""

    def __init__(self, cache):
        self.cache, self.keys = cache, set()

    def set(self, key, *args, **kwargs):
        self.keys.add(key)
        return self.cache.set(key, *args, **kwargs)

    def set_many(self, mapping, *args, **kwargs):
        self.keys.update(mapping)
        return self.cache.set_many(mapping, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.cache, name)


def percentile(values: list[float], share: float) -> float:
    """The `share` quantile (0–1), interpolated between the two nearest values."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * share
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
