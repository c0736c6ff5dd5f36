"""Charts as declarative Vega-Lite descriptions: plain data in, one spec out.

One spec per chart serves every medium: the dashboard and the HTML report draw it in the
page with vega-embed (hover values, zoom on time series), the email gets it as a PNG and
print/PDF as SVG, both drawn by vl-convert (:mod:`xpulse.render.vega`). Nothing here draws.

Each :class:`Chart` carries a plain-language text alternative (``description``), which the
pages show to screen readers and which goes into the spec's own ``description``. Post text
is data in the spec: Vega draws it as text and its tooltip escapes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from xpulse.render import fmt

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
Spec = dict[str, Any]

# Colours that pass WCAG AA against white for text and stay apart in greyscale.
INK = "#1f2328"
MUTED = "#57606a"
GRID = "#d0d7de"
LIGHT = "#9ecae1"
DARK = "#08519c"
ACCENT = "#d94801"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

CONFIG: Spec = {
    "font": FONT,
    "view": {"stroke": None},
    "axis": {
        "labelColor": MUTED,
        "titleColor": MUTED,
        "gridColor": GRID,
        "domainColor": MUTED,
        "tickColor": MUTED,
        "labelFontSize": 11,
        "titleFontSize": 11,
        "titleFontWeight": "normal",
    },
    "legend": {"labelColor": MUTED, "titleColor": MUTED, "orient": "bottom"},
    "title": {"color": INK, "fontSize": 14, "anchor": "start"},
}


@dataclass(frozen=True)
class HeatCell:
    """One weekday x hour slot: posts in it, its value, and whether it was set aside."""

    posts: int
    value: float | None
    set_aside: bool = False
    rank: int | None = None


@dataclass(frozen=True)
class IntervalBar:
    """A value with its uncertainty interval (e.g. a content type's engagement rate)."""

    label: str
    value: float | None
    low: float | None
    high: float | None
    posts: int


@dataclass(frozen=True)
class Bar:
    """A labelled value (e.g. a top post's engagements)."""

    label: str
    value: float


@dataclass(frozen=True)
class Chart:
    """One chart: its page id, its title, its text alternative and its Vega-Lite spec."""

    id: str
    title: str
    description: str
    spec: Spec = field(repr=False)
    height: int = 260


def _spec(title: str, description: str, body: Spec, height: int) -> Spec:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": description,
        "width": "container",
        "height": height,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": CONFIG,
        **body,
    }


def posts_word(n: int) -> str:
    """``1 post``, ``2 posts``."""
    return f"{fmt.count(n)} post" if n == 1 else f"{fmt.count(n)} posts"


def _dual(rows: list[Spec], x: Spec, x_title: str, zoom: bool) -> Spec:
    """Impressions as bars on the left axis, engagements as a marked line on the right."""
    tooltip = [
        {**x, "title": x_title},
        {"field": "impressions", "type": "quantitative", "format": ",d", "title": "Impressions"},
        {"field": "engagements", "type": "quantitative", "format": ",d", "title": "Engagements"},
    ]
    bars: Spec = {
        "mark": {"type": "bar", "color": LIGHT, "stroke": DARK, "strokeWidth": 0.5},
        "encoding": {
            "x": x,
            "y": {
                "field": "impressions",
                "type": "quantitative",
                "title": "Impressions (bars)",
                "axis": {"format": "~s"},
            },
            "tooltip": tooltip,
        },
    }
    if zoom:
        bars["params"] = [
            {"name": "zoom", "select": {"type": "interval", "encodings": ["x"]}, "bind": "scales"}
        ]
    line: Spec = {
        "mark": {
            "type": "line",
            "color": DARK,
            "strokeWidth": 2,
            "point": {"filled": True, "size": 40, "color": DARK},
        },
        "encoding": {
            "x": x,
            "y": {
                "field": "engagements",
                "type": "quantitative",
                "title": "Engagements (line)",
                "axis": {"orient": "right", "format": "~s"},
            },
            "tooltip": tooltip,
        },
    }
    return {
        "data": {"values": rows},
        "layer": [bars, line],
        "resolve": {"scale": {"y": "independent"}},
    }


def _dual_rows(
    labels: Sequence[str],
    impressions: Sequence[float | None],
    engagements: Sequence[float | None],
) -> tuple[list[Spec], str]:
    rows = [
        {"at": d, "impressions": i, "engagements": e}
        for d, i, e in zip(labels, impressions, engagements, strict=True)
    ]
    text = "; ".join(
        f"{d}: {fmt.count(i)} impressions, {fmt.count(e)} engagements"
        for d, i, e in zip(labels, impressions, engagements, strict=True)
    )
    return rows, text


