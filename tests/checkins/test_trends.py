"""Trends over weeks and the week's falling confidence, computed from recorded progress and check-ins.

A key result's value in a week is the newest progress recorded by that week's end, carried
forward through weeks without a reading; its history follows the key result's lineage across
amendments. The trends page shows twelve weeks at a time.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from alignment.weeks import week_starting
from charters.models import KeyResult, KeyResultProgress
from checkins import selectors
from checkins.models import CheckIn
from tests.checkins.conftest import MONDAY, at, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def kr(charter):
    return KeyResult.objects.get(goal__charter=charter)


def _progress(kr, value, confidence, when, lineage=None):
    return KeyResultProgress.objects.create(lineage=lineage or kr, key_result=kr, value=value, confidence=confidence,
                                            recorded_at=when)


def _weeks_back(n: int):
    return MONDAY - timedelta(weeks=n)


def test_confidence_that_fell_during_the_week_is_listed(team, kr, frozen):
    frozen(at(4))
    _progress(kr, 2, "on_track", at(3, monday=_weeks_back(1)))
    _progress(kr, 2, "at_risk", at(1))

    drops = selectors.confidence_drops(team, week_starting(team, MONDAY))

    assert [(d.key_result, d.was.confidence, d.now.confidence) for d in drops] == [(kr, "on_track", "at_risk")]


@pytest.mark.parametrize("earlier, now", [("at_risk", "at_risk"), ("off_track", "at_risk"), (None, "off_track")])
def test_confidence_that_held_rose_or_is_new_is_not_a_fall(team, kr, frozen, earlier, now):
    frozen(at(4))
    if earlier:
        _progress(kr, 2, earlier, at(3, monday=_weeks_back(1)))
    _progress(kr, 3, now, at(1))

    assert selectors.confidence_drops(team, week_starting(team, MONDAY)) == []


def test_the_fall_is_measured_against_the_newest_reading_before_the_week(team, kr, frozen):
    """Two readings last week: the later one (at risk) is where the week started from."""
    frozen(at(4))
    _progress(kr, 1, "on_track", at(0, monday=_weeks_back(1)))
    _progress(kr, 1, "at_risk", at(4, monday=_weeks_back(1)))
    _progress(kr, 1, "at_risk", at(1))

    assert selectors.confidence_drops(team, week_starting(team, MONDAY)) == []


def test_the_week_page_shows_the_fall(login, leader, kr, frozen):
    frozen(at(4))
    _progress(kr, 2, "on_track", at(3, monday=_weeks_back(1)))
    _progress(kr, Decimal("1.5"), "off_track", at(1))

    page = login(leader).get(url("week")).content.decode()

    assert "Releases per month" in page and "on track → " in page and "off track" in page


def test_a_key_result_trend_carries_the_value_forward_and_follows_the_lineage(team, kr, charter, frozen):
    frozen(at(4))
    window = selectors.window_ending(week_starting(team, MONDAY), week_starting(team, MONDAY))
    before_window = at(2, monday=_weeks_back(20))
    _progress(kr, 1, "at_risk", before_window)
    _progress(kr, 3, "on_track", at(2, monday=_weeks_back(5)))
    amended = KeyResult.objects.create(goal=kr.goal, metric="Releases per month (amended)", lineage=kr,
                                       start_value=1, target_value=4)
    _progress(amended, Decimal("3.5"), "on_track", at(1), lineage=kr)

    page = selectors.trends_page(team, window)

    trend = next(t for _, trends in page.goals for t in trends if t.key_result == kr)
    values = [w.reading.value if w.reading else None for w in trend.weeks]
    assert values[:6] == [1] * 6  # carried in from before the window
    assert values[6:11] == [3] * 5 and values[11] == Decimal("3.5")
    assert [w.updated for w in trend.weeks].count(True) == 2


def test_participation_and_strain_are_counted_by_week(team, member, facilitator, charter, frozen):
    frozen(at(4))
    strained = charter.non_negotiables.first()
    CheckIn.objects.create(team=team, author=member, week=MONDAY, state="submitted", submitted_at=at(4, "11:00"),
                           is_late=True, load="overloaded", strained_non_negotiable=strained)
    CheckIn.objects.create(team=team, author=facilitator, week=MONDAY, load="light")  # a draft: not counted
    CheckIn.objects.create(team=team, author=member, week=_weeks_back(2), state="submitted",
                           submitted_at=at(1, monday=_weeks_back(2)), load="light", strained_non_negotiable=strained)
    window = selectors.window_ending(week_starting(team, MONDAY), week_starting(team, MONDAY))

    page = selectors.trends_page(team, window)

    this_week, two_back = page.participation[-1], page.participation[-3]
    assert (this_week.submitted, this_week.late, this_week.drafts) == (1, 1, 1)
    # The counts themselves (`.value`); how small ones show is tests/checkins/test_small_team_privacy.py's.
    assert dict(this_week.loads)["overloaded"].value == 1 and dict(this_week.loads)["light"].value == 0
    assert (two_back.submitted, dict(two_back.loads)["light"].value) == (1, 1)
    assert page.people_count == 2  # the member and the facilitator check in; the leader does not
    assert [(s.non_negotiable_title, [c.value for c in s.counts[-3:]], s.total.value) for s in page.strains] == [
        ("Reviewed code only", [1, 0, 1], 2)]


def test_the_window_pages_back_and_not_past_this_week(team, frozen):
    frozen(at(4))
    current = week_starting(team, MONDAY)

    window = selectors.window_ending(current, current)
    earlier = selectors.window_ending(window.earlier, current)
    future = selectors.window_ending(week_starting(team, MONDAY + timedelta(weeks=5)), current)

    assert len(window.weeks) == 12 and window.last == current and window.later is None
    assert earlier.last == window.first.previous() and earlier.later == current
    assert future.last == current


def test_trends_page_renders_a_chart_and_its_table(login, member, kr, frozen):
    frozen(at(4))
    _progress(kr, Decimal("2.5"), "at_risk", at(1))

    page = login(member).get(url("trends")).content.decode()

    assert 'role="img"' in page and page.count("<circle") == 2  # the reading's marker, and its legend's sample
    assert "2.5" in page and "at risk" in page and "as a table" in page
    # Each key result's chart names its own title and description (ids unique on the page).
    assert f'aria-labelledby="kr-{kr.pk}-title kr-{kr.pk}-desc"' in page
    assert login(member).get(url("trends", query="until=not-a-date")).status_code == 404


def test_a_trends_table_is_written_as_format_html_would_write_it():
    """Its rows are written in Python with each text escaped, as `format_html` would write them."""
    from django.utils.html import format_html_join

    rows = [("23 Nov 2026", '1,200.5 <ms> & "so"', "at risk", "yes"), ("30 Nov 2026", "—", "—", "no")]

    class Written(selectors.KeyResultTrend):
        pass

    Written.rows = rows  # in place of the property: the rows as `rows` gives them
    trend = Written(key_result=None, weeks=[], names={}, confidence={})

    assert trend.table_rows == format_html_join(
        "", '<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>', rows)
    assert "&lt;ms&gt; &amp; &quot;so&quot;" in trend.table_rows


def test_the_key_results_part_is_kept_until_a_reading_changes_it(login, member, leader, kr, frozen):
    """The part every reader of the team reads alike is drawn once per version of its readings."""
    frozen(at(4))
    _progress(kr, 2, "on_track", at(1))
    first = login(member).get(url("trends")).content.decode()
    assert "on track" in first and "at risk" not in first

    _progress(kr, 3, "at_risk", at(2))  # a new reading: a new version, so a new drawing for everyone
    again = login(leader).get(url("trends")).content.decode()

    assert "at risk" in again and "3" in again.split('id="trend-')[1].split("</tbody>")[0]


def test_a_reading_corrected_in_the_admin_shows_in_the_kept_key_results(login, member, kr, frozen):
    """Staff may correct a reading in the admin, which keeps its id and the count: the part is kept per when a
    reading was last saved too."""
    from tests.charters.factories import corrected_in_the_admin

    frozen(at(4))
    reading = _progress(kr, 2, "on_track", at(1))
    assert "at risk" not in login(member).get(url("trends")).content.decode()  # drawn and kept

    frozen(at(4) + timedelta(minutes=5))
    corrected_in_the_admin(reading, confidence="at_risk")

    assert "at risk" in login(member).get(url("trends")).content.decode()
