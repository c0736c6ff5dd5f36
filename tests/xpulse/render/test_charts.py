"""The SVG charts: well-formed, accessible, escaped, and showing the data given."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from xpulse.render.charts import Bar, HeatCell, IntervalBar, bar_chart, daily_chart, heatmap
from xpulse.render.sparkline import sparkline

NS = {"s": "http://www.w3.org/2000/svg"}
EVIL = '<script>alert(1)</script> & "quoted" ]]>'


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well-formed
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    labelled = (root.get("aria-labelledby") or "").split()
    ids = {el.get("id") for el in root.iter()}
    assert labelled and all(i in ids for i in labelled)
    return root


def grid(posts: int = 5) -> list[list[HeatCell]]:
    return [[HeatCell(posts, float(d * 24 + h)) for h in range(24)] for d in range(7)]


def test_daily_chart_has_one_bar_and_point_per_day() -> None:
    days = ["Mon 18", "Tue 19", "Wed 20"]
    root = parse(daily_chart("daily", "Daily", days, [100, 0, 300], [5, 0, 20]))
    bars = root.findall(".//s:rect[@class='bar']", NS)
    points = root.findall(".//s:circle[@class='point']", NS)
    assert len(bars) == 2  # a zero day draws no bar
    assert len(points) == 3
    assert "300 impressions" in "".join(root.itertext())
    # The tallest bar belongs to the largest value.
    heights = [float(b.get("height", "0")) for b in bars]
    assert heights[1] > heights[0]


def test_daily_chart_missing_days_are_not_zero() -> None:
    root = parse(daily_chart("d", "Daily", ["a", "b"], [None, 5], [None, 1]))
    assert "n/a impressions" in (root.findtext("s:desc", namespaces=NS) or "")
    assert len(root.findall(".//s:circle[@class='point']", NS)) == 1


def test_heatmap_has_7x24_cells_and_marks_set_aside() -> None:
    cells = grid()
    cells[0][0] = HeatCell(1, None, set_aside=True)
    cells[6][23] = HeatCell(9, 500.0, rank=1)
    root = parse(heatmap("hm", "Best time", cells, "mean engagements"))
    rects = root.findall(".//s:rect[@class='cell']", NS)
    assert len(rects) == 7 * 24
    assert "hatch" in (rects[0].get("fill") or "")
    assert "too few to rank" in (rects[0].findtext("s:title", namespaces=NS) or "")
    assert "Sun 23:00: 9 posts" in (rects[-1].findtext("s:title", namespaces=NS) or "")
    # The best cell is the darkest.
    assert rects[-1].get("fill") == "#084594"


def test_heatmap_rejects_wrong_shape() -> None:
    with pytest.raises(ValueError, match="7 rows of 24"):
        heatmap("hm", "t", grid()[:6], "x")


def test_interval_bars_draw_whiskers_and_na() -> None:
    rows = [
        IntervalBar("photo", 4.0, 3.0, 5.5, 12),
        IntervalBar("poll", None, None, None, 0),
    ]
    root = parse(interval_bars_svg(rows))
    assert len(root.findall(".//s:g[@class='whisker']", NS)) == 1
    assert len(root.findall(".//s:rect[@class='bar']", NS)) == 1
    assert "n/a" in "".join(root.itertext())


def interval_bars_svg(rows: list[IntervalBar]) -> str:
    from xpulse.render.charts import interval_bars

    return interval_bars("ct", "Content types", rows, "engagement rate")


def test_untrusted_labels_are_escaped() -> None:
    for svg in (
        bar_chart("top", EVIL, [Bar(EVIL, 10)], "engagements"),
        interval_bars_svg([IntervalBar(EVIL, 1.0, 0.5, 2.0, 3)]),
        daily_chart("d", EVIL, [EVIL], [1], [1]),
        heatmap("h", EVIL, grid(), EVIL),
    ):
        assert "<script" not in svg
        root = parse(svg)
        assert not list(root.iter("{http://www.w3.org/2000/svg}script"))
        assert "<script>" in "".join(root.itertext())  # shown as text


def test_chart_ids_are_safe() -> None:
    root = parse(bar_chart('x" onload="alert(1)', "t", [], "v"))
    assert root.get("id") == "x-onload-alert-1"
    assert root.get("onload") is None


def test_sparkline_scales_from_zero_and_shows_gaps() -> None:
    assert sparkline([0, 4, 8]) == "▁▅█"
    assert sparkline([5, 5, 5]) == "███"
    assert sparkline([1, None, 2]) == "▅ █"
    assert sparkline([]) == ""
    assert sparkline([0, 0]) == "▁▁"
