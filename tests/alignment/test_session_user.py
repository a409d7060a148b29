"""Every signed-in request reads its person by primary key (`ModelBackend.get_user` asks `User.objects.get(pk=…)`).
`UserManager.get` reads that one lookup with SQL kept from the first time; these tests check that it reads what
Django's own query reads, refuses what it refuses, and leaves every other lookup to Django."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user
from django.db.models import QuerySet
from django.test import RequestFactory

from alignment import one_query
from alignment.models import User

KEPT = ("alignment.models", "_user_by_pk")


@pytest.fixture(autouse=True)
def _shapes_learnt_afresh():
    one_query._queries.clear()
    one_query._shapes.clear()


def kept() -> list[bool]:
    """Whether each kept shape of the lookup by primary key could not be kept (empty: never read)."""
    return [query.uncacheable for key, query in one_query._queries.items() if key[:2] == KEPT]


@pytest.mark.django_db
def test_a_person_by_primary_key_is_read_as_django_reads_them_and_kept():
    ada = User.objects.create_user("ada@example.org", "pw-long-enough-1", display_name="Ada", time_zone="Asia/Tokyo")
    bea = User.objects.create_user("bea@example.org", "pw-long-enough-2", is_active=False)

    for person in (ada, bea, ada):
        found = User.objects.get(pk=person.pk)
        expected = QuerySet(User).get(pk=person.pk)  # Django's own reading
        assert {f.attname: getattr(found, f.attname) for f in User._meta.concrete_fields} == \
               {f.attname: getattr(expected, f.attname) for f in User._meta.concrete_fields}
        assert found._state.adding is False and found._state.db == "default"
    assert kept() == [False]  # one shape, kept: later readings only bind the new id


@pytest.mark.django_db
def test_nobody_by_that_key_is_refused_as_django_refuses_it():
    with pytest.raises(User.DoesNotExist):
        User.objects.get(pk=2_147_000_000)


@pytest.mark.django_db
def test_other_lookups_are_left_to_django():
    ada = User.objects.create_user("ada@example.org", "pw-long-enough-1")
    User.objects.create_user("bea@example.org", "pw-long-enough-2")
    assert User.objects.get(email="ada@example.org") == ada
    assert User.objects.get(pk=ada.pk, is_active=True) == ada
    assert User.objects.get(pk=str(ada.pk)) == ada  # as a session holds it
    assert User.objects.db_manager("default").get(pk=ada.pk) == ada
    with pytest.raises(User.MultipleObjectsReturned):
        User.objects.get(is_active=True)
    assert kept() == []


@pytest.mark.django_db
def test_a_session_reads_its_person_in_one_kept_query(client, django_assert_num_queries):
    ada = User.objects.create_user("ada@example.org", "pw-long-enough-1")
    client.force_login(ada)
    for _ in range(2):
        request = RequestFactory().get("/")
        request.session = client.session  # cached when signed in: read without a query
        with django_assert_num_queries(1):
            assert get_user(request) == ada
    assert kept() == [False]
