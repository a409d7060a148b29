"""Consultations past their date, as a cross-team signal on the alignment map (`asks.signals`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from asks import services
from asks.models import Ask
from asks.signals import overdue_consultations
from tests.asks.conftest import NOON, TODAY


def overdue(organisation, *, now=NOON, shown: int = 10):
    return overdue_consultations(organisation, now=now, shown=shown)


def test_an_open_consultation_past_its_date_is_a_signal_linking_both_charters(organisation, send):
    send("consult", due_on=TODAY + timedelta(days=1))

    (signal,) = overdue(organisation, now=NOON + timedelta(days=3)).signals

    assert signal.summary == ("Platform is waiting on Growth: a consultation about Messaging to patients was due "
                              "17 November")
    assert signal.detail == "Unanswered 2 days past its date."
    assert [link.url for link in signal.teams] == [reverse("charters:detail", args=["harbour", team])
                                                   for team in ("platform", "growth")]


def test_a_consultation_due_today_or_answered_or_withdrawn_is_no_signal(organisation, send, member, growth_leader):
    send("consult", due_on=TODAY + timedelta(days=2))
    answered = send("consult", due_on=TODAY, title="Answered")
    services.answer_ask(ask=answered, actor=growth_leader, state=Ask.State.ACCEPTED, answer="Yes.")
    withdrawn = send("consult", due_on=TODAY, title="Withdrawn")
    services.withdraw_ask(ask=withdrawn, actor=member)

    assert overdue(organisation, now=NOON + timedelta(days=2)).total == 0


def test_the_map_names_the_teams_and_area_never_the_requests_words(login, bystander, organisation, send, frozen):
    send("consult", due_on=TODAY, title="A title only the two teams read")
    frozen(NOON + timedelta(days=1))

    response = login(bystander).get(reverse("organisation", args=["harbour"]))

    assertContains(response, "Platform is waiting on Growth")
    assertNotContains(response, "A title only the two teams read")


def test_the_map_stops_showing_a_consultation_once_it_is_answered(login, bystander, organisation, send, frozen,
                                                                  growth_leader, django_capture_on_commit_callbacks):
    ask = send("consult", due_on=TODAY)
    frozen(NOON + timedelta(days=1))
    the_map = reverse("organisation", args=["harbour"])
    assertContains(login(bystander).get(the_map), "Platform is waiting on Growth")

    with django_capture_on_commit_callbacks(execute=True):  # the map's signals are forgotten once it commits
        services.answer_ask(ask=ask, actor=growth_leader, state=Ask.State.ACCEPTED, answer="Go ahead.")

    assertNotContains(login(bystander).get(the_map), "Platform is waiting on Growth")


@pytest.mark.parametrize("asks", [2, 12])
def test_the_signal_costs_the_same_queries_however_many(organisation, send, asks, django_assert_num_queries):
    for n in range(asks):
        send("consult", due_on=TODAY + timedelta(days=n), title=f"Ask {n}")

    # 1. the longest overdue, plus one  2. how many in all (more than shown)
    with django_assert_num_queries(2):
        group = overdue(organisation, now=NOON + timedelta(days=asks), shown=1)

    assert (len(group.signals), group.total) == (1, asks)
