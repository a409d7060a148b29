"""Server-rendered SVG charts: the geometry and the SVG that draws it.

The site's Content-Security-Policy allows no scripts and no inline styles, so a chart is
plain SVG whose shapes carry only geometry (`x`, `y`, `d`, `points`) and CSS classes; the
colours live in `static/css/app.css`. Everything here is pure: it takes numbers and labels,
never a model, so any feature app can chart its own readings.

Coordinates are `Decimal` arithmetic rounded half-up to one decimal place, so the same
readings always draw the same picture and tests can assert exact positions.

    chart = line_chart([Point("5 Oct", 30, "on_track"), Point("12 Oct", None)], target=80, unit="%")

    {% load charts %}{% line_chart chart "kr-12" "Releases per month" "Value at the end of each week." %}
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

type Number = Decimal | float | int

MIN_TICKS = 3
MAX_TICKS = 5
MAX_X_LABELS = 8
MAX_BAR_VALUE_LABELS = 16  # beyond this the numbers above the bars run into each other
NICE_MANTISSAS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5))
ONE_PLACE = Decimal("0.1")


@dataclass(frozen=True)
class Point:
    """One x slot of a line chart: a week's reading, or None when there was none."""

    label: str
    value: Number | None
    status: str = ""  # a CSS modifier of the marker, e.g. "on_track"
    title: str = ""  # the marker's tooltip; "label: value" when empty


@dataclass(frozen=True)
class Bar:
    """One x slot of a bar chart; `value` is a count or amount, never negative, or None for a gap (no data: not
    rated, not yet there), drawn as a dash rather than as a bar of zero."""

    label: str
    value: Number | None
    title: str = ""  # the bar's tooltip; "label: value" when empty
    status: str = ""  # a CSS modifier of the bar


@dataclass(frozen=True)
class LegendEntry:
    """One line of a chart's legend: a sample of what is drawn (`kind`, `status`) and its words."""

    kind: str  # "line", "marker", "bar", "target", "start" or "gap"
    status: str
    label: str


@dataclass(frozen=True)
class Plot:
    """The rectangle inside the margins where the data is drawn."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return _round(Decimal(str(self.right)) - Decimal(str(self.left)))

    @property
    def height(self) -> float:
        return _round(Decimal(str(self.bottom)) - Decimal(str(self.top)))

    @property
    def tick_label_x(self) -> float:
        """Where the y-axis labels end (they are right-aligned against the plot)."""
        return _round(Decimal(str(self.left)) - 6)

    @property
    def x_label_y(self) -> float:
        """The baseline of the x-axis labels, below the plot."""
        return _round(Decimal(str(self.bottom)) + 18)


@dataclass(frozen=True)
class Tick:
    """A horizontal gridline and its label on the y axis."""

    value: Decimal
    y: float
    label: str


@dataclass(frozen=True)
class AxisLabel:
    """A label under one x slot."""

    x: float
    label: str


@dataclass(frozen=True)
class Marker:
    """A reading's dot on the line."""

    cx: float
    cy: float
    status: str
    title: str


@dataclass(frozen=True)
class Guide:
    """A dashed horizontal reference line: the target or the starting value."""

    y: float
    value: Decimal
    label: str  # the value, formatted with its unit


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    plot: Plot
    ticks: tuple[Tick, ...]
    x_labels: tuple[AxisLabel, ...]
    segments: tuple[str, ...]  # path `d` strings; a week without a reading starts a new one
    markers: tuple[Marker, ...]
    target: Guide | None
    start: Guide | None
    legend: tuple[LegendEntry, ...] = ()

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def guide_label_x(self) -> float:
        """Guide labels sit at the right end of the plot, just above their line."""
        return _round(Decimal(str(self.plot.right)) - 4)


@dataclass(frozen=True)
class BarRect:
    """One drawn bar, with its value written above it."""

    x: float
    y: float
    width: float
    height: float
    centre: float
    value_y: float
    label: str
    value_label: str
    title: str
    status: str
    gap: bool = False  # no data here: a dash at the baseline, no bar


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    plot: Plot
    maximum: Decimal  # the value a full-height bar stands for
    ticks: tuple[Tick, ...]
    x_labels: tuple[AxisLabel, ...]
    bars: tuple[BarRect, ...]
    show_values: bool  # numbers above the bars, while there is room for them
    legend: tuple[LegendEntry, ...] = ()

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


