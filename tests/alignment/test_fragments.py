"""`alignment.fragments` and `{% shared %}`: a part kept per version of its content, never per reader.

A kept part is read by the next reader without drawing it again; a new version draws it anew; a
part whose version is None (a form holding what one person typed) is drawn and not kept; and the
reader stays out of reach inside the block: no `request`, no `user`, and a CSRF placeholder that
each response fills with its own reader's token.
"""

from __future__ import annotations

import re
from functools import cache as once

import pytest
from django.core.cache import cache
from django.middleware.csrf import _unmask_cipher_token
from django.template import engines
from django.test import RequestFactory
from django.utils.safestring import mark_safe

from alignment import fragments
from alignment.templatetags.fragments import TOKEN_PLACEHOLDER

TEMPLATE = """{% load fragments %}<p>{{ user.email }}</p>{% shared "note" version %}<form>{% csrf_token %}\
<b>{{ text }}</b><i>{{ user.email }}</i><s>{{ request.path }}</s>{% drawn %}</form>{% endshared %}"""


@pytest.fixture
def page(make_user, db):
    """`page(reader, text, version)`: the template rendered for `reader`, and how often the part was drawn."""
    drawn = {"n": 0}

    def count() -> str:
        drawn["n"] += 1
        return ""

    template = engines["django"].from_string(TEMPLATE.replace("{% drawn %}", "{{ drawn }}"))

    def render(reader, text: str, version) -> tuple[str, str]:
        request = RequestFactory().get("/somewhere/private")
        request.user = reader
        html = template.render({"text": text, "version": version, "drawn": _Calls(count)}, request)
        return html, request.META["CSRF_COOKIE"]  # the reader's secret, which their token masks

    render.drawn = drawn
    return render


class _Calls:
    """Counts how often the template reads it."""

    def __init__(self, call):
        self.call = call

    def __str__(self) -> str:
        return self.call()


def test_the_part_is_drawn_once_per_version_and_read_by_every_reader(page, make_user):
    ann, bob = make_user("ann@example.com"), make_user("bob@example.com")

    first, _ = page(ann, "Ship it", (1, 1))
    second, _ = page(bob, "Ship it", (1, 1))
    assert page.drawn["n"] == 1 and "<b>Ship it</b>" in second

    third, _ = page(bob, "Ship it now", (1, 2))  # the service wrote a new version
    assert page.drawn["n"] == 2 and "<b>Ship it now</b>" in third


def test_the_reader_is_out_of_reach_inside_the_part(page, make_user):
    ann, bob = make_user("ann@example.com"), make_user("bob@example.com")

    first, ann_secret = page(ann, "Ship it", (1, 1))
    second, bob_secret = page(bob, "Ship it", (1, 1))

    assert "<p>ann@example.com</p>" in first and "<p>bob@example.com</p>" in second  # outside: the reader's own
    for html in (first, second):
        assert "<i></i><s></s>" in html  # inside: nobody's
        assert TOKEN_PLACEHOLDER not in html
    assert ann_secret != bob_secret
    assert _secret_of(first) == ann_secret and _secret_of(second) == bob_secret  # each their own token


def _secret_of(html: str) -> str:
    (token,) = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return _unmask_cipher_token(token)


def test_a_part_without_a_version_is_drawn_every_time_and_never_kept(page, make_user):
    ann, bob = make_user("ann@example.com"), make_user("bob@example.com")

    first, _ = page(ann, "What Ann typed", None)
    second, _ = page(bob, "Bob's text", None)

    assert page.drawn["n"] == 2 and "What Ann typed" not in second


def test_keys_name_the_release_and_hash_the_version():
    key = fragments.key("charter-goals", (12, "proposed", True, "a b:c"))

    assert key.startswith(f"fragment:{fragments.release()}:") and ":charter-goals:" in key
    assert " " not in key and len(key) < 100  # safe for any cache backend
    assert key != fragments.key("charter-goals", (12, "proposed", False, "a b:c"))


