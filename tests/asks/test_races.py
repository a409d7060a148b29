"""Two leaders answering the same request at the same instant, each on its own PostgreSQL connection: one answer
stands, the other is refused with its words kept, and the asker is told once."""

from __future__ import annotations

from functools import partial

import pytest

from asks import notices
from asks.models import Ask
from notifications.models import Delivery
from tests.asks.conftest import ask_url
from tests.concurrency import logged_in_client, on_postgresql, run_concurrently

ROUNDS = 5


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_leaders_answer_at_once_and_one_answer_stands(cast, second_growth_leader, send):
    leaders = {"Sofia": cast["growth_leader"], "Gus": second_growth_leader}
    for round_ in range(ROUNDS):
        ask = send("fixed", title=f"Round {round_}")
        url = ask_url("answer", ask)

        def answer(name: str, url: str = url):
            return logged_in_client(leaders[name]).post(url, {"state": "accepted" if name == "Sofia" else "declined",
                                                              "answer": f"{name}'s words"})

        outcomes = [o.unwrap() for o in run_concurrently(partial(answer, "Sofia"), partial(answer, "Gus"))]
        assert sorted(r.status_code for r in outcomes) == [302, 409]
        loser = next(r for r in outcomes if r.status_code == 409).content.decode()
        ask.refresh_from_db()
        winner = "Sofia" if ask.state == Ask.State.ACCEPTED else "Gus"
        assert ask.answer == f"{winner}'s words" and "already answered" in loser
        assert f"{'Gus' if winner == 'Sofia' else 'Sofia'}&#x27;s words" in loser  # the loser's words kept
        assert Delivery.objects.filter(kind=notices.ASK_ANSWERED, key__startswith=f"ask:{ask.pk}:").count() == 1