# Units written straight after the number; any other unit follows a space ("950 ms", "42%").
_UNITS_WITHOUT_SPACE = {"%", "°", "×"}


def format_number(value: Number, unit: str = "") -> str:
    """A number as people write it: no trailing zeros, thousands grouped ("1,200.5"), then `unit`.

    The one way the site writes a measured value: charts, tables and the `quantity` filter.
    """
    number = _decimal(value)
    if number == 0:
        number = Decimal(0)  # no "-0"
    text = format(number, ",f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if not unit:
        return text
    return f"{text}{unit}" if unit in _UNITS_WITHOUT_SPACE else f"{text} {unit}"


def line_chart(points: Sequence[Point], *, target: Number | None = None, start: Number | None = None,
               width: int = 640, height: int = 200, unit: str = "", series: str = "",
               status_labels: Mapping[str, str] | None = None, gap_label: str = "") -> LineChart:
    """A line through each point's value, a marker per reading, and optional target and start lines.

    The y scale runs between round tick values that cover every value, the target and the
    start, so all of them lie inside the plot. The legend names what is drawn: the line (`series`),
    each marker's status present (in `status_labels`' words, e.g. "on track"), the guides, and a gap
    (`gap_label`, e.g. "no reading") when a point has no value.
    """
    if not points:
        raise ValueError("A line chart needs at least one point, even one without a reading.")
    values = [_decimal(p.value) for p in points if p.value is not None]
    guides = [_decimal(v) for v in (target, start) if v is not None]
    ticks, low, high = _scale(values + guides or [Decimal(0)])
    plot = _plot(width, height, top=12, widest_label=max(len(format_number(v, unit)) for v in ticks))
    to_y = _y_mapper(plot, low, high)
    xs = _slot_centres(plot, len(points))

    segments, run, markers = [], [], []
    for x, point in zip(xs, points, strict=True):
        if point.value is None:
            segments.append(run)
            run = []
            continue
        y = to_y(_decimal(point.value))
        run.append((x, y))
        title = point.title or f"{point.label}: {format_number(point.value, unit)}"
        markers.append(Marker(cx=x, cy=y, status=point.status, title=title))
    segments.append(run)

    def guide(value: Number | None) -> Guide | None:
        if value is None:
            return None
        return Guide(y=to_y(_decimal(value)), value=_decimal(value), label=format_number(value, unit))

    return LineChart(
        width=width, height=height, plot=plot,
        ticks=tuple(Tick(value=v, y=to_y(v), label=format_number(v, unit)) for v in ticks),
        x_labels=_x_labels(xs, [p.label for p in points]),
        # A lone reading between gaps has no line to draw; its marker shows it.
        segments=tuple(_path(run) for run in segments if len(run) > 1),
        markers=tuple(markers),
        target=guide(target), start=guide(start),
        legend=_legend(
            [("line", "", series or _("value"))] if any(len(run) > 1 for run in segments) else [],
            "marker", [p.status for p in points if p.value is not None], status_labels,
            ([("start", "", _("start"))] if start is not None else [])
            + ([("target", "", _("target"))] if target is not None else []),
            gap_label or _("no reading") if any(p.value is None for p in points) else ""),
    )


def bar_chart(bars: Sequence[Bar], *, maximum: Number | None = None,
              width: int = 640, height: int = 160, series: str = "",
              status_labels: Mapping[str, str] | None = None, gap_label: str = "") -> BarChart:
    """Bars from zero, scaled so that `maximum` (say, the team's size) is a full-height bar.

    A value above `maximum` raises the scale to it rather than spill out of the plot; with
    nothing above zero, every bar is flat. A bar whose value is None is a gap: no bar, a dash. The
    legend names the bars (`series`, or each status present in `status_labels`' words) and a gap.
    """
    if not bars:
        raise ValueError("A bar chart needs at least one bar.")
    values = [_decimal(bar.value) if bar.value is not None else Decimal(0) for bar in bars]
    if min(values) < 0:
        raise ValueError("A bar chart draws counts and amounts from zero; a value is negative.")
    plot = _plot(width, height, top=20)  # room for the number above a full bar
    top = max([*values, _decimal(maximum if maximum is not None else 0)])
    xs = _slot_centres(plot, len(bars))
    slot = Decimal(str(plot.width)) / len(bars)
    bar_width = slot * Decimal("0.6")
    bottom = Decimal(str(plot.bottom))
    scale = Decimal(str(plot.height)) / top if top > 0 else Decimal(0)

    rects = []
    for x, bar, value in zip(xs, bars, values, strict=True):
        bar_height = value * scale
        gap = bar.value is None
        rects.append(BarRect(
            x=_round(Decimal(str(x)) - bar_width / 2), y=_round(bottom - bar_height),
            width=_round(bar_width), height=_round(bar_height),
            centre=x, value_y=_round(bottom - bar_height - 5),
            label=bar.label, value_label="–" if gap else format_number(value),
            title=bar.title or (f"{bar.label}: {gap_label or _('no data')}" if gap else
                                f"{bar.label}: {format_number(value)}"),
            status="" if gap else bar.status, gap=gap,
        ))
    drawn = [bar for bar in bars if bar.value is not None]
    statuses = [bar.status for bar in drawn] if status_labels else []
    return BarChart(
        width=width, height=height, plot=plot, maximum=top,
        ticks=_bar_ticks(top, bottom, scale),
        x_labels=_x_labels(xs, [bar.label for bar in bars]),
        bars=tuple(rects), show_values=len(bars) <= MAX_BAR_VALUE_LABELS,
        legend=_legend([] if statuses or not drawn else [("bar", "", series or _("count"))], "bar", statuses,
                       status_labels, [], gap_label or _("no data") if len(drawn) < len(bars) else ""),
    )


def _legend(first: list[tuple[str, str, str]], kind: str, statuses: list[str],
            status_labels: Mapping[str, str] | None, guides: list[tuple[str, str, str]],
            gap_label: str) -> tuple[LegendEntry, ...]:
    """The legend's lines: the series, each status drawn (in the order `status_labels` gives them), the
    guides, and the gap, if any."""
    present = set(statuses)
    labels = status_labels or {}
    order = [status for status in labels if status in present] + sorted(
        status for status in present if status and status not in labels)
    entries = [*first, *((kind, status, labels.get(status, status.replace("_", " "))) for status in order),
               *guides]
    if gap_label:
        entries.append(("gap", "", gap_label))
    return tuple(LegendEntry(kind=k, status=status, label=str(label)) for k, status, label in entries)


# Geometry ----------------------------------------------------------------------------------------

def escape(text: object) -> str:
    """Django's `escape` (every text escaped, marked safe or not), without the wrapper it carries for lazy
    arguments: a chart writes a title for every reading and a label for every tick."""
    return html.escape(str(text))


def _decimal(value: Number) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"A chart cannot place {value!r}.")
        return Decimal(str(value))  # the float as printed, not its binary expansion
    return Decimal(value)


