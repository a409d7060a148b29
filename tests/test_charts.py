"""Server-rendered SVG charts: exact geometry for simple readings, and markup the CSP allows.

Pure functions and templates: no database. The default line chart is 640 × 200 with the plot
from x 44 to 624 and y 12 to 172 (160 high); the default bar chart's plot runs from y 20 to 132.
"""

from __future__ import annotations

import re
from decimal import Decimal
from itertools import pairwise

import pytest
from django.utils import translation

from charts.svg import (
    AxisLabel,
    Bar,
    Marker,
    Plot,
    Point,
    bar_chart,
    format_number,
    line_chart,
    render_bar_chart,
    render_line_chart,
)

TOP, BOTTOM = 12.0, 172.0


def values(*readings) -> list[Point]:
    return [Point(label=f"w{i}", value=v) for i, v in enumerate(readings, start=1)]


def inside(chart, y: float) -> bool:
    return chart.plot.top <= y <= chart.plot.bottom


# Numbers ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "text"), [
    (42, "42"), (Decimal("42.50"), "42.5"), (42.0, "42"), (1200, "1,200"), (Decimal("1.2E+3"), "1,200"),
    (-3.25, "-3.25"), (Decimal("-0"), "0"), (0.1, "0.1"),
])
def test_numbers_are_written_without_trailing_zeros(value, text):
    assert format_number(value) == text


@pytest.mark.parametrize("value", [0.0, -0.0, 12.0, 12.5, -3.0, -3.5, 0.1, -0.1, 1234567.8, 99999.9, 1e16, 1e-05, 1e22,
                                   123.456, 2 / 3])
def test_a_coordinate_is_written_as_format_number_writes_it_without_commas(value):
    """Coordinates are written straight from how Python prints them (a chart writes hundreds), as the
    one way the site writes a number would, but for its thousands' commas."""
    from charts.svg import _coordinate

    assert _coordinate(value) == format_number(Decimal(str(value))).replace(",", "")


def test_a_unit_follows_the_number():
    assert format_number(Decimal("42.0"), "%") == "42%"


# Line chart geometry ----------------------------------------------------------------------------

def test_a_simple_line_has_exact_coordinates():
    chart = line_chart(values(0, 50, 100))

    assert chart.view_box == "0 0 640 200"
    assert chart.plot == Plot(left=44.0, top=12.0, right=624.0, bottom=172.0)
    # 580 wide in three slots of 193.33; each point sits mid-slot.
    assert chart.markers == (
        Marker(cx=140.7, cy=172.0, status="", title="w1: 0"),
        Marker(cx=334.0, cy=92.0, status="", title="w2: 50"),
        Marker(cx=527.3, cy=12.0, status="", title="w3: 100"),
    )
    assert chart.segments == ("M140.7 172L334 92L527.3 12",)
    assert [(t.label, t.y) for t in chart.ticks] == [
        ("0", 172.0), ("25", 132.0), ("50", 92.0), ("75", 52.0), ("100", 12.0)]


def test_a_higher_value_is_drawn_higher_up():
    chart = line_chart(values(10, 30, 20))

    ys = [m.cy for m in chart.markers]
    assert ys[1] < ys[2] < ys[0]


def test_lowest_and_highest_ticks_are_the_plot_edges_and_cover_the_readings():
    chart = line_chart(values(13, 47, 31))

    assert [t.value for t in chart.ticks] == [10, 20, 30, 40, 50]
    assert (chart.ticks[0].y, chart.ticks[-1].y) == (BOTTOM, TOP)
    assert all(inside(chart, m.cy) for m in chart.markers)


@pytest.mark.parametrize("readings", [
    (0, 100), (13, 47), (0.001, 0.0047), (1200, 1500), (-3.5, 12), (2, 3), (7, 7), (0,), (-40, -10), (0.5, 99.5),
])
def test_there_are_three_to_five_round_ticks(readings):
    ticks = line_chart(values(*readings)).ticks

    assert 3 <= len(ticks) <= 5
    steps = {b.value - a.value for a, b in pairwise(ticks)}
    assert len(steps) == 1
    (step,) = steps
    mantissa = step.scaleb(-step.adjusted())
    assert mantissa in {1, 2, Decimal("2.5"), 5}