def daily(
    chart_id: str,
    title: str,
    days: Sequence[str],
    impressions: Sequence[float | None],
    engagements: Sequence[float | None],
) -> Chart:
    """Impressions as bars (left axis), engagements as a marked line (right axis).

    ``days`` are ISO dates; a missing value (``None``) draws nothing, never a zero. The x
    scale zooms and pans with the mouse wheel and drag in a page.
    """
    rows, text = _dual_rows(days, impressions, engagements)
    description = "Daily impressions (bars, left axis) and engagements (line, right axis). " + (
        text or "No days."
    )
    x = {
        "field": "at",
        "type": "temporal",
        "timeUnit": "yearmonthdate",
        "title": None,
        "axis": {"format": "%a %d", "labelAngle": 0, "labelOverlap": True},
        "bandPosition": 0.5,
    }
    body = _dual(rows, x, "Day", zoom=True)
    return Chart(chart_id, title, description, _spec(title, description, body, 240), 240)


def periods(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    impressions: Sequence[float | None],
    engagements: Sequence[float | None],
) -> Chart:
    """Like :func:`daily`, one bar and point per named period (``2026-W21``, ``2026-05``)."""
    rows, text = _dual_rows(labels, impressions, engagements)
    description = f"{title} (impressions as bars, engagements as a line). " + (
        text or "No periods."
    )
    x = {
        "field": "at",
        "type": "ordinal",
        "title": None,
        "sort": None,
        "axis": {"labelAngle": -40, "labelOverlap": True},
    }
    body = _dual(rows, x, "Period", zoom=False)
    return Chart(chart_id, title, description, _spec(title, description, body, 220), 220)


def heatmap(
    chart_id: str,
    title: str,
    cells: Sequence[Sequence[HeatCell]],
    value_label: str,
    value_format: str = "number",
) -> Chart:
    """A weekday (rows, Monday first) x hour (columns) grid.

    Slots set aside for too few posts are grey and carry no score, so one lucky post never
    looks like a best slot; ranked best slots are outlined and numbered.
    """
    if len(cells) != 7 or any(len(row) != 24 for row in cells):
        raise ValueError("a heatmap needs 7 rows of 24 cells")

    def show(value: float | None) -> str:
        return fmt.percent(value) if value_format == "percent" else fmt.number(value)

    rows: list[Spec] = []
    for day, row in enumerate(cells):
        for hour, cell in enumerate(row):
            if cell.posts == 0:
                continue
            ranked = not cell.set_aside and cell.value is not None
            rows.append(
                {
                    "weekday": WEEKDAYS[day],
                    "hour": f"{hour:02d}",
                    "posts": cell.posts,
                    "value": cell.value if ranked else None,
                    "shown": show(cell.value) if ranked else "too few posts to rank",
                    "rank": cell.rank,
                }
            )
    ranked_slots = [r for r in rows if r["rank"] is not None]
    scores = [r["value"] for r in rows if r["value"] is not None]
    middle = (min(scores) + max(scores)) / 2 if scores else 0.0
    description = (
        f"Weekday by hour grid of {value_label}, {len(rows)} slots with posts. "
        "Grey slots have too few posts and are set aside. "
        + (
            "Best slots: "
            + "; ".join(
                f"{r['rank']}. {r['weekday']} {r['hour']}:00 ({r['shown']})"
                for r in sorted(ranked_slots, key=lambda r: r["rank"])
            )
            if ranked_slots
            else "No slot is ranked yet."
        )
    )
    x = {
        "field": "hour",
        "type": "ordinal",
        "title": "Hour (local time)",
        "scale": {"domain": [f"{h:02d}" for h in range(24)]},
        "axis": {"labelAngle": 0, "values": [f"{h:02d}" for h in range(0, 24, 3)]},
    }
    y = {"field": "weekday", "type": "ordinal", "title": None, "scale": {"domain": WEEKDAYS}}
    tooltip = [
        {"field": "weekday", "title": "Day"},
        {"field": "hour", "title": "Hour"},
        {"field": "posts", "type": "quantitative", "title": "Posts"},
        {"field": "shown", "title": value_label.capitalize()},
    ]
    body: Spec = {
        "data": {"values": rows},
        "encoding": {"x": x, "y": y},
        "layer": [
            {
                # "show": a set-aside slot (no score) is drawn grey, not dropped.
                "mark": {"type": "rect", "stroke": "#ffffff", "strokeWidth": 1, "invalid": "show"},
                "encoding": {
                    "color": {
                        "condition": {"test": "datum.value === null", "value": "#e4e7eb"},
                        "field": "value",
                        "type": "quantitative",
                        "title": value_label,
                        "scale": {"scheme": "blues"},
                    },
                    "tooltip": tooltip,
                },
            },
            {
                "transform": [{"filter": "datum.rank !== null"}],
                "mark": {"type": "rect", "fill": None, "stroke": ACCENT, "strokeWidth": 2.5},
                "encoding": {"tooltip": tooltip},
            },
            {
                "transform": [{"filter": "datum.rank !== null"}],
                "mark": {"type": "text", "fontWeight": "bold"},
                "encoding": {
                    "text": {"field": "rank"},
                    # White on the darker half of the scale, so the number stays readable.
                    "color": {
                        "condition": {"test": f"datum.value > {middle}", "value": "#ffffff"},
                        "value": INK,
                    },
                },
            },
        ],
    }
    spec = _spec(title, description, body, 210)
    return Chart(chart_id, title, description, spec, 210)