def _round(value: Decimal) -> float:
    return float(value.quantize(ONE_PLACE, rounding=ROUND_HALF_UP))


def _coordinate(value: float) -> str:
    """A coordinate as `format_number` writes it, without thousands' commas: "12.5", "12", "-3", "0".

    Coordinates come from `_round`, so Python prints them as they are written ("12.5", "12.0"): a chart
    writes hundreds, so only what it prints otherwise (an exponent) goes through `format_number`."""
    if not value:
        return "0"  # no "-0"
    text = str(value)
    if "e" in text or "n" in text:  # 1e+16, inf, nan: as `format_number` writes them
        return format_number(Decimal(text)).replace(",", "")
    return text[:-2] if text.endswith(".0") else text


# Roughly how wide one character of a tick label is, in the chart's units (its CSS font size).
_CHARACTER_WIDTH = 7


def _plot(width: int, height: int, *, top: int, widest_label: int = 0) -> Plot:
    # Left for the y-axis labels (wider for long ones such as "1,400 ms"), bottom for the
    # x-axis labels, right for half a label.
    left = max(44, 8 + _CHARACTER_WIDTH * widest_label)
    return Plot(left=float(left), top=float(top), right=float(width - 16), bottom=float(height - 28))


def _slot_centres(plot: Plot, count: int) -> list[float]:
    """Each slot's middle: a lone point sits in the centre, and end markers stay off the edges."""
    slot = Decimal(str(plot.width)) / count
    left = Decimal(str(plot.left))
    return [_round(left + slot * i + slot / 2) for i in range(count)]