def test_many_parts_read_in_one_round_trip_and_draw_only_the_missing(db):
    drawn = []

    def draw(ids):
        drawn.append(list(ids))
        return {pk: f"<li>{pk}</li>" for pk in ids}

    fragments.shared_many("card", {1: (1, "a"), 2: (2, "a")}, draw)
    parts = fragments.shared_many("card", {1: (1, "a"), 2: (2, "b"), 3: (3, "a")}, draw)

    assert drawn == [[1, 2], [2, 3]]
    assert parts == {1: "<li>1</li>", 2: "<li>2</li>", 3: "<li>3</li>"}


def test_readers_in_another_time_zone_get_their_own_drawing(page, make_user):
    from django.utils import timezone

    ann, bob = make_user("ann@example.com"), make_user("bob@example.com")
    page(ann, "Ship it", (1, 1))
    with timezone.override("Pacific/Auckland"):
        page(bob, "Ship it", (1, 1))

    assert page.drawn["n"] == 2


def test_a_version_missing_from_the_context_keeps_nothing(make_user, db):
    template = engines["django"].from_string('{% load fragments %}{% shared "x" no_such_thing %}{{ n }}{% endshared %}')

    assert [template.render({"n": n}) for n in (1, 2)] == ["1", "2"]


MANY = """{% load fragments %}{% shared "one" a %}[{{ a }}]{% endshared %}{% if show %}{% shared "two" b %}[{{ b }}]\
{% endshared %}{% endif %}{% for item in items %}{% shared "each" item %}[{{ item }}]{% endshared %}{% endfor %}"""


class _CountingCache:
    """The cache, with the calls that would each be a round trip to a shared cache counted: those named in
    `counted` (the reads, `get` and `get_many`; or the writes, `set` and `set_many`)."""

    def __init__(self, cache, counted: tuple[str, ...]):
        self.cache, self.counted, self.made = cache, counted, []

    def __getattr__(self, name):
        found = getattr(self.cache, name)
        if name not in self.counted:
            return found
        return lambda *args, **kwargs: self.made.append(name) or found(*args, **kwargs)


@pytest.fixture
def round_trips(monkeypatch):
    counting = _CountingCache(fragments.cache, ("get", "get_many"))
    monkeypatch.setattr(fragments, "cache", counting)
    return counting.made


def test_a_templates_kept_parts_are_read_in_one_round_trip(round_trips, db):
    template = engines["django"].from_string(MANY)
    context = {"a": "A", "b": "B", "show": True, "items": ["x", "y"]}
    assert template.render(context) == "[A][B][x][y]"
    # Drawn for the first time: the two parts looked for together are drawn without being looked for again; each
    # part in the loop is looked for as it comes.
    assert round_trips == ["get_many", "get_many", "get_many"]
    round_trips.clear()

    assert template.render(context) == "[A][B][x][y]"  # at hand in this process: no round trip
    assert round_trips == []

    fragments.near.clear()  # as another process finds them: kept in the shared cache, not at hand
    assert template.render(context) == "[A][B][x][y]"  # kept: read, not drawn
    # The two parts whose version the page knows at once, together; each part drawn in a loop, as it comes.
    assert round_trips == ["get_many", "get_many", "get_many"]

    assert template.render({**context, "a": "A2", "show": False}) == "[A2][x][y]"  # a new version is drawn


def test_the_parts_at_hand_are_bounded_and_the_least_recently_read_leave_first():
    near = fragments._Near(budget=10)
    near.put_many({"a": "aaaa", "b": "bbbb"})
    assert near.get_many(["a"]) == {"a": "aaaa"}  # read: now the most recent
    near.put_many({"c": "cccc", "too-big": "x" * 11})

    assert near.get_many(["a", "b", "c", "too-big"]) == {"a": "aaaa", "c": "cccc"}


def test_a_part_drawn_in_another_process_is_read_from_the_shared_cache(round_trips, db):
    drawn = []
    fragments.shared("part", (1,), lambda: drawn.append(1) or "<p>1</p>")
    fragments.near.clear()  # another process: the shared cache has the part, this process has not
    round_trips.clear()

    assert fragments.shared("part", (1,), lambda: drawn.append(2) or "<p>drawn again</p>") == "<p>1</p>"
    assert fragments.shared("part", (1,), lambda: drawn.append(3) or "<p>drawn again</p>") == "<p>1</p>"
    assert drawn == [1] and round_trips == ["get_many"]  # then at hand


