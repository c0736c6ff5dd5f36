"""The chart specs: one Vega-Lite description, drawn by vl-convert as SVG and PNG."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from xpulse.render import vega
from xpulse.render.charts import (
    Bar,
    HeatCell,
    IntervalBar,
    bar_chart,
    daily,
    heatmap,
    interval_bars,
)
from xpulse.render.sparkline import sparkline

SVG = "{http://www.w3.org/2000/svg}"
EVIL = '<script>alert(1)</script> & "quoted" ]]>'
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def marks(svg: str, role: str) -> list[ET.Element]:
    root = ET.fromstring(svg)  # noqa: S314 - vl-convert's output, parsed to prove it well-formed
    assert root.tag == f"{SVG}svg"
    return [el for el in root.iter() if el.get("aria-roledescription") == role]


def grid(posts: int = 5) -> list[list[HeatCell]]:
    return [[HeatCell(posts, float(d * 24 + h)) for h in range(24)] for d in range(7)]


def test_daily_draws_one_bar_and_point_per_day_with_a_value() -> None:
    days = ["2026-05-18", "2026-05-19", "2026-05-20"]
    chart = daily("daily", "Daily", days, [100, 300, None], [5, 20, None])
    svg = vega.svg(chart)
    bars, points = marks(svg, "bar"), marks(svg, "point")
    assert len(bars) == 2 and len(points) == 2  # the missing day draws nothing, not a zero
    assert "Impressions (bars): 300" in (bars[1].get("aria-label") or "")
    assert "2026-05-20: n/a impressions, n/a engagements" in chart.description
    assert [r["impressions"] for r in chart.spec["data"]["values"]] == [100, 300, None]


def test_daily_zooms_in_a_page_but_not_in_an_image() -> None:
    chart = daily("d", "Daily", ["2026-05-18"], [1], [1])
    assert chart.spec["width"] == "container"
    assert chart.spec["layer"][0]["params"][0]["bind"] == "scales"
    still = vega.static_spec(chart, 500)
    assert still["width"] == 500 and "params" not in still["layer"][0]
    assert "params" in chart.spec["layer"][0]  # the page's spec is left as it was


def test_heatmap_grey_for_set_aside_and_numbers_the_best_slots() -> None:
    cells = grid()
    cells[0][0] = HeatCell(1, None, set_aside=True)
    cells[6][23] = HeatCell(9, 500.0, rank=1)
    cells[2][5] = HeatCell(0, None)
    chart = heatmap("hm", "Best time", cells, "score")
    rows = chart.spec["data"]["values"]
    assert len(rows) == 7 * 24 - 1  # the slot without posts is left blank
    first = next(r for r in rows if r["weekday"] == "Mon" and r["hour"] == "00")
    assert first["value"] is None and first["shown"] == "too few posts to rank"
    assert "1. Sun 23:00 (500.00)" in chart.description
    svg = vega.svg(chart)
    assert len(marks(svg, "rect mark")) == 7 * 24 - 1 + 1  # a slot with posts each, an outline
    assert svg.count('fill="#e4e7eb"') == 1  # the set-aside slot, grey
    assert svg.count('stroke="#d94801"') == 1  # the best slot outlined
    assert ">1</text>" in svg


def test_heatmap_rejects_wrong_shape() -> None:
    with pytest.raises(ValueError, match="7 rows of 24"):
        heatmap("hm", "t", grid()[:6], "x")


def test_interval_bars_whisker_only_where_an_interval_is_known() -> None:
    rows = [IntervalBar("photo", 4.0, 3.0, 5.5, 12), IntervalBar("poll", None, None, None, 1)]
    chart = interval_bars("ct", "Content types", rows, "engagement rate")
    svg = vega.svg(chart)
    assert len(marks(svg, "bar")) == 1 and len(marks(svg, "rule mark")) == 1
    assert "poll: n/a (n/a), 1 post" in chart.description
    assert "photo: 4.00% (3.00% to 5.50%), 12 posts" in chart.description


def test_untrusted_labels_stay_text_in_the_svg_and_the_page_json() -> None:
    charts = [
        bar_chart("top", EVIL, [Bar(EVIL, 10)], "engagements"),
        interval_bars("ct", EVIL, [IntervalBar(EVIL, 1.0, 0.5, 2.0, 3)], "rate"),
    ]
    for chart in charts:
        svg = vega.svg(chart)
        root = ET.fromstring(svg)  # noqa: S314
        assert not list(root.iter(f"{SVG}script"))
        assert "<script>alert(1)</script>" in "".join(root.itertext())  # shown as text
    text = vega.specs_json(charts)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["top"]["data"]["values"][0]["label"] == EVIL


def test_png_for_email_is_deterministic() -> None:
    chart = daily("d", "Daily", ["2026-05-18", "2026-05-19"], [10, 20], [1, 2])
    first = vega.png(chart, 560)
    assert first.startswith(PNG_MAGIC)
    assert first == vega.png(chart, 560)
    width = int.from_bytes(first[16:20], "big")
    assert width == 560 * 2  # drawn at twice the display size


def test_page_scripts_allow_exactly_their_own_code() -> None:
    scripts = vega.page_scripts([daily("d", "Daily", [], [], [])])
    assert "window.vegaEmbed=" in scripts.bundle and "</script" not in scripts.bundle.lower()
    assert scripts.csp.split() == [vega.script_hash(scripts.bundle), vega.script_hash(BOOT)]


BOOT = vega.BOOT_JS


def test_sparkline_scales_from_zero_and_shows_gaps() -> None:
    assert sparkline([0, 4, 8]) == "▁▅█"
    assert sparkline([5, 5, 5]) == "███"
    assert sparkline([1, None, 2]) == "▅ █"
    assert sparkline([]) == ""
    assert sparkline([0, 0]) == "▁▁"
