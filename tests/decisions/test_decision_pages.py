"""Each decision page costs the same number of queries with a short and a long log.

Counted at 2 and 20 decisions (or goals, for the form: two key results each; or calls in
a decision's history, and leaders, for the decision page); the log at 2 and more than a page.
"""

from __future__ import annotations

from uuid import uuid4

import pytest
from pytest_django.asserts import assertContains

from charters.models import Charter
from decisions.selectors import LOG_PAGE_SIZE
from tests.decisions.conftest import decision_url

SIZES = [2, 20]


@pytest.mark.parametrize("count", [2, LOG_PAGE_SIZE + 20])
def test_decision_log_is_flat(login, leader, team, write_charter, log_decisions, django_assert_num_queries,
                              count):
    write_charter(team, state=Charter.State.RATIFIED)
    log_decisions(team, count)
    client = login(leader)

    # 1 user, 2 the person's memberships (the header's team switcher and the header's bell's unread count too),
    # 3 a page of decisions (and one more, for whether there is an older page) with who logged each, 4 the
    # conscious investments due with the key result each dents.
    with django_assert_num_queries(4):
        response = client.get(decision_url("list"))

    undeclined_investments = [i for i in range(count) if i % 5 == 0 and i % 2 == 0]  # see log_decisions
    assertContains(response, "<td>Key result 1.1</td>", count=len(undeclined_investments))
    assertContains(response, "· Person", count=min(count, LOG_PAGE_SIZE))


@pytest.mark.parametrize("count", SIZES)
def test_decision_page_is_flat(login, leader, team, write_charter, log_decisions, change_calls,
                               django_assert_num_queries, count):
    write_charter(team, state=Charter.State.RATIFIED, rows=count)
    investment = log_decisions(team, count)[0]
    change_calls(investment, count)
    url = investment.get_absolute_url()
    client = login(leader)

    # 1 user, 2 the person's memberships (the header's team switcher and the header's bell's unread count too),
    # 3 the decision with charter, goal, key result, who logged and who decided, 4 its history with who made
    # each call.
    with django_assert_num_queries(4):
        response = client.get(url)

    assertContains(response, "<dd>Key result 1.1</dd>", html=True)
    assertContains(response, "under charter version 1")
    assertContains(response, '<li id="call-', count=count)
    assertContains(response, f"— Person {count - 1}, ")
    assertContains(response, "current call", count=1)


@pytest.mark.parametrize("count", SIZES)
def test_decision_page_for_a_member_is_flat(login, member, leader, team, make_user, add_member, write_charter,
                                            log_decisions, change_calls, django_assert_num_queries, count):
    write_charter(team, state=Charter.State.RATIFIED, rows=count)
    investment = log_decisions(team, count)[0]
    change_calls(investment, count)
    for i in range(count):
        add_member(team, make_user(f"leader{i}@example.com", f"Leader {i:02}"), "leader")
    url = investment.get_absolute_url()
    client = login(member)

    # 1 user, 2 the person's memberships (the header's team switcher and the header's bell's unread count too),
    # 3 the decision with charter, goal, key result, who logged and who decided, 4 its history with who made
    # each call, 5 the team's leaders, who make the final call.
    with django_assert_num_queries(5):
        response = client.get(url)

    assertContains(response, '<li id="call-', count=count)
    assertContains(response, f"Leader {count - 1:02} and Lena Leader.")


@pytest.mark.parametrize("count", SIZES)
def test_outcome_conflict_page_is_flat(login, leader, team, write_charter, log_decisions, change_calls,
                                       django_assert_num_queries, count):
    write_charter(team, state=Charter.State.RATIFIED, rows=count)
    investment = log_decisions(team, count)[0]
    change_calls(investment, count)
    url = investment.get_absolute_url()
    client = login(leader)

    # 1 user, 2 the person's memberships (the header's team switcher and the header's bell's unread count too),
    # 3 the decision as loaded, 4 savepoint, 5 the compare-and-set update (no row), 6 the decision as it now is,
    # 7 rollback to and 8 release of the savepoint (the test runs in a transaction; outside one, the service's
    # transaction costs no counted query), 9 the decision again with everything the page shows, 10 its history.
    with django_assert_num_queries(10):
        response = client.post(url, {"outcome": "proceed", "reason": "", "version": "0"})

    assert response.status_code == 409
    assertContains(response, '<li id="call-', count=count, status_code=409)


@pytest.mark.parametrize("rows", SIZES)
def test_decision_form_is_flat(login, member, team, write_charter, django_assert_num_queries, rows):
    write_charter(team, state=Charter.State.RATIFIED, rows=rows)
    client = login(member)

    # 1 user, 2 the person's memberships (the header's team switcher and the header's bell's unread count too),
    # 3 the active charter, for its purpose, 4 its goals, 5 what this form's key logged (nothing), 6 goal
    # choices, 7 key result choices.
    with django_assert_num_queries(7):
        response = client.get(decision_url("create", query=f"key={uuid4()}"))

    assertContains(response, "<option value=", count=1 + rows + 1 + 2 * rows)  # each with "---------"
    assertContains(response, "Care close to home, version 1")


def test_decision_form_without_a_charter_asks_fewer_queries(login, member, team, django_assert_num_queries):
    client = login(member)

    # 1 user, 2 the person's memberships (the header's team switcher and the header's bell's unread count too),
    # 3 the active charter (none), 4 what this form's key logged (nothing); with no goals, neither list of
    # choices needs a query.
    with django_assert_num_queries(4):
        response = client.get(decision_url("create", query=f"key={uuid4()}"))

    assertContains(response, "The team has no ratified charter yet")