def interval_bars(
    chart_id: str, title: str, rows: Sequence[IntervalBar], value_label: str
) -> Chart:
    """Horizontal bars with interval whiskers; a row without a value draws no bar."""
    data = [
        {
            "label": r.label,
            "value": r.value,
            "low": r.low,
            "high": r.high,
            "posts": posts_word(r.posts),
            "shown": fmt.percent(r.value),
            "interval": (
                f"{fmt.percent(r.low)} to {fmt.percent(r.high)}"
                if r.low is not None and r.high is not None
                else fmt.NA
            ),
        }
        for r in rows
    ]
    description = f"{value_label.capitalize()} by content type, with intervals. " + (
        "; ".join(f"{d['label']}: {d['shown']} ({d['interval']}), {d['posts']}" for d in data)
        or "No posts in this period."
    )
    y = {"field": "label", "type": "nominal", "title": None, "sort": None}
    tooltip = [
        {"field": "label", "title": "Type"},
        {"field": "shown", "title": value_label.capitalize()},
        {"field": "interval", "title": "Interval"},
        {"field": "posts", "title": "Posts"},
    ]
    body: Spec = {
        "data": {"values": data},
        "encoding": {"y": y},
        "layer": [
            {
                "mark": {"type": "bar", "color": LIGHT, "stroke": DARK, "strokeWidth": 0.5},
                "encoding": {
                    "x": {
                        "field": "value",
                        "type": "quantitative",
                        "title": f"{value_label} (%)",
                        "axis": {"tickCount": 6},  # readable on a phone
                    },
                    "tooltip": tooltip,
                },
            },
            {
                "mark": {"type": "rule", "color": INK, "strokeWidth": 1.5},
                "encoding": {
                    "x": {"field": "low", "type": "quantitative"},
                    "x2": {"field": "high"},
                    "tooltip": tooltip,
                },
            },
        ],
    }
    height = max(60, 30 * len(rows))
    return Chart(chart_id, title, description, _spec(title, description, body, height), height)


def _first_up(text: str) -> str:
    """``cost in USD`` -> ``Cost in USD`` (``str.capitalize`` would lower the rest)."""
    return text[:1].upper() + text[1:]


def period_bars(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    value_title: str,
    *,
    shown: Callable[[float], str],
    axis_format: str,
) -> Chart:
    """One vertical bar per named period, oldest first (e.g. the cost of each week)."""
    data = [
        {"at": label, "value": value, "shown": shown(value)}
        for label, value in zip(labels, values, strict=True)
    ]
    description = f"{title}. " + ("; ".join(f"{d['at']}: {d['shown']}" for d in data) or "None.")
    body: Spec = {
        "data": {"values": data},
        "mark": {"type": "bar", "color": LIGHT, "stroke": DARK, "strokeWidth": 0.5},
        "encoding": {
            "x": {
                "field": "at",
                "type": "ordinal",
                "title": None,
                "sort": None,
                "axis": {"labelAngle": -40, "labelOverlap": True},
            },
            "y": {
                "field": "value",
                "type": "quantitative",
                "title": value_title,
                "axis": {"format": axis_format, "tickCount": 5},
            },
            "tooltip": [
                {"field": "at", "title": "Period"},
                {"field": "shown", "title": value_title},
            ],
        },
    }
    return Chart(chart_id, title, description, _spec(title, description, body, 200), 200)