def _x_labels(xs: list[float], labels: list[str]) -> tuple[AxisLabel, ...]:
    """Every nth label so that at most MAX_X_LABELS show, counted back from the latest, which always shows."""
    every = math.ceil(len(labels) / MAX_X_LABELS)
    last = len(labels) - 1
    return tuple(AxisLabel(x=x, label=label)
                 for i, (x, label) in enumerate(zip(xs, labels, strict=True)) if (last - i) % every == 0)


def _y_mapper(plot: Plot, low: Decimal, high: Decimal):
    top, bottom = Decimal(str(plot.top)), Decimal(str(plot.bottom))

    def to_y(value: Decimal) -> float:
        return _round(bottom - (value - low) / (high - low) * (bottom - top))

    return to_y


def _path(run: list[tuple[float, float]]) -> str:
    return "M" + "L".join(f"{_coordinate(x)} {_coordinate(y)}" for x, y in run)


def _scale(values: list[Decimal]) -> tuple[list[Decimal], Decimal, Decimal]:
    """Round tick values covering `values`, and the lowest and highest of them.

    Heckbert's nice numbers: the smallest step of 1, 2, 2.5 or 5 times a power of ten
    that covers the range in at most MAX_TICKS ticks. Whole-number data gets whole-number
    steps. A range of one value is widened around it, so a flat line runs mid-plot.
    """
    low, high = min(values), max(values)
    integers = all(v == v.to_integral_value() for v in values)
    if low == high:
        pad = abs(low) / 10 if low else Decimal(1)
        low, high = low - pad, high + pad
    exponent = (high - low).adjusted()
    for power in range(exponent - 1, max(exponent, 0) + 2):
        for mantissa in NICE_MANTISSAS:
            step = mantissa.scaleb(power)
            if integers and step != step.to_integral_value():
                continue
            first = (low / step).to_integral_value(rounding=ROUND_FLOOR) * step
            last = (high / step).to_integral_value(rounding=ROUND_CEILING) * step
            count = int((last - first) / step) + 1
            if count <= MAX_TICKS:
                count = max(count, MIN_TICKS)
                ticks = [first + step * i for i in range(count)]
                return ticks, ticks[0], ticks[-1]
    raise AssertionError("unreachable: a step of 50 times the range always fits")


def _bar_ticks(top: Decimal, bottom: Decimal, scale: Decimal) -> tuple[Tick, ...]:
    """Round ticks from zero up to `top`, and `top` itself (the team's size) unless it crowds one."""
    if top <= 0:
        return (Tick(value=Decimal(0), y=_round(bottom), label="0"),)
    values = [v for v in _scale([Decimal(0), top])[0] if v <= top]
    if values[-1] != top:
        if (top - values[-1]) * scale < 14:  # closer than a line of tick text
            values.pop()
        values.append(top)
    return tuple(Tick(value=v, y=_round(bottom - v * scale), label=format_number(v)) for v in values)


# Rendering: the SVG is written here, in one pass, rather than by a template resolving a variable
# for every coordinate (a page of charts spent most of its time there). Every text is escaped;
# numbers never follow the reader's locale (a decimal comma would break the coordinates).

