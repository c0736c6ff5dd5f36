"""Charts as pure functions: plain data in, one inline SVG string out.

The SVGs need no script, no font and no stylesheet, so they work in a self-contained HTML
file, in print and in greyscale (series differ by shape, not only by colour). Each has a
``<title>``/``<desc>`` and per-mark ``<title>`` tooltips for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xpulse.render import fmt
from xpulse.render.svg import (
    DARK,
    GRID,
    INK,
    LIGHT,
    MUTED,
    esc,
    frame,
    nice_ticks,
    num,
    safe_id,
    text,
    truncate,
)

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


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


def daily_chart(
    chart_id: str,
    title: str,
    days: Sequence[str],
    impressions: Sequence[float | None],
    engagements: Sequence[float | None],
) -> str:
    """Impressions as bars (left axis) and engagements as a marked line (right axis)."""
    width, height = 720, 280
    left, right, top, bottom = 64, 64, 36, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(days), 1)
    imp_ticks = nice_ticks(max((v or 0 for v in impressions), default=0))
    eng_ticks = nice_ticks(max((v or 0 for v in engagements), default=0))
    imp_top, eng_top = imp_ticks[-1], eng_ticks[-1]
    slot = plot_w / n

    def y_of(value: float, scale_top: float) -> float:
        return top + plot_h - value / scale_top * plot_h

    desc = "Daily impressions (bars, left axis) and engagements (line, right axis). " + "; ".join(
        f"{day}: {fmt.count(imp)} impressions, {fmt.count(eng)} engagements"
        for day, imp, eng in zip(days, impressions, engagements, strict=True)
    )
    parts = [frame(chart_id, width, height, title, desc)]
    parts.append(text(left, 20, title, font_weight="600", font_size="14"))
    for i, tick in enumerate(imp_ticks):
        y = y_of(tick, imp_top)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{num(y)}" y2="{num(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(text(left - 6, y + 4, fmt.compact(tick), "end", fill=MUTED))
        if i < len(eng_ticks):
            eng_y = y_of(eng_ticks[i] * 1.0, eng_top) if eng_top else y
            parts.append(text(width - right + 6, eng_y + 4, fmt.compact(eng_ticks[i]), fill=MUTED))
    parts.append(
        text(
            12,
            top + plot_h / 2,
            "Impressions",
            "middle",
            fill=MUTED,
            transform=f"rotate(-90 12 {num(top + plot_h / 2)})",
        )
    )
    parts.append(
        text(
            width - 10,
            top + plot_h / 2,
            "Engagements",
            "middle",
            fill=MUTED,
            transform=f"rotate(90 {width - 10} {num(top + plot_h / 2)})",
        )
    )
    label_every = max(1, round(n / 14))
    points: list[str] = []
    markers: list[str] = []
    for i, day in enumerate(days):
        x = left + i * slot
        imp = impressions[i]
        if imp is not None and imp > 0:
            y = y_of(imp, imp_top)
            parts.append(
                f'<rect class="bar" x="{num(x + slot * 0.15)}" y="{num(y)}" '
                f'width="{num(slot * 0.7)}" height="{num(top + plot_h - y)}" fill="{LIGHT}" '
                f'stroke="{DARK}" stroke-width="0.5"><title>{esc(day)}: '
                f"{esc(fmt.count(imp))} impressions</title></rect>"
            )
        eng = engagements[i]
        if eng is not None:
            cx, cy = x + slot / 2, y_of(eng, eng_top)
            points.append(f"{num(cx)},{num(cy)}")
            markers.append(
                f'<circle class="point" cx="{num(cx)}" cy="{num(cy)}" r="3.5" fill="{DARK}">'
                f"<title>{esc(day)}: {esc(fmt.count(eng))} engagements</title></circle>"
            )
        if i % label_every == 0:
            parts.append(text(x + slot / 2, height - bottom + 16, day, "middle", fill=MUTED))
    if len(points) > 1:
        parts.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="{DARK}" stroke-width="2"/>'
        )
    parts.extend(markers)  # markers on top of the line
    parts.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" '
        f'stroke="{INK}" stroke-width="1"/>'
    )
    legend_y = height - 10
    parts.append(
        f'<rect x="{left}" y="{legend_y - 9}" width="12" height="10" fill="{LIGHT}" '
        f'stroke="{DARK}" stroke-width="0.5"/>'
    )
    parts.append(text(left + 16, legend_y, "Impressions"))
    parts.append(
        f'<line x1="{left + 110}" x2="{left + 130}" y1="{legend_y - 4}" y2="{legend_y - 4}" '
        f'stroke="{DARK}" stroke-width="2"/><circle cx="{left + 120}" cy="{legend_y - 4}" '
        f'r="3.5" fill="{DARK}"/>'
    )
    parts.append(text(left + 136, legend_y, "Engagements"))
    parts.append("</svg>")
    return "".join(parts)


def _heat_share(value: float, low: float, high: float) -> float:
    """Where ``value`` sits between the lowest and highest shown cell, as 0.15 .. 1.

    Scaling between the shown extremes (not from zero) keeps close scores apart; the floor
    keeps the weakest ranked cell visibly coloured, unlike an empty slot.
    """
    if high <= low:
        return 1.0
    return 0.15 + 0.85 * max(0.0, min(1.0, (value - low) / (high - low)))


def _heat_fill(share: float) -> str:
    """A sequential blue from near-white to dark, readable in greyscale."""
    light, dark = (239, 243, 255), (8, 69, 148)
    rgb = tuple(round(lo + (hi - lo) * share) for lo, hi in zip(light, dark, strict=True))
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def heatmap(
    chart_id: str,
    title: str,
    cells: Sequence[Sequence[HeatCell]],
    value_label: str,
    value_format: str = "number",
) -> str:
    """A weekday (rows, Monday first) x hour (columns) grid.

    Cells set aside for too few posts are hatched and carry no colour, so a single lucky post
    never looks like a best slot; ranked best slots are outlined and numbered.
    """
    if len(cells) != 7 or any(len(row) != 24 for row in cells):
        raise ValueError("a heatmap needs 7 rows of 24 cells")
    cid = safe_id(chart_id)
    width, height = 720, 300
    left, top, cell_w, cell_h = 44, 44, 27, 26
    shown = [c.value for row in cells for c in row if c.value is not None and not c.set_aside]
    low_value, top_value = min(shown, default=0.0), max(shown, default=0.0)

    def show(value: float | None) -> str:
        return fmt.percent(value) if value_format == "percent" else fmt.number(value)

    desc = (
        f"Weekday by hour grid of {value_label}. Hatched cells have too few posts and are set "
        "aside; numbered outlines mark the best slots."
    )
    parts = [frame(chart_id, width, height, title, desc)]
    parts.append(
        f'<defs><pattern id="{cid}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f6f8fa"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{GRID}" stroke-width="2"/></pattern></defs>'
    )
    parts.append(text(left, 20, title, font_weight="600", font_size="14"))
    for hour in range(0, 24, 3):
        parts.append(
            text(left + hour * cell_w + cell_w / 2, top - 6, f"{hour:02d}", "middle", fill=MUTED)
        )
    outlines: list[str] = []
    for day, row in enumerate(cells):
        y = top + day * cell_h
        parts.append(text(left - 6, y + cell_h / 2 + 4, WEEKDAYS[day], "end", fill=MUTED))
        for hour, cell in enumerate(row):
            x = left + hour * cell_w
            if cell.posts == 0:
                fill = "#ffffff"
                note = "no posts"
            elif cell.set_aside or cell.value is None:
                fill = f"url(#{cid}-hatch)"
                note = f"{cell.posts} posts, too few to rank"
            else:
                fill = _heat_fill(_heat_share(cell.value, low_value, top_value))
                note = f"{cell.posts} posts, {value_label} {show(cell.value)}"
            parts.append(
                f'<rect class="cell" x="{x}" y="{y}" width="{cell_w - 1}" height="{cell_h - 1}" '
                f'fill="{fill}" stroke="{GRID}" stroke-width="0.5">'
                f"<title>{WEEKDAYS[day]} {hour:02d}:00: {esc(note)}</title></rect>"
            )
            if cell.rank is not None:
                outlines.append(
                    f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 3}" height="{cell_h - 3}" '
                    f'fill="none" stroke="#d94801" stroke-width="2.5"/>'
                )
                dark = (
                    cell.value is not None and _heat_share(cell.value, low_value, top_value) > 0.55
                )
                ink = "#ffffff" if dark else INK
                outlines.append(
                    text(
                        x + cell_w / 2,
                        y + cell_h / 2 + 4,
                        cell.rank,
                        "middle",
                        font_weight="700",
                        fill=ink,
                    )
                )
    parts.extend(outlines)
    legend_y = top + 7 * cell_h + 24
    for step in range(6):
        parts.append(
            f'<rect x="{left + step * 22}" y="{legend_y}" width="22" height="10" '
            f'fill="{_heat_fill(0.15 + 0.17 * step)}"/>'
        )
    scale = f"{show(low_value)} → {show(top_value)} {value_label}" if shown else "no ranked slots"
    parts.append(text(left, legend_y + 24, scale, fill=MUTED))
    parts.append(
        f'<rect x="{left + 300}" y="{legend_y}" width="22" height="10" fill="url(#{cid}-hatch)" '
        f'stroke="{GRID}"/>'
    )
    parts.append(text(left + 328, legend_y + 9, "too few posts (set aside)", fill=MUTED))
    parts.append(
        f'<rect x="{left + 500}" y="{legend_y}" width="22" height="10" fill="none" '
        f'stroke="#d94801" stroke-width="2"/>'
    )
    parts.append(text(left + 528, legend_y + 9, "best slots (rank)", fill=MUTED))
    parts.append("</svg>")
    return "".join(parts)


def interval_bars(chart_id: str, title: str, rows: Sequence[IntervalBar], value_label: str) -> str:
    """Horizontal bars with interval whiskers; a row without a value says n/a."""
    row_h, left, right, top = 30, 120, 150, 40
    width = 720
    height = top + max(len(rows), 1) * row_h + 30
    plot_w = width - left - right
    highs = [r.high if r.high is not None else (r.value or 0) for r in rows]
    ticks = nice_ticks(max(highs, default=0))
    scale_top = ticks[-1]

    def x_of(value: float) -> float:
        return left + value / scale_top * plot_w

    desc = f"{value_label} by content type, with intervals. " + "; ".join(
        f"{r.label}: {fmt.percent(r.value)} ({fmt.percent(r.low)} to {fmt.percent(r.high)}), "
        f"{r.posts} posts"
        for r in rows
    )
    parts = [frame(chart_id, width, height, title, desc)]
    parts.append(text(left, 20, title, font_weight="600", font_size="14"))
    plot_bottom = top + len(rows) * row_h
    for tick in ticks:
        x = x_of(tick)
        parts.append(
            f'<line x1="{num(x)}" x2="{num(x)}" y1="{top - 4}" y2="{plot_bottom}" stroke="{GRID}"/>'
        )
        parts.append(text(x, plot_bottom + 16, fmt.percent(tick, 1), "middle", fill=MUTED))
    if not rows:
        parts.append(text(left, top + 18, "No posts in this period.", fill=MUTED))
    for i, row in enumerate(rows):
        y = top + i * row_h
        parts.append(text(left - 8, y + row_h / 2 + 4, truncate(row.label, 16), "end"))
        summary = f"{fmt.percent(row.value)}  n={row.posts}"
        if row.value is None:
            parts.append(text(left + 4, y + row_h / 2 + 4, "n/a", fill=MUTED))
        else:
            parts.append(
                f'<rect class="bar" x="{left}" y="{y + 6}" width="{num(x_of(row.value) - left)}" '
                f'height="{row_h - 12}" fill="{LIGHT}" stroke="{DARK}" stroke-width="0.5">'
                f"<title>{esc(row.label)}: {esc(summary)}</title></rect>"
            )
        if row.low is not None and row.high is not None:
            lo, hi, mid = x_of(row.low), x_of(row.high), y + row_h / 2
            parts.append(
                f'<g class="whisker" stroke="{INK}" stroke-width="1.5">'
                f'<line x1="{num(lo)}" x2="{num(hi)}" y1="{num(mid)}" y2="{num(mid)}"/>'
                f'<line x1="{num(lo)}" x2="{num(lo)}" y1="{num(mid - 6)}" y2="{num(mid + 6)}"/>'
                f'<line x1="{num(hi)}" x2="{num(hi)}" y1="{num(mid - 6)}" y2="{num(mid + 6)}"/>'
                "</g>"
            )
        parts.append(text(width - right + 8, y + row_h / 2 + 4, summary, fill=MUTED))
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(chart_id: str, title: str, rows: Sequence[Bar], value_label: str) -> str:
    """Horizontal bars, largest first as given (e.g. top posts by engagements)."""
    row_h, left, right, top = 28, 260, 70, 36
    width = 720
    height = top + max(len(rows), 1) * row_h + 12
    plot_w = width - left - right
    scale_top = nice_ticks(max((r.value for r in rows), default=0))[-1]
    desc = f"{value_label} per post. " + "; ".join(
        f"{truncate(r.label, 60)}: {fmt.count(r.value)}" for r in rows
    )
    parts = [frame(chart_id, width, height, title, desc)]
    parts.append(text(8, 20, title, font_weight="600", font_size="14"))
    if not rows:
        parts.append(text(8, top + 18, "No posts in this period.", fill=MUTED))
    for i, row in enumerate(rows):
        y = top + i * row_h
        parts.append(text(left - 8, y + row_h / 2 + 4, truncate(row.label, 34), "end"))
        bar_w = max(row.value, 0) / scale_top * plot_w if scale_top else 0
        parts.append(
            f'<rect class="bar" x="{left}" y="{y + 5}" width="{num(bar_w)}" '
            f'height="{row_h - 10}" fill="{LIGHT}" stroke="{DARK}" stroke-width="0.5">'
            f"<title>{esc(truncate(row.label, 120))}: {esc(fmt.count(row.value))} "
            f"{esc(value_label)}</title></rect>"
        )
        parts.append(text(left + bar_w + 6, y + row_h / 2 + 4, fmt.compact(row.value)))
    parts.append("</svg>")
    return "".join(parts)