def bar_chart(
    chart_id: str,
    title: str,
    rows: Sequence[Bar],
    value_label: str,
    *,
    subject: str = "post",
    shown: Callable[[float], str] = fmt.count,
    empty: str = "No posts in this period.",
) -> Chart:
    """Horizontal bars in the order given (e.g. top posts by engagements), one per
    ``subject``; ``shown`` writes a value for the tooltip and the text alternative."""
    data = [
        {"label": r.label, "value": r.value, "order": i, "shown": shown(r.value)}
        for i, r in enumerate(rows)
    ]
    description = f"{_first_up(value_label)} per {subject}. " + (
        "; ".join(f"{d['label']}: {d['shown']}" for d in data) or empty
    )
    body: Spec = {
        "data": {"values": data},
        "mark": {"type": "bar", "color": LIGHT, "stroke": DARK, "strokeWidth": 0.5},
        "encoding": {
            "y": {
                "field": "label",
                "type": "nominal",
                "title": None,
                "sort": {"field": "order"},
                "axis": {"labelLimit": 160},
            },
            "x": {"field": "value", "type": "quantitative", "title": _first_up(value_label)},
            "tooltip": [
                {"field": "label", "title": _first_up(subject)},
                {"field": "shown", "title": _first_up(value_label)},
            ],
        },
    }
    height = max(60, 28 * len(rows))
    return Chart(chart_id, title, description, _spec(title, description, body, height), height)


@dataclass(frozen=True)
class PairBar:
    """One value of a pair of bars: ``group`` (e.g. a metric) and which of the pair."""

    group: str
    member: str
    value: int


def paired_bars(chart_id: str, title: str, rows: Sequence[PairBar], description: str) -> Chart:
    """One bar per group (e.g. a metric) split into its members' shares (e.g. organic and
    promoted), told apart by colour: figures of very different sizes compare on one axis;
    the tooltip gives each part's count."""
    data = [
        {
            "group": r.group,
            "member": r.member,
            "rank": i,
            "value": r.value,
            "shown": fmt.count(r.value),
        }
        for i, r in enumerate(rows)
    ]
    body: Spec = {
        "data": {"values": data},
        "mark": {"type": "bar", "stroke": DARK, "strokeWidth": 0.5},
        "encoding": {
            "y": {"field": "group", "type": "nominal", "title": None, "sort": None},
            "x": {
                "field": "value",
                "type": "quantitative",
                "stack": "normalize",
                "title": "Share of each figure",
                "axis": {"format": "%", "tickCount": 5},
            },
            "order": {"field": "rank"},
            "color": {
                "field": "member",
                "type": "nominal",
                "title": None,
                "sort": None,
                "scale": {"range": [LIGHT, ACCENT]},
                "legend": {"orient": "bottom"},
            },
            "tooltip": [
                {"field": "group", "title": "Figure"},
                {"field": "member", "title": "Part"},
                {"field": "shown", "title": "Value"},
            ],
        },
    }
    height = max(80, 36 * len({r.group for r in rows}))
    return Chart(chart_id, title, description, _spec(title, description, body, height), height)


def line_chart(
    chart_id: str,
    title: str,
    points: Sequence[Spec],
    *,
    x_field: str,
    x_title: str,
    y_title: str,
    series_field: str,
    description: str,
    x_type: str = "quantitative",
) -> Chart:
    """Lines of ``points`` (dicts with ``x_field``, ``value`` and ``series_field``), one line
    per series told apart by colour and dash; the x scale zooms in a page."""
    body: Spec = {
        "data": {"values": list(points)},
        "params": [
            {"name": "zoom", "select": {"type": "interval", "encodings": ["x"]}, "bind": "scales"}
        ],
        "mark": {"type": "line", "point": {"filled": True, "size": 30}, "strokeWidth": 2},
        "encoding": {
            "x": {"field": x_field, "type": x_type, "title": x_title},
            "y": {"field": "value", "type": "quantitative", "title": y_title},
            "color": {
                "field": series_field,
                "type": "nominal",
                "title": None,
                "scale": {"range": [DARK, ACCENT, "#1a7f37", "#8250df", MUTED]},
                "legend": {"columns": 1, "labelLimit": 300},
            },
            "strokeDash": {
                "field": series_field,
                "type": "nominal",
                "title": None,
                "legend": {"columns": 1, "labelLimit": 300},
            },
            "tooltip": [
                {"field": series_field, "title": "Series"},
                {"field": x_field, "title": x_title},
                {"field": "shown", "title": y_title},
            ],
        },
    }
    return Chart(chart_id, title, description, _spec(title, description, body, 240), 240)
