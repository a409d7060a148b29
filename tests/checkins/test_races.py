"""Check-in saves that really overlap, each on its own PostgreSQL connection.

Two tabs of the same person saving their first draft of the week at the same instant: the
unique constraint (team, author, week) lets one create the check-in; the other finds it,
sees a version it did not load, and is shown both texts (409). Exactly one check-in, never
a 500. Two tabs saving the same version of a draft as they type: the compare-and-set write
lets one through, the other is told in its status line (409). Runs over several rounds because
a race window is small; tests/checkins/test_this_week_views.py replays the losing side
deterministically on any database.
"""

from __future__ import annotations

import pytest

from alignment.weeks import week_starting
from checkins import services
from checkins.content import BlockerRow, CheckInContent
from checkins.models import Blocker, CheckIn
from tests.checkins.conftest import MONDAY, at, form_data, url
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


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rows", ["as saved", "changed"])
def test_two_tabs_autosaving_the_same_version_at_once_keep_one_and_tell_the_other(member, team, frozen, rows):
    """As saved, each save is the check-in's UPDATE alone; changed, each also writes its blocker row."""
    frozen(at(2))
    for _ in range(ROUNDS):
        CheckIn.objects.all().delete()
        saved = services.save_draft(team=team, author=member, week=week_starting(team, MONDAY), expected_version=0,
                                    content=CheckInContent(progress="Started", blockers=(BlockerRow(0, "VPN"),)))
        tabs = [logged_in_client(member), logged_in_client(member)]
        texts = ["Typed in the first tab", "Typed in the second tab"]
        blocker = "VPN" if rows == "as saved" else "VPN, still"
        posts = [form_data(version=str(saved.version), fingerprint=saved.fingerprint, progress=text,
                           blocker_0_what=blocker) for text in texts]

        outcomes = run_concurrently(*(
            (lambda tab=tab, data=data: tab.post(url("save_draft"), data, HTTP_HX_REQUEST="true"))
            for tab, data in zip(tabs, posts, strict=True)
        ))

        responses = [outcome.unwrap() for outcome in outcomes]
        assert sorted(r.status_code for r in responses) == [200, 409]
        loser = next(r for r in responses if r.status_code == 409).content.decode()
        assert "changed in another tab" in loser
        checkin = CheckIn.objects.get()
        assert checkin.version == saved.version + 1 and checkin.progress in texts
        assert list(Blocker.objects.values_list("what", flat=True)) == [blocker]