# Values kept whole (a charter version's items, its prose): at hand pickled, each reading its own copy --------

def test_a_kept_value_is_at_hand_in_the_process_and_each_reading_gets_its_own_copy(settings):
    fragments.keep("kept:one", {"items": ["a", "b"]}, timeout=60)
    cache.clear()  # the shared cache lost it (or never had it): the process still has it at hand

    first = fragments.kept_many(["kept:one", "kept:none"])
    assert first == {"kept:one": {"items": ["a", "b"]}}
    first["kept:one"]["items"].append("drawn on by one page")  # a page annotates what it reads
    assert fragments.kept_many(["kept:one"])["kept:one"] == {"items": ["a", "b"]}


def test_a_value_kept_by_another_process_is_read_once_from_the_shared_cache_then_at_hand(settings):
    fragments.keep("kept:two", ("x", 2), timeout=60)
    fragments.near.clear()  # kept by another process: in the shared cache, not at hand here
    assert fragments.kept_many(["kept:two"]) == {"kept:two": ("x", 2)}
    cache.clear()
    assert fragments.kept_many(["kept:two"]) == {"kept:two": ("x", 2)}


def test_a_value_kept_by_another_release_is_not_read(monkeypatch):
    """A deploy may add a field to a model whose instances were pickled before it: what an earlier release kept
    is made again, in the shared cache and at hand alike."""
    monkeypatch.setattr(fragments, "release", lambda: "before")
    fragments.keep("kept:items", ["pickled before the deploy"], timeout=60)
    assert fragments.kept_many(["kept:items"]) == {"kept:items": ["pickled before the deploy"]}

    monkeypatch.setattr(fragments, "release", lambda: "after")
    assert fragments.kept_many(["kept:items"]) == {}
    assert fragments.kept("kept:items", lambda: ["made again"], timeout=60) == ["made again"]


def test_a_value_is_made_once_and_read_kept_after():
    made = []

    def make():
        made.append(1)
        return ["drawn"]

    assert fragments.kept("kept:three", make, timeout=60) == ["drawn"]
    assert fragments.kept("kept:three", make, timeout=60) == ["drawn"]
    assert made == [1]


@pytest.fixture
def writes(monkeypatch):
    counting = _CountingCache(fragments.cache, ("set", "set_many"))
    monkeypatch.setattr(fragments, "cache", counting)
    yield counting.made
    fragments._unstored.set(None)  # no request left running for the tests after


def test_parts_drawn_while_a_request_runs_are_stored_together_when_it_ends(writes, db):
    from django.core.signals import request_finished, request_started

    for signal, receiver, uid in ((request_started, fragments.storing_at_the_end, "fragments-storing-at-the-end"),
                                  (request_finished, fragments.stored_at_the_end, "fragments-stored-at-the-end")):
        assert signal.disconnect(dispatch_uid=uid)  # connected (alignment/apps.py), as every request sends them
        signal.connect(receiver, dispatch_uid=uid)
    template = engines["django"].from_string(MANY)
    context = {"a": "A", "b": "B", "show": True, "items": ["x", "y"]}

    fragments.storing_at_the_end()  # a request starts
    assert template.render(context) == "[A][B][x][y]"
    assert writes == []  # drawn, at hand in the process, not yet stored
    assert template.render(context) == "[A][B][x][y]"  # read at hand, not drawn again
    fragments.stored_at_the_end()  # it ends: the four parts in one write
    assert writes == ["set_many"]

    fragments.near.clear()  # another process reads them from the shared cache
    drawn = []
    assert fragments.shared("part", ("unrelated",), lambda: drawn.append(1) or "<p>now</p>") == "<p>now</p>"
    assert writes == ["set_many", "set"]  # outside a request, a part is stored at once
    assert template.render(context) == "[A][B][x][y]" and writes == ["set_many", "set"]  # read, none drawn


