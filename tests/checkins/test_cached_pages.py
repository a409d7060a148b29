"""The check-in pages kept in the cache (alignment.page_cache): a draft stays its writer's, and a
reply form's one-time token is new in every response, also one served from the cache."""

from __future__ import annotations

import re
import uuid

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from tests.checkins.conftest import at, form_data, url

pytestmark = pytest.mark.django_db


def test_a_draft_on_a_cached_page_is_shown_to_its_writer_only(login, frozen, charter, leader, member, add_member,
                                                              team, make_user):
    frozen(at(1))
    other = make_user("other@example.com", "Oda Other")
    add_member(team, other, "member")
    login(member).post(url("save_draft"), form_data(progress="My private draft words"))
    assertContains(login(member).get(url("this_week")), "My private draft words")
    assertContains(login(member).get(url("this_week")), "My private draft words")  # from the cache

    assertNotContains(login(other).get(url("this_week")), "My private draft words")
    assertNotContains(login(leader).get(url("week")), "My private draft words")


def test_a_reply_token_is_new_in_every_response(login, frozen, charter, leader, member):
    frozen(at(1))
    login(member).post(url("submit"), form_data())
    client = login(leader)

    tokens = []
    for _ in range(3):  # the first rendered, the next two served from the cache
        page = client.get(url("week")).content.decode()
        tokens += re.findall(r'name="token" value="([0-9a-f-]+)"', page)

    assert len(tokens) == 3
    assert len(set(tokens)) == 3
    assert all(uuid.UUID(token).version == 4 for token in tokens)
