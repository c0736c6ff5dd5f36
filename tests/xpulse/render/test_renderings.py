"""Every rendering of one report document: inert untrusted text, n/a for nulls, structure."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest

from xpulse.analytics.document import Report
from xpulse.render.csv import COLUMNS, render_csv
from xpulse.render.html import render_html
from xpulse.render.json import render_json
from xpulse.render.markdown import render_markdown
from xpulse.render.terminal import render_text

URL_IN_CSS = re.compile(r"url\(", re.IGNORECASE)
POST_LINK = re.compile(r"^https://x\.com/(acme|i)/status/[0-9]+$")


class Collector(HTMLParser):
    """Every tag with its attributes, and the text inside <script>/<style>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def parse_html(page: str) -> Collector:
    parser = Collector()
    parser.feed(page)
    parser.close()
    return parser


# --- HTML ---------------------------------------------------------------------------------


def test_html_makes_no_external_request_and_links_only_to_posts(report: Report) -> None:
    page = render_html(report)
    parsed = parse_html(page)
    tags = [tag for tag, _ in parsed.tags]
    scripts = [attrs for tag, attrs in parsed.tags if tag == "script"]
    # The chart specs (data) and two inline scripts (Vega, the boot), none loaded from outside.
    assert [a.get("type") for a in scripts] == ["application/json", None, None]
    assert all("src" not in a for a in scripts)
    assert "link" not in tags
    assert "img" not in tags and "iframe" not in tags and "object" not in tags
    hrefs: list[str] = []
    for tag, attrs in parsed.tags:
        for name, value in attrs.items():
            if value is None:
                continue
            if name in ("src", "srcset", "href", "xlink:href", "action", "poster", "data"):
                if value.startswith(("url(#", "#")):
                    continue
                assert tag == "a" and name == "href", (tag, name, value)
                hrefs.append(value)
            if name.startswith("on"):
                pytest.fail(f"event handler attribute {name} on <{tag}>")
            if name == "style" or name == "fill":
                assert not re.search(r"url\((?!#)", value), value
    assert hrefs, "post links expected"
    assert all(POST_LINK.match(h) for h in hrefs), hrefs
    # CSS refers to nothing outside the page either (no url(), no @import).
    css = "".join(parsed.styles)
    assert not URL_IN_CSS.search(css) and "@import" not in css
    assert "@media print" in css
    csp = re.search(r'Content-Security-Policy" content="([^"]*)"', page)
    assert csp and "default-src 'none'" in csp.group(1)
    assert re.search(r"script-src 'sha256-[^']+' 'sha256-[^']+';", csp.group(1))
    assert "unsafe-eval" not in csp.group(1)


def test_html_escapes_post_text(report: Report) -> None:
    page = render_html(report)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "\\u003cscript\\u003ealert(1)" in page  # in the chart data
    assert 'href="javascript' not in page.lower()
    # The hostile post's stored javascript: URL is never used; its permalink is.
    assert 'href="https://x.com/acme/status/1001"' in page


def test_html_has_one_chart_per_figure_with_a_text_alternative(report: Report) -> None:
    page = render_html(report)
    parsed = parse_html(page)
    boxes = [a for t, a in parsed.tags if t == "div" and a.get("data-chart")]
    assert [a["data-chart"] for a in boxes] == [
        "chart-daily",
        "chart-top",
        "chart-best-time",
        "chart-content-types",
    ]
    assert all(a.get("role") == "img" and a.get("aria-label") for a in boxes)
    assert page.count("the figures as text</summary>") == 4
    specs = re.search(r'<script type="application/json" id="chart-specs">(.*?)</script>', page)
    assert specs and set(json.loads(specs.group(1))) == {a["data-chart"] for a in boxes}


def test_static_html_draws_the_same_charts_as_svg(report: Report) -> None:
    page = render_html(report, static=True)
    assert page.count("<svg") == 4 and "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_html_shows_figures_and_nulls_as_na(report: Report) -> None:
    page = render_html(report)
    assert "42,150" in page  # impressions of the period, the retweet left out
    assert "+621.1%" in page  # against the week before
    assert report.formulas.engagement_rate.replace("(", "") in page.replace("(", "")
    # Quotes were 0 in both periods: no change can be computed.
    row = re.search(r"<td>Quotes</td>(.*?)</tr>", page, re.S)
    assert row and row.group(1).count("n/a") == 1
    # The post with no impressions has no rate; it is not shown as 0%.
    assert "0.00%" not in page


