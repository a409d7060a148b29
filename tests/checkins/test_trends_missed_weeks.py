"""Trends count a week against the people who were there: weeks before the team existed, or before a person
joined, are not missed check-ins; and each chart has a legend in words."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from alignment.models import Membership
from alignment.weeks import week_starting
from checkins import selectors
from checkins.models import CheckIn
from tests.checkins.conftest import MONDAY, at, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def young_team(team, leader, member, facilitator):
    """Created on the Wednesday two weeks before MONDAY with the member; the facilitator joined on MONDAY."""
    created = at(2, monday=MONDAY - timedelta(weeks=2))
    type(team).objects.filter(pk=team.pk).update(created_at=created)
    Membership.objects.filter(team=team).update(joined_at=created)
    Membership.objects.filter(team=team, user=facilitator).update(joined_at=at(0))
    team.refresh_from_db()
    return team


def participation_rows(body: str) -> dict[str, str]:
    table = body[body.index('<table class="participation">'):]
    table = table[:table.index("</table>")]
    return dict(re.findall(r'<th scope="row">([^<]+)</th><td>(.*?)</td>', table))


def test_weeks_before_the_team_existed_are_not_missed(login, member, young_team, frozen):
    frozen(at(4))
    CheckIn.objects.create(team=young_team, author=member, week=MONDAY - timedelta(weeks=1), state="submitted",
                           submitted_at=at(4, monday=MONDAY - timedelta(weeks=1)))

    rows = participation_rows(login(member).get(url("trends")).content.decode())

    assert len(rows) == 12
    before = [day for day, cell in rows.items() if "before the team existed" in cell]
    assert len(before) == 9 and "26 Oct 2026" in before  # the nine weeks that ended before it was created
    assert rows["26 Oct 2026"] == '— <span class="muted">before the team existed</span>'
    assert rows["2 Nov 2026"] == "0 of 1"  # created that week, with the member: the facilitator came later
    assert rows["9 Nov 2026"] == "1 of 1"
    assert rows["16 Nov 2026"] == "0 of 2"  # the facilitator joined this week


def test_a_team_created_this_week_has_no_missed_weeks(login, member, team, frozen):
    frozen(at(4))
    type(team).objects.filter(pk=team.pk).update(created_at=at(0))
    Membership.objects.filter(team=team).update(joined_at=at(0))
    team.refresh_from_db()

    week = week_starting(team, MONDAY)
    page = selectors.trends_page(team, selectors.window_ending(week, week))

    assert [week.expected for week in page.participation] == [None] * 11 + [1]
    chart = page.participation_chart
    assert [bar.gap for bar in chart.bars] == [True] * 11 + [False]
    assert [entry.label for entry in chart.legend] == ["check-ins submitted", "before the team existed"]


def test_each_chart_of_the_trends_page_has_a_legend_in_words(login, member, leader, young_team, charter, frozen):
    from charters.models import KeyResult
    from charters.services import record_progress

    frozen(at(1))
    record_progress(key_result=KeyResult.objects.get(), actor=leader, value=2, confidence="at_risk")
    frozen(at(4))

    body = login(member).get(url("trends")).content.decode()

    legends = re.findall(r'<ul class="chart-legend"[^>]*>(.*?)</ul>', body)
    assert len(legends) == 2  # the key result's chart and participation
    words = [re.findall(r"</svg>([^<]+)</li>", legend) for legend in legends]
    assert words[0] == ["at risk", "start", "target", "no reading yet"]
    assert words[1] == ["check-ins submitted", "before the team existed"]
