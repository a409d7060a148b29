"""A world built once for a module (tests/cast.py): there for every test, as it was built, whatever the test
before did with it, and gone once the module is done."""

from __future__ import annotations

import pytest
from django.db import connection

from alignment.models import Organisation, Team, User
from tests import cast

world_built_once = cast.built_once_per_module(cast.everyone)


globals().update(cast.copies_for_each_test("team", "leader"))


@pytest.mark.parametrize("turn", ["first", "second"])
def test_each_test_gets_the_world_as_it_was_built(turn, team, leader):
    assert Team.objects.get(pk=team.pk).name == "Platform"
    assert team.name == "Platform"
    assert User.objects.filter(pk=leader.pk, is_active=True).exists()

    # What one test changes, in the database and in its copies, the next one does not see.
    team.name = "Renamed"
    team.save(update_fields=["name"])
    User.objects.filter(pk=leader.pk).update(is_active=False)


def test_the_world_is_built_with_the_fast_password_hasher(leader):
    assert leader.password.startswith("md5$")
    assert leader.check_password("password")


def test_a_world_built_once_is_rolled_back_when_its_module_is_done(django_db_setup, django_db_blocker):
    built = cast.built_once(django_db_blocker, lambda: {"organisation": Organisation.objects.create(
        name="Built once", slug="built-once")})
    organisation = next(built)["organisation"]
    with django_db_blocker.unblock():
        assert Organisation.objects.filter(pk=organisation.pk).exists()

    built.close()  # what pytest does when the module is done

    with django_db_blocker.unblock():
        assert not Organisation.objects.filter(slug="built-once").exists()
        # Without the `db` fixture nobody closes what this test opened: left open, it kept the worker's test
        # database from being dropped at the end of the run.
        connection.close()
