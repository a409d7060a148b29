"""The cycle page: the same queries with a short history or a long one, and a scoreboard kept for the whole team.

The scoreboard (the cycle's goals and key results, week by week) reads alike for everyone in the team,
so it is drawn once per version of what it shows and kept (`alignment.fragments`); a reading recorded
makes a new version, and what is the reader's own (the leader's closing form) is drawn around it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from charters.models import KeyResult, KeyResultProgress, NonNegotiable
from charters.services import record_progress
from checkins.models import Blocker, CheckIn, Commitment
from decisions.models import Decision
from reviews.models import NonNegotiableRating, Retrospective, ReviewCycle
from tests.charters.factories import ratified_charter

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
STARTED = datetime(2026, 11, 2, 9, tzinfo=LONDON)  # the cycle under review started on this Monday
TODAY = datetime(2026, 11, 25, 9, tzinfo=LONDON)


@pytest.fixture
def running(team, leader, frozen):
    """The cycle that started on 2 Nov 2026 under a ratified charter with two goals (key results 10 → 20)."""
    frozen(STARTED)
    charter = ratified_charter(team, leader, goals=2)
    return ReviewCycle.objects.get(team=team), charter


def cycle_url(team, number: int) -> str:
    return reverse("reviews:cycle", args=[team.organisation.slug, team.slug, number])


@pytest.fixture
def history(team, leader, member, make_user, add_member, running):
    """`history(size)`: the running cycle as number `size + 1`, after `size` closed cycles each reviewed in a
    retrospective where everyone rated the non-negotiables; `size` people checking in every week with a
    blocker each; `size` decisions (conscious investments), commitments and readings in the cycle."""

    def grow(size: int) -> ReviewCycle:
        cycle, charter = running
        kr = KeyResult.objects.filter(goal__charter=charter).first()
        people = [member] + [make_user(f"person{n}@example.com", f"Person {n}") for n in range(size - 1)]
        for person in people[1:]:
            add_member(team, person, "member")
        ReviewCycle.objects.filter(pk=cycle.pk).update(number=size + 1)
        nns = list(NonNegotiable.objects.filter(charter=charter))
        for number in range(1, size + 1):
            start = cycle.start_date - timedelta(weeks=6 * (size + 1 - number))
            past = ReviewCycle.objects.create(team=team, number=number, start_date=start,
                                              end_date=start + timedelta(weeks=6), charter=charter, state="closed",
                                              closed_at=datetime.combine(start + timedelta(weeks=6),
                                                                         datetime.min.time(), LONDON))
            retro = Retrospective.objects.create(team=team, cycle=past, phase="closed", closed_at=past.closed_at)
            NonNegotiableRating.objects.bulk_create(
                NonNegotiableRating(retrospective=retro, non_negotiable=nn, participant=person, rating="held")
                for nn in nns for person in people)
        for week in range(4):
            monday = cycle.start_date + timedelta(weeks=week)
            for person in people:
                checkin = CheckIn.objects.create(team=team, author=person, week=monday, state="submitted",
                                                 submitted_at=STARTED + timedelta(weeks=week), load="about_right",
                                                 boundary_question="Who picks the pager?")
                Blocker.objects.create(check_in=checkin, what="Waiting on review",
                                       opened_at=datetime.combine(monday, datetime.min.time(), LONDON))
        for n in range(size):
            Commitment.objects.create(team=team, owner=member, title=f"Commitment {n}", standard="Done",
                                      due_on=date(2026, 11, 10), state="done" if n % 2 else "open")
            Decision.objects.create(team=team, title=f"Investment {n}", purpose_effect="advances",
                                    metric_effect="dents", verdict="conscious_investment", key_result=kr,
                                    logged_by=leader, logged_at=STARTED + timedelta(days=1))
            KeyResultProgress.objects.create(lineage=kr, key_result=kr, value=10 + n, confidence="on_track",
                                             recorded_at=STARTED + timedelta(days=2, hours=n))
        return ReviewCycle.objects.get(pk=cycle.pk)

    return grow


@pytest.mark.parametrize("size", [2, 20])
def test_the_cycle_page_is_flat(login, leader, team, history, frozen, size, django_assert_num_queries):
    cycle = history(size)
    frozen(TODAY)
    client = login(leader)

    # 1 the user, 2 the person's memberships (the access check, the header's team switcher and the header's
    # bell's unread count), 3 the cycle with its retrospective, 4 its key results with their goals, where each
    # stands and what the scoreboard is drawn from, 5 its decisions with the value of the key result each
    # dented then and now, 6 the cycle's check-ins counted by week, 7 blockers raised and resolved, 8 the
    # cycle's commitments with how they ended and the open ones to carry over, 9 the non-negotiables' health;
    # the first reading draws the scoreboard: 10 where each key result stood when the cycle began, 11 what was
    # recorded during it.
    with django_assert_num_queries(11):
        first = client.get(cycle_url(team, cycle.number))
    # Every later reading takes the scoreboard as kept: 1-9 above.
    with django_assert_num_queries(9):
        again = client.get(cycle_url(team, cycle.number))

    body = first.content.decode()
    assert body.count("Investment ") == size and body.count("Commitment ") >= size
    assert again.content == first.content.replace(*_tokens(first, again))


def _tokens(first, again) -> tuple[bytes, bytes]:
    """The two readings' CSRF tokens (masked anew for every response), to compare the pages around them."""
    import re

    pattern = rb'name="csrfmiddlewaretoken" value="([^"]+)"'
    return re.search(pattern, first.content).group(1), re.search(pattern, again.content).group(1)