def test_whole_number_readings_get_whole_number_ticks():
    assert [t.label for t in line_chart(values(0, 9)).ticks] == ["0", "5", "10"]


def test_a_gap_splits_the_line_and_has_no_marker():
    chart = line_chart(values(10, 20, None, 30, 40))

    assert len(chart.markers) == 4
    assert len(chart.segments) == 2
    assert chart.segments[0].startswith(f"M{chart.x_labels[0].x:g} ")
    assert chart.segments[1].startswith(f"M{chart.x_labels[3].x:g} ")


def test_a_lone_reading_between_gaps_draws_only_its_marker():
    chart = line_chart(values(None, 10, None, 20, 30))

    assert len(chart.markers) == 3
    assert chart.segments == (f"M{chart.markers[1].cx:g} {chart.markers[1].cy:g}"
                              f"L{chart.markers[2].cx:g} {chart.markers[2].cy:g}",)


def test_a_single_point_sits_in_the_middle():
    chart = line_chart([Point("12 Oct", 42, "at_risk", "12 Oct: 42 % (at risk)")])

    (marker,) = chart.markers
    assert marker == Marker(cx=334.0, cy=marker.cy, status="at_risk", title="12 Oct: 42 % (at risk)")
    assert inside(chart, marker.cy)
    assert chart.segments == ()
    assert chart.x_labels == (AxisLabel(x=334.0, label="12 Oct"),)


def test_equal_readings_draw_a_flat_line_inside_the_plot():
    chart = line_chart(values(7, 7, 7))

    assert [t.label for t in chart.ticks] == ["6", "7", "8"]
    assert {m.cy for m in chart.markers} == {92.0}


def test_readings_all_zero_do_not_divide_by_zero():
    chart = line_chart(values(0, 0))

    assert [t.label for t in chart.ticks] == ["-1", "0", "1"]
    assert {m.cy for m in chart.markers} == {92.0}


def test_a_week_without_any_reading_still_draws_axes():
    chart = line_chart(values(None, None))

    assert chart.markers == chart.segments == ()
    assert len(chart.ticks) == 3


def test_negative_readings_go_below_zero():
    chart = line_chart(values(-3.5, 12))

    assert [t.label for t in chart.ticks] == ["-5", "0", "5", "10", "15"]
    zero = next(t.y for t in chart.ticks if t.value == 0)
    assert chart.markers[0].cy > zero > chart.markers[1].cy
    assert chart.markers[0].cy == 160.0  # 1.5 above -5, at 8 per unit


def test_a_target_above_every_reading_stays_inside_the_plot():
    chart = line_chart(values(10, 20), target=80, unit="%")

    assert chart.target.y == TOP
    assert chart.target.label == "80%"
    assert chart.ticks[-1].label == "80%"
    assert all(inside(chart, m.cy) for m in chart.markers)


def test_a_start_below_every_reading_stays_inside_the_plot():
    chart = line_chart(values(50, 60), start=Decimal("0.0"), target=100)

    assert chart.start.y == BOTTOM
    assert chart.start.label == "0"
    assert chart.target.y == TOP


def test_no_target_or_start_draws_no_guide():
    chart = line_chart(values(1, 2))

    assert chart.target is None
    assert chart.start is None


def test_a_float_reading_is_placed_as_printed():
    chart = line_chart(values(0.1, 0.3), target=0.2)

    assert chart.target.y == 92.0  # exactly midway: 0.1 + 0.2 is not 0.30000000000000004 here


@pytest.mark.parametrize(("count", "shown"), [
    (1, [0]), (8, list(range(8))), (9, [0, 2, 4, 6, 8]), (20, [1, 4, 7, 10, 13, 16, 19]), (52, [2, 9, 16, 23, 30, 37, 44, 51]),
])
def test_x_labels_thin_out_to_at_most_eight_and_keep_the_latest(count, shown):
    chart = line_chart(values(*range(count)))

    labels = [x.label for x in chart.x_labels]
    assert labels == [f"w{i + 1}" for i in shown]
    assert len(labels) <= 8
    assert labels[-1] == f"w{count}"


def test_an_empty_line_chart_is_refused():
    with pytest.raises(ValueError, match="at least one point"):
        line_chart([])


def test_an_infinite_reading_is_refused():
    with pytest.raises(ValueError):
        line_chart(values(float("inf")))


