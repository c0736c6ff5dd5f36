"""Raster (PNG) charts for email: mail clients do not show inline SVG reliably.

Pure functions, plain data in, PNG bytes out, drawn with Pillow at twice the display size
so they stay sharp on high-density screens. The look follows the SVG charts in
:mod:`xpulse.render.charts` (light bars, dark line, muted axes); labels are figures and
fixed names only, never post text. Output is deterministic: the same data gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from typing import Final

from PIL import Image, ImageDraw, ImageFont

from xpulse.render import fmt
from xpulse.render.charts import IntervalBar
from xpulse.render.svg import DARK, GRID, INK, LIGHT, MUTED, nice_ticks, truncate

SCALE: Final = 2
DAILY_SIZE: Final = (720, 290)
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def _font(size: int) -> Font:
    # Pillow ships a small TrueType font; with no FreeType this falls back to a bitmap font.
    return ImageFont.load_default(size=size * SCALE)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _canvas(width: int, height: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", (width * SCALE, height * SCALE), "white")
    return image, ImageDraw.Draw(image)


def _s(value: float) -> float:
    return value * SCALE


def _text(
    draw: ImageDraw.ImageDraw,
    x: float,
    y: float,
    text: str,
    *,
    size: int = 11,
    fill: str = MUTED,
    anchor: str = "la",
) -> None:
    draw.text((_s(x), _s(y)), text, font=_font(size), fill=fill, anchor=anchor)


def daily_png(
    days: Sequence[str],
    impressions: Sequence[int | None],
    engagements: Sequence[int | None],
    title: str = "Daily impressions and engagements",
) -> bytes:
    """Impressions as bars (left axis) and engagements as a marked line (right axis)."""
    width, height = DAILY_SIZE
    left, right, top, bottom = 64, 64, 56, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    image, draw = _canvas(width, height)
    _text(draw, left, 12, title, size=14, fill=INK)
    imp_ticks = nice_ticks(max((v or 0 for v in impressions), default=0))
    eng_ticks = nice_ticks(max((v or 0 for v in engagements), default=0))
    imp_top, eng_top = imp_ticks[-1], eng_ticks[-1]

    def y_of(value: float, scale_top: float) -> float:
        return top + plot_h - value / scale_top * plot_h

    for tick in imp_ticks:
        y = y_of(tick, imp_top)
        draw.line([(_s(left), _s(y)), (_s(width - right), _s(y))], fill=GRID, width=SCALE)
        _text(draw, left - 6, y, fmt.compact(tick), anchor="rm")
    for tick in eng_ticks:
        _text(draw, width - right + 6, y_of(tick, eng_top), fmt.compact(tick), anchor="lm")
    _text(draw, 4, top - 20, "Impressions (bars)", size=10)
    _text(draw, width - 4, top - 20, "Engagements (line)", size=10, anchor="ra")
    n = max(len(days), 1)
    slot = plot_w / n
    label_every = max(1, round(n / 12))
    points: list[tuple[float, float]] = []
    for i, day in enumerate(days):
        x0 = left + i * slot + slot * 0.15
        x1 = left + (i + 1) * slot - slot * 0.15
        imp = impressions[i]
        if imp:
            draw.rectangle(
                [(_s(x0), _s(y_of(imp, imp_top))), (_s(x1), _s(top + plot_h))],
                fill=LIGHT,
                outline=DARK,
            )
        eng = engagements[i]
        if eng is not None:
            points.append((left + (i + 0.5) * slot, y_of(eng, eng_top)))
        if i % label_every == 0:
            _text(draw, left + (i + 0.5) * slot, top + plot_h + 8, day, size=10, anchor="ma")
    if len(points) > 1:
        draw.line([(_s(x), _s(y)) for x, y in points], fill=DARK, width=2 * SCALE)
    for x, y in points:
        r = 3.5
        draw.ellipse([(_s(x - r), _s(y - r)), (_s(x + r), _s(y + r))], fill=DARK, outline="white")
    draw.line(
        [(_s(left), _s(top + plot_h)), (_s(width - right), _s(top + plot_h))],
        fill=MUTED,
        width=SCALE,
    )
    return _png(image)


def content_types_png(
    rows: Sequence[IntervalBar], title: str = "Engagement rate by content type"
) -> bytes:
    """One horizontal bar per content type (its rate), with its interval as a whisker."""
    row_h, left, right, top = 30, 150, 120, 40
    width = 720
    height = top + max(len(rows), 1) * row_h + 34
    plot_w = width - left - right
    image, draw = _canvas(width, height)
    _text(draw, 12, 12, title, size=14, fill=INK)
    highs = [r.high if r.high is not None else (r.value or 0) for r in rows]
    ticks = nice_ticks(max(highs, default=0))
    scale_top = ticks[-1]

    def x_of(value: float) -> float:
        return left + min(max(value, 0.0), scale_top) / scale_top * plot_w

    bottom = top + max(len(rows), 1) * row_h
    for tick in ticks:
        x = x_of(tick)
        draw.line([(_s(x), _s(top)), (_s(x), _s(bottom))], fill=GRID, width=SCALE)
        _text(draw, x, bottom + 6, f"{tick:g}%", size=10, anchor="ma")
    if not rows:
        _text(draw, left, top + 8, "No posts.", size=12)
    for i, row in enumerate(rows):
        y_mid = top + i * row_h + row_h / 2
        _text(draw, left - 8, y_mid, truncate(row.label, 18), size=12, fill=INK, anchor="rm")
        if row.value is not None:
            draw.rectangle(
                [(_s(left), _s(y_mid - 8)), (_s(x_of(row.value)), _s(y_mid + 8))],
                fill=LIGHT,
                outline=DARK,
            )
        if row.low is not None and row.high is not None:
            x0, x1 = x_of(row.low), x_of(row.high)
            draw.line([(_s(x0), _s(y_mid)), (_s(x1), _s(y_mid))], fill=INK, width=SCALE)
            for x in (x0, x1):
                draw.line([(_s(x), _s(y_mid - 5)), (_s(x), _s(y_mid + 5))], fill=INK, width=SCALE)
        label = f"{fmt.percent(row.value)} · {row.posts} posts"
        _text(draw, width - right + 8, y_mid, label, size=11, fill=INK, anchor="lm")
    return _png(image)