def test_values_kept_while_a_request_runs_are_stored_with_its_parts_one_write_for_each_lifetime(writes, db):
    fragments.storing_at_the_end()
    fragments.shared("part", ("drawn",), lambda: "<p>drawn</p>")
    items = ["an item"]
    fragments.keep("kept:a-working-copy", items)
    fragments.keep("kept:a-ratified-version", ["never changes"])
    fragments.keep("kept:a-minute", ["briefly"], timeout=60)
    items.append("annotated for one reader after it was kept")
    assert writes == []
    fragments.stored_at_the_end()
    assert writes == ["set_many", "set_many"]  # a part's lifetime (with both versions' items), and a minute

    fragments.near.clear()  # another process
    assert fragments.kept_many(["kept:a-working-copy", "kept:a-ratified-version"]) == {
        "kept:a-working-copy": ["an item"], "kept:a-ratified-version": ["never changes"]}  # as it was when kept
    assert fragments.shared("part", ("drawn",), lambda: "<p>drawn again</p>") == "<p>drawn</p>"


def test_no_value_is_kept_for_good(db, monkeypatch):
    """A kept value's key carries the release: one kept with no expiry would outlive every deploy, unread, in a Redis
    that evicts nothing."""
    with pytest.raises(ValueError, match="lifetime"):
        fragments.keep("kept:for-good", ["never read after the next deploy"], timeout=None)
    stored = []

    class Storing:
        def set_many(self, entries, timeout):
            stored.append((list(entries), timeout))

        def __getattr__(self, name):
            return getattr(cache, name)

    monkeypatch.setattr(fragments, "cache", Storing())
    fragments.storing_at_the_end()
    fragments.keep("kept:a-ratified-version", ["items"])
    fragments.stored_at_the_end()
    assert stored == [([fragments._released("kept:a-ratified-version")], fragments.TIMEOUT)]


def test_a_cache_that_fails_at_the_end_of_a_request_loses_the_parts_not_the_page(writes, monkeypatch, db):
    class Down:
        def set_many(self, *args, **kwargs):
            raise ConnectionError("the cache is down")

        def __getattr__(self, name):
            return getattr(cache, name)

    fragments.storing_at_the_end()
    fragments.shared("part", ("lost",), lambda: "<p>drawn</p>")
    monkeypatch.setattr(fragments, "cache", Down())
    fragments.stored_at_the_end()  # logged, not raised: the response is already on its way
    monkeypatch.undo()
    fragments.near.clear()
    assert cache.get(fragments.key("part", ("lost",))) is None


def test_a_part_not_kept_gets_the_readers_token_where_a_drawing_alike_left_the_placeholder(db):
    """Parts drawn alike for kept parts carry the placeholder (`alignment.drawn_alike`); drawn into a part that is
    not kept (its version unknown), they still get the reader's own token."""
    template = engines["django"].from_string('{% load fragments %}{% shared "note" version %}{{ drawn }}{% endshared %}')
    html = template.render({"version": None, "csrf_token": "the-readers-token",
                            "drawn": mark_safe(f'<input name="csrfmiddlewaretoken" value="{TOKEN_PLACEHOLDER}">')})
    assert html == '<input name="csrfmiddlewaretoken" value="the-readers-token">'


def test_a_parts_version_is_digested_once_a_reading_and_each_value_in_a_loop_gets_its_own_key(monkeypatch, db):
    # The charter's consent panel: its version digests every response, and its parts are looked for together
    # before the first is drawn, then drawn. The version is worked out once a reading, and its key digested once.
    digested = []
    key = fragments.key
    monkeypatch.setattr(fragments, "key", lambda name, version: digested.append(name) or key(name, version))
    worked_out = []
    template = engines["django"].from_string(
        '{% load fragments %}{% shared "panel" version %}[{{ text }}]{% endshared %}'
        '{% for item in items %}{% shared "item" item %}({{ item }}){% endshared %}{% endfor %}')

    def version() -> tuple:
        worked_out.append(1)
        return ("panel", 1)

    context = {"version": once(version), "text": "T", "items": ["x", "y", "x"]}
    assert template.render(context) == "[T](x)(y)(x)"
    assert worked_out == [1]
    assert digested == ["panel", "item", "item", "item"]  # looked for together, then drawn: the panel's key once
    digested.clear()
    # Each item in the loop has its own key: a key worked out for another value is never reused.
    assert template.render({**context, "items": ["y", "z"], "text": "not drawn again"}) == "[T](y)(z)"
    assert digested == ["panel", "item", "item"]
