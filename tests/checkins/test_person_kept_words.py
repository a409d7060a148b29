"""A person's check-ins page keeps what each submitted check-in says (`checkin_body.html#words`) as the team's week
keeps it: drawn once per version of its words, for every reader who may read it, under the same key. A draft's
words, and each reader's own parts (a blocker's resolve form), are drawn at every reading."""

from __future__ import annotations

from datetime import timedelta

import pytest

from checkins.models import Blocker, CheckIn
from tests.checkins.conftest import MONDAY, at, url

pytestmark = pytest.mark.django_db

WORDS = "words"  # the partial of checkins/checkin_body.html, as the test client names it


@pytest.fixture
def written(team, member, frozen):
    frozen(at(4))
    return CheckIn.objects.create(team=team, author=member, week=MONDAY - timedelta(weeks=1), state="submitted",
                                  submitted_at=at(4, monday=MONDAY - timedelta(weeks=1)),
                                  progress="Moved the clinic records over", load="high",
                                  boundary_question="Who signs off the cut-over?")


def drawn(response) -> int:
    """How many check-ins' words the response drew rather than read from what was kept."""
    return [template.name for template in response.templates].count(WORDS)


def test_a_check_ins_words_are_drawn_once_for_every_reader(login, leader, member, written):
    first = login(leader).get(url("person", member.pk))
    second = login(member).get(url("person", member.pk))

    assert drawn(first) == 1 and drawn(second) == 0
    for response in (first, second):
        body = response.content.decode()
        assert "Moved the clinic records over" in body and "Who signs off the cut-over?" in body


def test_the_team_week_and_the_persons_page_keep_the_same_words(login, leader, member, written):
    week = login(leader).get(url("week") + f"?week={written.week:%Y-%m-%d}")
    assert drawn(week) == 1 and "Moved the clinic records over" in week.content.decode()

    assert drawn(login(leader).get(url("person", member.pk))) == 0


def test_words_changed_are_drawn_anew(login, leader, member, written):
    login(leader).get(url("person", member.pk))
    CheckIn.objects.filter(pk=written.pk).update(progress="Moved half of the records; the rest next week")

    again = login(leader).get(url("person", member.pk))

    assert drawn(again) == 1
    assert "the rest next week" in again.content.decode() and "Moved the clinic records over" not in \
        again.content.decode()


def test_a_draft_is_drawn_at_every_reading(login, member, team):
    CheckIn.objects.create(team=team, author=member, week=MONDAY, progress="Half-way through the move")

    for _ in range(2):
        response = login(member).get(url("person", member.pk))
        assert drawn(response) == 1 and "Half-way through the move" in response.content.decode()


def test_blockers_are_drawn_at_every_reading_around_the_kept_words(login, leader, member, written):
    blocker = Blocker.objects.create(check_in=written, team=written.team, what="Waiting on the records vendor",
                                     opened_at=written.submitted_at)
    before = login(leader).get(url("person", member.pk)).content.decode()
    Blocker.objects.filter(pk=blocker.pk).update(resolved_at=at(4), resolution="The vendor sent the export")

    after = login(leader).get(url("person", member.pk))

    assert drawn(after) == 0  # the words were kept; the blocker is not part of them
    assert "open</span>" in before and "The vendor sent the export" in after.content.decode()


def test_every_check_ins_kept_words_are_looked_for_together_on_a_process_holding_none(
        login, leader, member, team, frozen, monkeypatch):
    """Kept words drawn in a loop are named ahead (`shared_ahead`): a process that holds none of them at hand asks
    the shared cache once for all of a page's check-ins, on a person's page and on the team's week."""
    from django.core.cache import cache

    from alignment import fragments

    frozen(at(4))
    for weeks_ago in range(1, 4):
        week = MONDAY - timedelta(weeks=weeks_ago)
        CheckIn.objects.create(team=team, author=member, week=week, state="submitted",
                               submitted_at=at(4, monday=week), progress=f"Week {weeks_ago} of the move")
    client = login(leader)
    assert drawn(client.get(url("person", member.pk))) == 3  # drawn and kept

    asked = []

    class Counted:  # the shared cache, its reads of many keys counted
        def __getattr__(self, name):
            return getattr(cache, name)

        def get_many(self, keys, *args):
            asked.append(list(keys))
            return cache.get_many(keys, *args)

    monkeypatch.setattr(fragments, "cache", Counted())
    fragments.near.clear()  # another process: nothing at hand
    again = client.get(url("person", member.pk))

    words = [keys for keys in asked if any(":checkin-body:" in key for key in keys)]
    assert drawn(again) == 0 and len(words) == 1 and len([k for k in words[0] if ":checkin-body:" in k]) == 3
    for weeks_ago in range(1, 4):
        assert f"Week {weeks_ago} of the move" in again.content.decode()

    asked.clear()
    fragments.near.clear()
    week = client.get(url("week") + f"?week={MONDAY - timedelta(weeks=1):%Y-%m-%d}")
    assert drawn(week) == 0 and "Week 1 of the move" in week.content.decode()
    assert len([keys for keys in asked if any(":checkin-body:" in key for key in keys)]) == 1