def test_html_for_a_period_with_no_posts_says_so(empty_report: Report) -> None:
    page = render_html(empty_report)
    assert "No posts in this period." in page
    assert page.count('<div class="vl" data-chart=') == 4
    assert "All posts (0)" in page


# --- terminal -----------------------------------------------------------------------------


def test_terminal_shows_untrusted_text_literally(report: Report) -> None:
    out = render_text(report, width=200)
    assert "<script>alert(1)</script> [red]x[/red]" in out
    assert "\x1b" not in out  # plain mode: no escape sequences at all


def test_terminal_colour_mode_does_not_interpret_post_markup(report: Report) -> None:
    out = render_text(report, width=200, color=True)
    assert "[red]x[/red]" in out
    assert "\x1b]8;" in out  # post links are terminal hyperlinks


def test_terminal_has_sparklines_and_na(report: Report, empty_report: Report) -> None:
    out = render_text(report, width=120)
    assert re.search(r"Impressions\s+│\s+[▁▂▃▄▅▆▇█]{7}\s", out)
    points = report.previous.change.engagement_rate_points
    assert points is not None and f"{points:+.2f} pts" in out
    empty = render_text(empty_report, width=120)
    assert "No posts in this period." in empty
    assert "0.00%" not in empty and "n/a" in empty


# --- Markdown -----------------------------------------------------------------------------


def test_markdown_is_inert_and_links_only_http(report: Report) -> None:
    md = render_markdown(report)
    assert "<script" not in md
    assert "&lt;script&gt;" in md
    assert "\\[red\\]" in md
    links = re.findall(r"\]\(<([^>]*)>\)", md)
    assert links and all(POST_LINK.match(link) for link in links)
    assert "javascript:alert(1)](" not in md
    # Every table row has the same number of cells as its header: no text broke a table.
    for block in re.findall(r"((?:^\|.*\|\n)+)", md, re.M):
        rows = [r for r in block.splitlines() if r]
        widths = {len(re.findall(r"(?<!\\)\|", r)) for r in rows}
        assert len(widths) == 1, rows


def test_markdown_empty_period(empty_report: Report) -> None:
    md = render_markdown(empty_report)
    assert "**No posts in this period.**" in md
    assert "## All posts" not in md


# --- CSV ----------------------------------------------------------------------------------


def test_csv_has_every_post_and_is_formula_safe(report: Report, builders: Any) -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    assert [r["id"] for r in rows] == ["1001", "1002", "1003", "1004", "1005"]
    assert tuple(rows[0].keys()) == COLUMNS
    by_id = {r["id"]: r for r in rows}
    assert by_id["1001"]["text"] == builders.evil
    assert by_id["1004"]["text"] == "'=cmd|' /C calc'!A0"
    assert by_id["1001"]["url"] == "https://x.com/acme/status/1001"
    assert by_id["1005"]["engagement_rate_pct"] == ""  # no impressions: no rate, not 0
    assert by_id["1003"]["impressions"] == "800"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_csv_formula_in_every_text_field(builders: Any) -> None:
    created = builders.week_start + timedelta(hours=30)
    hostile = builders.post("77", created, "+SUM(A1)", 10, 1, "text")
    out = render_csv(builders.report([hostile]))
    assert "'+SUM(A1)" in out


def test_csv_of_empty_period_is_just_the_header(empty_report: Report) -> None:
    assert render_csv(empty_report).strip() == ",".join(COLUMNS)


# --- JSON ---------------------------------------------------------------------------------


def test_json_is_the_document_and_roundtrips(report: Report, report_dict: dict[str, Any]) -> None:
    text = render_json(report)
    data = json.loads(text)
    assert data == report_dict
    assert data["schema"] == "https://xpulse.dev/schemas/report/v1" and data["version"] == 1
    assert Report.from_dict(data) == report
    # Every rendering also accepts the JSON dict.
    assert render_markdown(data) == render_markdown(report)


def test_terminal_best_time_grid_marks_ranked_and_set_aside(report: Report) -> None:
    out = render_text(report, width=120)
    grid = {line[:3]: line[5:29] for line in out.splitlines() if line[:3] in ("Mon", "Tue")}
    best = report.best_time.best_slots[0]
    assert (best.weekday, best.hour) == (1, 9)  # the history plants Tuesdays 09:00
    assert grid["Tue"][9] == "1"
    set_aside = [c for c in report.best_time.cells if not c.enough_posts and c.weekday == 1]
    assert set_aside and all(grid["Tue"][c.hour] == "·" for c in set_aside)
