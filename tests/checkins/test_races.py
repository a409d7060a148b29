"""Check-in saves that really overlap, each on its own PostgreSQL connection.

Two tabs of the same person saving their first draft of the week at the same instant: the
unique constraint (team, author, week) lets one create the check-in; the other finds it,
sees a version it did not load, and is shown both texts (409). Exactly one check-in, never
a 500. Runs over several rounds because a race window is small; tests/checkins/
test_this_week_views.py replays the losing side deterministically on any database.
"""

from __future__ import annotations

import pytest

from checkins.models import CheckIn
from tests.checkins.conftest import at, form_data, url
from tests.concurrency import logged_in_client, on_postgresql, run_concurrently

ROUNDS = 5


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_tabs_saving_a_first_draft_at_once_make_one_check_in(member, team, frozen):
    frozen(at(2))
    for _ in range(ROUNDS):
        CheckIn.objects.all().delete()
        tabs = [logged_in_client(member), logged_in_client(member)]
        texts = ["Typed in the first tab", "Typed in the second tab"]

        outcomes = run_concurrently(*(
            (lambda tab=tab, text=text: tab.post(url("save_draft"), form_data(progress=text)))
            for tab, text in zip(tabs, texts, strict=True)
        ))

        responses = [outcome.unwrap() for outcome in outcomes]
        assert sorted(r.status_code for r in responses) == [302, 409]
        assert CheckIn.objects.count() == 1
        saved = CheckIn.objects.get().progress
        loser = next(r for r in responses if r.status_code == 409).content.decode()
        assert saved in loser and next(t for t in texts if t != saved) in loser