def render_line_chart(chart: LineChart, *, chart_id: str, title: str, desc: str) -> SafeString:
    """The chart as an accessible SVG image: `chart_id` must be unique on the page."""
    plot, c = chart.plot, _coordinate
    parts = [_svg_open("line-chart", chart.view_box, chart_id, title, desc), _grid(chart.ticks, plot),
             _axis(chart.x_labels, plot)]
    for guide, css, word in ((chart.start, "chart-start", _("start")), (chart.target, "chart-target", _("target"))):
        if guide is not None:
            parts.append(
                f'<g class="chart-guide {css}"><line x1="{c(plot.left)}" x2="{c(plot.right)}" y1="{c(guide.y)}" '
                f'y2="{c(guide.y)}"/><text x="{c(chart.guide_label_x)}" y="{c(guide.y)}" dy="-4" '
                f'text-anchor="end">{escape(word)} {escape(guide.label)}</text></g>')
    parts.extend(f'<path class="chart-line" d="{escape(d)}"/>' for d in chart.segments)
    parts.append('<g class="chart-markers">')
    parts.extend(
        f'<circle class="chart-marker{_status(m.status)}" cx="{c(m.cx)}" cy="{c(m.cy)}" r="5">'
        f'<title>{escape(m.title)}</title></circle>' for m in chart.markers)
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def render_bar_chart(chart: BarChart, *, chart_id: str, title: str, desc: str) -> SafeString:
    """The chart as an accessible SVG image: `chart_id` must be unique on the page."""
    c = _coordinate
    parts = [_svg_open("bar-chart", chart.view_box, chart_id, title, desc), _grid(chart.ticks, chart.plot),
             _axis(chart.x_labels, chart.plot), '<g class="chart-bars">']
    for bar in chart.bars:
        if bar.gap:  # no data: a dash on the baseline, never a bar of zero
            parts.append(f'<text class="chart-gap" x="{c(bar.centre)}" y="{c(bar.value_y)}" text-anchor="middle">'
                         f'–<title>{escape(bar.title)}</title></text>')
            continue
        parts.append(f'<rect class="chart-bar{_status(bar.status)}" x="{c(bar.x)}" y="{c(bar.y)}" '
                     f'width="{c(bar.width)}" height="{c(bar.height)}"><title>{escape(bar.title)}</title></rect>')
        if chart.show_values:
            parts.append(f'<text class="chart-value" x="{c(bar.centre)}" y="{c(bar.value_y)}" '
                         f'text-anchor="middle">{escape(bar.value_label)}</text>')
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


# What each kind of legend line shows: a small drawing in the chart's own classes, so it looks like the chart.
_SAMPLES = {
    "line": '<path class="chart-line" d="M2 7L26 7"/>',
    "marker": '<circle class="chart-marker{status}" cx="14" cy="7" r="5"/>',
    "bar": '<rect class="chart-bar{status}" x="7" y="1" width="14" height="12"/>',
    "target": '<g class="chart-guide chart-target"><line x1="2" x2="26" y1="7" y2="7"/></g>',
    "start": '<g class="chart-guide chart-start"><line x1="2" x2="26" y1="7" y2="7"/></g>',
    "gap": '<text class="chart-gap" x="14" y="11" text-anchor="middle">–</text>',
}


def render_legend(legend: Sequence[LegendEntry], *, chart_id: str) -> SafeString:
    """A chart's legend as a list: a sample of each thing drawn, and its words (never colour alone)."""
    if not legend:
        return mark_safe("")  # noqa: S308 - nothing to escape
    items = "".join(
        f'<li><svg class="chart chart-legend-sample" viewBox="0 0 28 14" aria-hidden="true" focusable="false">'
        f'{_SAMPLES[entry.kind].format(status=_status(entry.status))}</svg>{escape(entry.label)}</li>'
        for entry in legend)
    return mark_safe(  # noqa: S308 - every text above is escaped
        f'<ul class="chart-legend" id="{escape(chart_id)}-legend" aria-label="{escape(_("Legend"))}">{items}</ul>')


def _svg_open(kind: str, view_box: str, chart_id: str, title: str, desc: str) -> str:
    ident = escape(chart_id)
    return (f'<svg class="chart {kind}" viewBox="{escape(view_box)}" preserveAspectRatio="xMidYMid meet" '
            f'role="img" aria-labelledby="{ident}-title {ident}-desc" focusable="false">'
            f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(desc)}</desc>')


def _grid(ticks, plot: Plot) -> str:
    c = _coordinate
    lines = "".join(
        f'<line x1="{c(plot.left)}" x2="{c(plot.right)}" y1="{c(t.y)}" y2="{c(t.y)}"/>'
        f'<text class="chart-tick" x="{c(plot.tick_label_x)}" y="{c(t.y)}" text-anchor="end" '
        f'dominant-baseline="middle">{escape(t.label)}</text>' for t in ticks)
    return f'<g class="chart-grid">{lines}</g>'


def _axis(labels, plot: Plot) -> str:
    texts = "".join(f'<text x="{_coordinate(label.x)}" y="{_coordinate(plot.x_label_y)}" text-anchor="middle">'
                    f'{escape(label.label)}</text>' for label in labels)
    return f'<g class="chart-axis">{texts}</g>'


def _status(status: str) -> str:
    return f" {escape(status)}" if status else ""
