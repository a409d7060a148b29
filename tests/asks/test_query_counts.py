"""The asks pages cost the same number of queries with few requests or many."""

from __future__ import annotations

import pytest

from asks import services
from tests.asks.conftest import ask_url


@pytest.fixture(autouse=True)
def world(cast):
    return cast


@pytest.fixture
def many(send, growth_leader, member):
    def make(n: int):
        asks = []
        for i in range(n):
            ask = send(["consult", "fixed", None][i % 3], title=f"Ask {i}")
            services.add_comment(ask=ask, author=member, body=f"Input {i}")
            services.add_comment(ask=ask, author=growth_leader, body=f"Reply {i}")
            asks.append(ask)
        return asks

    return make


@pytest.mark.parametrize("count", [2, 12])
def test_the_lists_are_flat(login, growth_leader, member, many, count, django_assert_num_queries):
    many(count)
    # 1 user, 2 the person's memberships (the header's team switcher and the header's bell's unread count too),
    # 3 requests received with who asked and from which team, 4 requests sent with the team asked, 5 the
    # organisation's other teams to ask
    for person, team in ((growth_leader, "growth"), (member, "platform")):
        client = login(person)
        with django_assert_num_queries(5):
            response = client.get(ask_url("list", team=team))
        assert response.status_code == 200
        assert response.content.decode().count('<li class="ask-row') == count


@pytest.mark.parametrize("count", [2, 12])
def test_a_request_page_is_flat(login, growth_leader, many, count, django_assert_num_queries):
    ask = many(count)[-1]
    for i in range(count):
        services.add_comment(ask=ask, author=growth_leader, body=f"More {i}")
    client = login(growth_leader)
    # 1 user, 2 the ask with its teams, asker, answerer and decision, 3 the person's memberships (and the
    # header's bell's unread count), 4 its thread with the authors
    with django_assert_num_queries(4):
        response = client.get(ask.get_absolute_url())
    assert response.status_code == 200 and response.content.decode().count("<li id=\"comment-") == count + 2


def test_each_list_pages_on_its_own(login, growth_leader, member, send, monkeypatch):
    from asks import selectors

    monkeypatch.setattr(selectors, "LIST_SIZE", 2)  # pages of two, so five requests make three pages
    for i in range(5):
        send("fixed", title=f"Ask {i}")

    first = login(growth_leader).get(ask_url("list", team="growth")).content.decode()
    last = login(growth_leader).get(ask_url("list", team="growth"), {"received": 3}).content.decode()

    assert "Ask 4" in first and "Ask 3" in first and "Ask 2" not in first  # newest first
    assert '?received=2#received-title" rel="next">Older' in first
    assert "Ask 0" in last and "Ask 1" not in last
    assert '?received=2#received-title" rel="prev">' in last and 'rel="next"' not in last
