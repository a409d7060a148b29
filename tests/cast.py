"""The standard cast as plain functions, and a world built once for a whole module.

`tests/conftest.py`'s fixtures (`organisation`, `team`, `leader`, `member`, ...) call these functions for each
test. A module whose tests each read the same world and change nothing of it for the next one (a permission
matrix: hundreds of cells, one request each) builds it once instead, with `built_once`: in a transaction that
stays open for the module and is rolled back at its end, as Django's `setUpTestData` does. Each test runs in
a savepoint inside it (pytest-django's own transaction) and gets copies of the world's objects
(`copies_for_each_test`), so nothing one test does reaches the next.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest


def forget_what_was_kept() -> None:
    """Empty the cache, the parts a process keeps at hand in front of it, and what is drawn once per process for
    the plain values it shows: each test (and each world built once) draws its own."""
    from django.core.cache import cache

    from alignment import drawn_once, fragments

    cache.clear()
    fragments.near.clear()
    drawn_once.forget_all()


@contextmanager
def as_tests_run() -> Iterator[None]:
    """What every test runs under (tests/conftest.py), and a world built once too: the fast password hasher; a
    cache of its own, emptied, and nothing drawn kept from before (with Redis, parallel workers and earlier runs
    would otherwise share renderings keyed by ids that their databases reuse); tasks run inline after commit
    (tests/alignment/test_celery_worker.py sends one through a real broker to a real worker)."""
    from django.test.utils import override_settings

    from config.celery import app

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                           CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                               "LOCATION": "tests"}}):
        forget_what_was_kept()
        app.conf.task_always_eager = True
        try:
            yield
        finally:
            app.conf.task_always_eager = False


def user(email: str, name: str = "", password: str = "password", **extra):
    from alignment.models import User

    return User.objects.create_user(email, password, display_name=name, **extra)


def add_member(team, person, *roles: str):
    from alignment.models import Membership

    membership = Membership(team=team, user=person)
    membership.set_roles(roles or ["member"])
    membership.save()
    return membership


def invitation(team, email: str, *roles: str, invited_by=None, **fields):
    """An invitation written straight to the database, with its one-time token (no e-mail sent)."""
    import secrets
    from datetime import timedelta

    from django.utils import timezone

    from alignment.models import Invitation, hash_token

    token = secrets.token_urlsafe(32)
    invitation = Invitation(team=team, email=email, token_hash=hash_token(token), invited_by=invited_by,
                            expires_at=fields.pop("expires_at", timezone.now() + timedelta(days=14)), **fields)
    invitation.set_roles(roles or ["member"])
    invitation.save()
    return invitation, token


def organisation():
    from alignment.models import Organisation

    return Organisation.objects.create(name="Harbour Health", slug="harbour", purpose="Care close to home.")


def team(organisation):
    from alignment.models import Team

    return Team.objects.create(organisation=organisation, name="Platform", slug="platform",
                               time_zone="Europe/London")


def other_team(organisation):
    from alignment.models import Team

    return Team.objects.create(organisation=organisation, name="Growth", slug="growth")


def joined(team, email: str, name: str, *roles: str):
    """A new person in `team`, in `roles`."""
    person = user(email, name)
    add_member(team, person, *roles)
    return person


def leader(team, organisation):
    """The team's leader, and an admin of its organisation."""
    person = joined(team, "leader@example.com", "Lena Leader", "leader")
    organisation.admins.add(person)
    return person


def member(team):
    return joined(team, "member@example.com", "Max Member", "member")


def kwame(team):
    """A second member of the team, for what one member must not see of another's."""
    return joined(team, "kwame@example.com", "Kwame Mensah", "member")


def facilitator(team):
    return joined(team, "facilitator@example.com", "Fay Facilitator", "facilitator")


def outsider(other_team):
    """A leader of another team of the same organisation."""
    return joined(other_team, "outsider@example.com", "Olly Outsider", "leader", "member")


def admin(organisation):
    """An admin of the organisation who is in none of its teams."""
    person = user("admin@example.com", "Ada Admin")
    organisation.admins.add(person)
    return person


def stranger():
    """Someone in a different organisation altogether."""
    from alignment.models import Organisation, Team

    elsewhere = Team.objects.create(organisation=Organisation.objects.create(name="Elsewhere", slug="elsewhere"),
                                    name="Elsewhere team", slug="elsewhere-team")
    return joined(elsewhere, "stranger@example.com", "Sam Stranger", "leader")


EVERYONE = ("organisation", "team", "other_team", "leader", "member", "facilitator", "outsider", "admin", "stranger")


def everyone() -> dict:
    """The whole cast (`EVERYONE`), by fixture name."""
    org = organisation()
    ours, theirs = team(org), other_team(org)
    return {"organisation": org, "team": ours, "other_team": theirs, "leader": leader(ours, org),
            "member": member(ours), "facilitator": facilitator(ours), "outsider": outsider(theirs),
            "admin": admin(org), "stranger": stranger()}


def built_once_per_module(build: Callable[[], dict]):
    """The module-scoped fixture `world_built_once`: the world `build()` returns, by name, built once for the
    module (`world_built_once = cast.built_once_per_module(build)` in it)."""

    @pytest.fixture(scope="module", name="world_built_once")
    def fixture(django_db_setup, django_db_blocker):
        yield from built_once(django_db_blocker, build)

    return fixture


def built_once(django_db_blocker, build: Callable[[], dict]) -> Iterator[dict]:
    """The world that `build()` returns, written in a transaction that stays open until the generator is closed
    (pytest closes a fixture once its module's last test is done) and is then rolled back. It is built as every
    test runs (the fast password hasher, a cache of its own, tasks inline)."""
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer._from_testcase = True  # as Django's own test transactions: a durable block may open inside it
        outer.__enter__()
        try:
            with as_tests_run():
                world = build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(*sys.exc_info())
            raise
    try:
        yield world
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def copies_for_each_test(*names: str) -> dict:
    """Function-scoped fixtures named `names`, each a copy of the object of that name in the module's
    `world_built_once`, for a test to change as it likes (`globals().update(copies_for_each_test("team"))`).
    Each asks for the world by name, so that pytest builds it, once, before the test's own transaction (`db`)
    opens: fetched from inside a test, it would be written in that test's savepoint and rolled back with it."""

    def copy_of(name: str):
        @pytest.fixture(name=name)
        def fixture(world_built_once, db):
            return copy.deepcopy(world_built_once[name])

        return fixture

    return {f"_{name}_copied": copy_of(name) for name in names}