# Bar chart geometry -----------------------------------------------------------------------------

def test_bar_heights_are_proportional_to_the_maximum():
    chart = bar_chart([Bar("w1", 3), Bar("w2", 5), Bar("w3", 0)], maximum=5)

    # The plot is 112 high: 5 of 5 fills it, 3 of 5 is 67.2.
    assert [(b.y, b.height) for b in chart.bars] == [(64.8, 67.2), (20.0, 112.0), (132.0, 0.0)]
    assert [(b.x, b.width, b.centre) for b in chart.bars] == [
        (82.7, 116.0, 140.7), (276.0, 116.0, 334.0), (469.3, 116.0, 527.3)]
    assert [b.value_label for b in chart.bars] == ["3", "5", "0"]
    assert [b.title for b in chart.bars] == ["w1: 3", "w2: 5", "w3: 0"]


def test_bar_ticks_end_at_the_maximum():
    chart = bar_chart([Bar("w1", 3)], maximum=7)

    assert [(t.label, t.y) for t in chart.ticks] == [
        ("0", 132.0), ("2", 100.0), ("4", 68.0), ("6", 36.0), ("7", 20.0)]


def test_a_bar_tick_too_close_to_the_maximum_gives_way_to_it():
    chart = bar_chart([Bar("w1", 3)], maximum=21)

    assert [t.label for t in chart.ticks] == ["0", "10", "21"]  # 20 would sit 5 units below 21


def test_a_bar_above_the_maximum_raises_the_scale():
    chart = bar_chart([Bar("w1", 6), Bar("w2", 3)], maximum=4)

    assert chart.maximum == 6
    assert chart.bars[0].y == chart.plot.top
    assert chart.bars[1].height == 56.0


def test_bars_scale_to_the_largest_without_a_maximum():
    chart = bar_chart([Bar("w1", 2), Bar("w2", 8)])

    assert chart.bars[1].height == chart.plot.height == 112.0
    assert chart.bars[0].height == 28.0


def test_a_zero_maximum_does_not_divide_by_zero():
    chart = bar_chart([Bar("w1", 0), Bar("w2", 0)], maximum=0)

    assert {(b.y, b.height) for b in chart.bars} == {(132.0, 0.0)}
    assert [t.label for t in chart.ticks] == ["0"]


def test_a_negative_bar_is_refused():
    with pytest.raises(ValueError, match="negative"):
        bar_chart([Bar("w1", -1)])


def test_values_above_bars_are_left_out_when_there_are_many():
    assert bar_chart([Bar(f"w{i}", i) for i in range(16)]).show_values
    assert not bar_chart([Bar(f"w{i}", i) for i in range(17)]).show_values


# Rendering --------------------------------------------------------------------------------------

def render_line(chart, **context) -> str:
    arguments = {"chart_id": "kr-12", "title": "Weekly active teams", "desc": "From 10 to 40.", **context}
    return render_line_chart(chart, **arguments)


def test_a_line_chart_is_an_image_labelled_by_its_title_and_description():
    html = render_line(line_chart(values(10, 20)))

    assert 'role="img"' in html
    assert 'aria-labelledby="kr-12-title kr-12-desc"' in html
    assert '<title id="kr-12-title">Weekly active teams</title>' in html
    assert '<desc id="kr-12-desc">From 10 to 40.</desc>' in html
    assert 'viewBox="0 0 640 200"' in html


def test_a_line_chart_has_one_circle_per_reading():
    points = [Point("5 Oct", 10, "on_track", "5 Oct: 10 (on track)"), Point("12 Oct", None),
              Point("19 Oct", 20, "off_track"), Point("26 Oct", 30, "at_risk")]

    html = render_line(line_chart(points, target=40, start=5))

    assert html.count("<circle") == 3
    assert '<circle class="chart-marker on_track" cx="116.5" ' in html  # four slots of 145
    assert "<title>5 Oct: 10 (on track)</title>" in html
    assert 'class="chart-marker off_track"' in html
    assert 'class="chart-marker at_risk"' in html
    assert html.count('class="chart-line"') == 1
    assert "target 40" in html
    assert "start 5" in html


