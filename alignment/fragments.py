"""Parts of pages that read alike for everyone who may read them, rendered once per version of their content.

A page is the reader's own (their controls, their consent, their drafts), but much of it is the
same for every reader: a charter version's sections, a team's card on the organisation map, a
key result's chart, a cycle's scoreboard, a retrospective's board as others see it. Such a part
is rendered by a function that takes the content only — never the request or the reader — and
kept in the cache under its name and the content's own version:

    html = fragments.shared("charter-sections", (charter.pk, charter.version), lambda: render(...))

The version is what the service writing the content changes (an id and a `version` counter,
`updated_at`, the newest reading's id) or a digest of the values the part is drawn from
(`digest(...)`), so a write makes a new key and the old entry is never read again: nothing
elsewhere has to remember to invalidate it. The key also carries the release (a digest of the
code and templates that draw fragments), so a deploy that changes how a part looks never
serves the old drawing, and how times and words are shown (the time zone and language in force,
shared by every reader in that zone), so a time is never shown in another reader's zone. A part
that says something relative to today ("overdue", "3 days ago") puts the date in its version.

Only content that every reader of it may see goes in: the key names no reader, so whoever may
reach the key reads the same bytes (`tests/alignment/test_fragments.py` and each page's test
hold a private detail out of the shared parts).

Parts drawn and values kept while a request runs are stored in the shared cache together when it ends
(`stored_at_the_end`, on `request_finished`): the first reader after a change, whose page draws a dozen parts
and keeps a version's items, prose and changes anew, pays a round trip per lifetime they are kept for (one, unless
a caller asks for another) rather than one each. They are at hand in the process at once. Outside a request
(a task, a shell), each is stored at once. A request that dies before it ends stores nothing: the next reader
makes them again.

The parts read lately are also kept in the process, in front of the shared cache (`NEAR_CHARACTERS`): a key
names content that never changes under it, so a copy at hand is never stale, and a page whose parts are all
at hand asks Redis nothing. Each process keeps the parts its own readers read; Redis shares every part drawn
with every process.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from collections import OrderedDict
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from functools import cache as once
from functools import lru_cache
from pathlib import Path
from threading import Lock

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

# How long an entry lives unread. Versions make old entries unreachable; this only returns their room.
TIMEOUT = 7 * 24 * 3600
# How much of the parts read lately a process keeps at hand, in characters (about as many bytes of HTML).
NEAR_CHARACTERS = 16_000_000


class _Near:
    """The parts this process read or drew lately, by key: the least recently read leave first when full.

    A part is HTML (a str) or a pickled value (bytes, `kept_many`); either is counted by its length."""

    def __init__(self, budget: int):
        self.budget, self._parts, self._size, self._lock = budget, OrderedDict(), 0, Lock()

    def get_many(self, keys: Iterable[str]) -> dict[str, str | bytes]:
        with self._lock:
            found = {key: self._parts[key] for key in keys if key in self._parts}
            for key in found:
                self._parts.move_to_end(key)
        return found

    def put_many(self, parts: dict[str, str | bytes]) -> None:
        with self._lock:
            for key, html in parts.items():
                if key not in self._parts and len(html) <= self.budget:
                    self._parts[key] = html
                    self._size += len(html)
            while self._size > self.budget:
                self._size -= len(self._parts.popitem(last=False)[1])

    def clear(self) -> None:
        with self._lock:
            self._parts.clear()
            self._size = 0


near = _Near(NEAR_CHARACTERS)

logger = logging.getLogger(__name__)

# The parts drawn and values kept while this request runs, by how long they are kept for, to be stored when it
# ends (None outside a request: stored at once).
_unstored: ContextVar[dict[int | None, dict[str, str | bytes]] | None] = ContextVar("fragments_unstored", default=None)


def storing_at_the_end(**kwargs) -> None:
    """`request_started`: parts drawn and values kept from here on wait for the request's end to be stored."""
    _unstored.set({})


def stored_at_the_end(**kwargs) -> None:
    """`request_finished`: store what the request drew and kept, in one round trip for each lifetime. The
    response is sent: a cache that does not answer loses them (the next reader makes them again), never the
    reader's page."""
    unstored = _unstored.get()
    _unstored.set(None)
    for timeout, entries in (unstored or {}).items():
        try:
            cache.set_many(entries, timeout)
        except Exception:
            logger.warning("Could not keep %d drawn parts and kept values in the shared cache", len(entries),
                           exc_info=True)


def _store(key: str, entry: str | bytes, timeout: int | None) -> None:
    """Store `entry` in the shared cache: at the end of the request running, else at once."""
    unstored = _unstored.get()
    if unstored is None:
        cache.set(key, entry, timeout)
    else:
        unstored.setdefault(timeout, {})[key] = entry


@once
def release() -> str:
    """A digest of the templates and Python source that draw pages: it changes with every deploy that could."""
    root = Path(settings.BASE_DIR)
    digest = hashlib.blake2b(digest_size=8)
    for folder in sorted(path for path in root.iterdir() if path.is_dir() and not path.name.startswith(".")):
        if folder.name in {"tests", "var", "node_modules", "staticfiles"} or not (
                (folder / "__init__.py").exists() or folder.name == "templates"):
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix in {".py", ".html"} and "migrations" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def digest(values: Iterable[object]) -> str:
    """A short digest of what a part is drawn from, for a version no single counter gives."""
    return hashlib.blake2b(repr(tuple(values)).encode(), digest_size=12).hexdigest()