def test_a_reading_recorded_redraws_the_scoreboard_for_everyone(login, leader, member, team, running, frozen):
    cycle, charter = running
    kr = KeyResult.objects.filter(goal__charter=charter).first()
    frozen(TODAY)
    page = cycle_url(team, cycle.number)
    assert "on track" not in login(member).get(page).content.decode()  # no reading yet: kept like that

    record_progress(key_result=kr, actor=leader, value=Decimal(15), confidence="on_track",
                    recorded_at=TODAY - timedelta(hours=1))

    body = login(member).get(page).content.decode()
    assert '<td>15% <span class="muted">(50%)</span></td>' in body
    assert '<li class="confidence on_track" title="Week of 23 Nov 2026">on track</li>' in body


def test_a_reading_corrected_in_the_admin_redraws_the_scoreboard(login, leader, member, team, running, frozen):
    """Staff may correct a reading in the admin, which keeps its id and the count: the scoreboard is kept per
    when a reading was last saved too."""
    from tests.charters.factories import corrected_in_the_admin

    cycle, charter = running
    kr = KeyResult.objects.filter(goal__charter=charter).first()
    frozen(TODAY)
    earlier = record_progress(key_result=kr, actor=leader, value=Decimal(12), confidence="on_track",
                              recorded_at=datetime(2026, 11, 10, 9, tzinfo=LONDON))
    record_progress(key_result=kr, actor=leader, value=Decimal(15), confidence="on_track",
                    recorded_at=TODAY - timedelta(hours=1))
    page = cycle_url(team, cycle.number)
    week = 'title="Week of 9 Nov 2026"'
    assert f'<li class="confidence on_track" {week}>' in login(member).get(page).content.decode()  # drawn, kept

    frozen(TODAY + timedelta(minutes=5))
    corrected_in_the_admin(earlier, confidence="off_track")  # not the newest: where the cycle stands is the same

    assert f'<li class="confidence off_track" {week}>' in login(member).get(page).content.decode()


def test_the_leaders_closing_form_stays_out_of_the_kept_scoreboard(login, leader, member, team, running, frozen):
    cycle, _ = running
    frozen(TODAY)
    Commitment.objects.create(team=team, owner=member, title="Failover runbook", standard="Done",
                              due_on=date(2026, 12, 1))

    assert "Close this cycle" in login(leader).get(cycle_url(team, cycle.number)).content.decode()
    body = login(member).get(cycle_url(team, cycle.number)).content.decode()

    assert "Goals and key results" in body
    assert "Close this cycle" not in body and 'name="carry"' not in body