def test_charts_have_no_inline_style_or_script():
    line = render_line(line_chart(values(10, None, 20), target=30, start=0))
    bars = render_bar_chart(bar_chart([Bar("w1", 3, status="on_track")], maximum=5), chart_id="p", title="t",
                            desc="d")

    for html in (line, bars):
        assert "style" not in html.lower()
        assert "<script" not in html.lower()
        assert not re.search(r"\son\w+=", html)


def test_titles_and_labels_are_escaped():
    html = render_line(line_chart([Point("<b>", 1, title="<i>")]), title="A & B")

    assert "<b>" not in html
    assert "<i>" not in html
    assert "A &amp; B" in html


def test_coordinates_keep_a_decimal_point_in_any_language(translations_on):
    with translation.override("de"):
        html = render_line(line_chart(values(0, 50, 100)))

    assert 'cx="140.7"' in html
    assert 'cx="140,7"' not in html


def test_a_bar_chart_renders_a_rect_per_bar_with_its_title():
    chart = bar_chart([Bar("w1", 3, "Week 1: 3 of 5 checked in"), Bar("w2", 5, status="on_track")], maximum=5)

    html = render_bar_chart(chart, chart_id="participation", title="Check-ins", desc="3, then 5")

    assert 'role="img"' in html
    assert 'aria-labelledby="participation-title participation-desc"' in html
    assert html.count("<rect") == 2
    assert "<title>Week 1: 3 of 5 checked in</title>" in html
    assert 'class="chart-bar on_track"' in html
    assert 'class="chart-bar" x=' in html


# Gaps and legends ---------------------------------------------------------------------------------

def test_a_bar_without_a_value_is_a_gap_not_a_bar_of_zero():
    chart = bar_chart([Bar("c1", 80, status="on_track"), Bar("c2", None), Bar("c3", 0, status="off_track")],
                      maximum=100, gap_label="not rated")

    html = render_bar_chart(chart, chart_id="health", title="Held", desc="per cycle")

    assert [bar.gap for bar in chart.bars] == [False, True, False]
    assert html.count("<rect") == 2  # the rated cycles, the one at 0% included
    assert '<text class="chart-gap" x="' in html and "<title>c2: not rated</title>" in html


def test_a_line_chart_legend_names_the_line_each_confidence_drawn_the_guides_and_a_gap():
    from charts.svg import render_legend

    labels = {"on_track": "on track", "at_risk": "at risk", "off_track": "off track"}
    chart = line_chart([Point("w1", 10, "off_track"), Point("w2", None), Point("w3", 12, "on_track"),
                        Point("w4", 13, "on_track")], target=20, start=5, series="value", status_labels=labels)

    assert [(e.kind, e.status, e.label) for e in chart.legend] == [
        ("line", "", "value"), ("marker", "on_track", "on track"), ("marker", "off_track", "off track"),
        ("start", "", "start"), ("target", "", "target"), ("gap", "", "no reading")]
    html = render_legend(chart.legend, chart_id="kr-1")
    assert html.startswith('<ul class="chart-legend" id="kr-1-legend" aria-label="Legend">')
    assert '<circle class="chart-marker off_track" cx="14" cy="7" r="5"/></svg>off track</li>' in html
    assert 'aria-hidden="true"' in html and "style=" not in html


def test_a_bar_chart_legend_names_each_look_in_words():
    chart = bar_chart([Bar("c1", 80, status="on_track"), Bar("c2", 40, status="off_track")], maximum=100,
                      status_labels={"on_track": "mostly held", "at_risk": "strained", "off_track": "broken"})

    assert [entry.label for entry in chart.legend] == ["mostly held", "broken"]
    assert [entry.label for entry in bar_chart([Bar("w1", 3)], series="check-ins").legend] == ["check-ins"]


def test_the_health_trend_draws_a_cycle_not_rated_as_a_gap():
    from reviews.retro.selectors import CycleHealth, NonNegotiableTrend

    trend = NonNegotiableTrend("Reviewed code only", [CycleHealth(4, 1, 0, 1), CycleHealth(0, 0, 0, 2),
                                                      CycleHealth(0, 2, 3, 3)])

    chart = trend.chart

    assert [(bar.gap, bar.height > 0) for bar in chart.bars] == [(False, True), (True, False), (False, False)]
    assert chart.bars[1].title == "Cycle 2: not rated"
    assert [entry.label for entry in chart.legend] == ["mostly held", "broken as often as held", "not rated"]