def key(name: str, version: Iterable[object]) -> str:
    """The cache key: the release, how times and words are shown (the reader's time zone and language,
    which readers share), the part's name and a digest of its version (safe for any cache backend)."""
    return f"fragment:{release()}:{_shown(timezone.get_current_timezone_name(), translation.get_language())}:" \
           f"{name}:{digest(version)}"


@lru_cache(maxsize=256)
def _shown(zone: str, language: str | None) -> str:
    """How times and words are shown, in a key: a digest of the time zone and language (a few per site)."""
    return digest([f"{zone}:{language}"])


def shared(name: str, version: Iterable[object], render: Callable[[], str], *, timeout: int = TIMEOUT) -> SafeString:
    """The part named `name` at `version`: from the cache, else rendered by `render()` and kept (for `timeout`
    seconds unread: a part whose versions follow each other within seconds, a live board, needs no week)."""
    return shared_at(key(name, version), render, timeout=timeout)


def shared_at(cache_key: str, render: Callable[[], str], *, timeout: int = TIMEOUT) -> SafeString:
    """`shared` by the part's key (`key`)."""
    html = read_many([cache_key]).get(cache_key)
    return mark_safe(html) if html is not None else drawn_and_kept(cache_key, render, timeout=timeout)  # noqa: S308


def drawn_and_kept(cache_key: str, render: Callable[[], str], *, timeout: int = TIMEOUT) -> SafeString:
    """The part drawn by `render()` and kept under its key: for a part just looked for and not found."""
    html = str(render())
    near.put_many({cache_key: html})
    _store(cache_key, html, timeout)
    return mark_safe(html)  # noqa: S308 — rendered by our own templates, escaped there


def read_many(keys: Iterable[str]) -> dict[str, str]:
    """The kept parts among `keys` (by key): those at hand in the process, the others in one cache round trip
    (none when every part is at hand)."""
    keys = list(keys)
    found = near.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        fetched = cache.get_many(missing)
        near.put_many(fetched)
        found.update(fetched)
    return found


def kept_many(keys: Iterable[str]) -> dict[str, object]:
    """Values kept under keys that name content which never changes under them (a charter version's items, its
    rendered prose, two versions compared), by key: those at hand in the process, the others in one cache round
    trip (none when all are at hand).

    At hand they are kept pickled, and each reading unpickles its own copy: the values hold model instances,
    which a page annotates as it draws them, so no two readings may share one.

    The values are stored under the release too (`_released`): a deploy may change the models or classes they
    are made of, and an instance pickled before it would come back without a field added since. The shared
    cache holds them pickled as they were kept (`keep`), so what is fetched is put at hand as it comes."""
    named = {_released(key): key for key in keys}
    found = near.get_many(named)
    missing = [key for key in named if key not in found]
    if missing:
        fetched = cache.get_many(missing)
        near.put_many(fetched)
        found.update(fetched)
    return {named[key]: pickle.loads(data) for key, data in found.items()}  # noqa: S301 — our own


def kept(key: str, make: Callable[[], object], timeout: int = TIMEOUT, *,
         found: dict[str, object] | None = None) -> object:
    """The value kept under `key` (`kept_many`), else `make()`'s, kept (`keep`) for the next reading. `found`: what
    `kept_many` found for a caller that looked for this key with others already (it is not looked for again)."""
    value = (kept_many([key]) if found is None else found).get(key)
    if value is None:
        value = make()
        keep(key, value, timeout)
    return value


def keep(key: str, value: object, timeout: int = TIMEOUT) -> None:
    """Keep `value` under `key` (see `kept_many`): at hand in this process, and in the shared cache (at the end of
    the request running) for `timeout` seconds. It is pickled now, as it is: the page goes on to annotate it for its
    reader.

    Never for good, not even what never changes (a ratified version's items): the key carries the release, so every
    deploy leaves the values kept before it unreachable, and one with no expiry would stay in Redis for ever, deploy
    after deploy (Redis evicts nothing unless told to, and it is also the broker). Made again a week on, it costs one
    first reading."""
    if timeout is None:
        raise ValueError("A kept value needs a lifetime: its key carries the release, so a deploy leaves it unread.")
    key, data = _released(key), pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    near.put_many({key: data})
    _store(key, data, timeout)


def _released(key: str) -> str:
    """A kept value's key in the cache: its own, under the release that pickled it."""
    return f"kept:{release()}:{key}"


def shared_many(name: str, versions: dict[object, Iterable[object]],
                render: Callable[[list[object]], dict[object, str]]) -> dict[object, SafeString]:
    """`shared` for many parts of one kind at once (a page of map cards): one cache round trip to read
    those not at hand, `render(missing_ids)` for those not kept, one to keep those."""
    keys = {item: key(name, version) for item, version in versions.items()}
    found = read_many(keys.values())
    html = {item: found[cache_key] for item, cache_key in keys.items() if cache_key in found}
    missing = [item for item in keys if item not in html]
    if missing:
        drawn = {keys[item]: str(part) for item, part in render(missing).items()}
        cache.set_many(drawn, TIMEOUT)
        near.put_many(drawn)
        html.update({item: drawn[keys[item]] for item in missing if keys[item] in drawn})
    return {item: mark_safe(part) for item, part in html.items()}  # noqa: S308 — our own templates
