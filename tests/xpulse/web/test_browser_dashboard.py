"""The dashboard in a real browser (Debian's Chromium), as written to disk and as served:
charts drawn with hover values, pickers, sorting, drill-down, every figure equal to
``xpulse report --format json``, no outside request and no horizontal scrolling."""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from xpulse_web_browser import (
    hover_value,
    low_contrast,
    marks,
    open_page,
    overflow,
    shot,
    wait_for_charts,
)
from xpulse_web_world import EVIL, XPULSE, World

from xpulse.analytics import parse_period
from xpulse.render import fmt

ACCOUNT_CHARTS = {
    "chart-daily",
    "chart-top",
    "chart-best-time",
    "chart-content-types",
    "chart-weekly",
    "chart-monthly",
    "chart-retention",
    "chart-organic",
    "chart-cost",
}
# What each chart's tooltip names, so a hover is known to show that chart's value.
HOVER_SAYS = {
    "chart-daily": "Impressions",
    "chart-retention": "Viewers",
    "chart-organic": "Organic",
    "chart-cost": "$",
}


@pytest.fixture(scope="module")
def site(world: World, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "dashboard"
    done = world.xpulse("dashboard", "--out", str(out), "--as-of", world.now.isoformat())
    assert "open" in done.stderr and (out / "index.html").is_file()
    return out


def last_week(world: World) -> str:
    return parse_period("last-week", "Europe/Berlin", world.now).label


def check_account_page(page: Any, world: World, label: str) -> None:
    """Charts, hover, figures against the JSON report, sorting and the drill-down."""
    drawn = set(wait_for_charts(page))
    assert drawn >= ACCOUNT_CHARTS, drawn
    for chart in ACCOUNT_CHARTS:
        assert marks(page, chart) > 0, chart
    for chart, says in HOVER_SAYS.items():
        assert says in hover_value(page, chart), chart

    doc = world.report_json("main", label, world.now)
    split = doc["detail"]["organic_promoted"]
    organic = page.get_attribute('[data-chart="chart-organic"]', "aria-label") or ""
    assert f"Impressions: {fmt.count(split['organic']['impressions'])} organic" in organic
    assert f"{fmt.count(split['promoted']['impressions'])} promoted" in organic
    retention = page.get_attribute('[data-chart="chart-retention"]', "aria-label") or ""
    first = doc["detail"]["video_retention"][0]["points"][0]["count"]
    assert (
        f"at 0%: {fmt.count(first)} viewers" in retention
        or len(doc["detail"]["video_retention"]) > 5
    )

    # Months that ended before the data begins (the first call, 70 days ago, less
    # history_days = 30) say so; every later month shows its figures, zero or not.
    begins = world.now - timedelta(days=100)
    months = page.eval_on_selector_all(
        "#trends tbody tr",
        "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent))",
    )
    for label_cell, *cells in months:
        name = label_cell.split(" ")[0]
        if len(name) != 7:
            continue  # a week
        ended = parse_period(name, "Europe/Berlin", world.now).end_utc
        if ended <= begins:
            assert cells == ["no data collected"], (name, cells)
        else:
            assert len(cells) == 5 and cells[0].replace(",", "").isdigit(), (name, cells)
            starts = parse_period(name, "Europe/Berlin", world.now).start_utc
            assert ("(data from" in label_cell) == (starts < begins), label_cell
    assert any(cells == ["no data collected"] for _, *cells in months)
    t = doc["totals"]
    cards = {
        c["label"]: c["value"]
        for c in page.eval_on_selector_all(
            "[data-card]",
            "els => els.map(e => ({label: e.dataset.card,"
            " value: e.querySelector('.value').textContent}))",
        )
    }
    assert cards["Posts"] == fmt.count(t["posts"])
    assert cards["Impressions"] == fmt.count(t["impressions"])
    assert cards["Engagements"] == fmt.count(t["engagements"])
    assert cards["Engagement rate"] == fmt.percent(t["engagement_rate"])
    rows = page.eval_on_selector_all(
        "#posts-table tbody tr",
        """rows => rows.map(r => ({id: r.dataset.post, cells: Object.fromEntries(
             Array.from(r.querySelectorAll('td[data-field]'))
               .map(td => [td.dataset.field, td.dataset.v]))}))""",
    )
    by_id = {p["id"]: p for p in doc["posts"]}
    assert [r["id"] for r in rows] and {r["id"] for r in rows} == set(by_id)
    for row in rows:
        post = by_id[row["id"]]
        for key, raw in row["cells"].items():
            expected = post[key]
            assert (raw == "" and expected is None) or float(raw) == pytest.approx(expected), key
    # The seeds' order: best engagement rate first.
    rates = [float(r["cells"]["engagement_rate"] or -1) for r in rows]
    assert rates == sorted(rates, reverse=True)

    # Sorting by impressions: largest first, then smallest first.
    def column(field: str) -> list[float]:
        values: list[str] = page.eval_on_selector_all(
            f'#posts-table tbody td[data-field="{field}"]', "els => els.map(e => e.dataset.v)"
        )
        return [float(v) for v in values]

    header = page.locator("#posts-table th", has_text="Impressions").locator("button")
    header.click()
    assert column("impressions") == sorted(column("impressions"), reverse=True)
    header.click()
    assert column("impressions") == sorted(column("impressions"))
    assert page.locator("#posts-table th", has_text="Impressions").get_attribute("aria-sort") == (
        "ascending"
    )

    # Drill-down: the post's details and its growth curve against the usual shape.
    first = page.locator("#posts-table tbody tr").first
    post_id = first.get_attribute("data-post")
    first.locator("a").click()
    drill = page.locator(f"#post-{post_id}")
    drill.wait_for(state="visible")
    page.wait_for_function(
        f"() => document.querySelector('[data-chart=\"growth-{post_id}\"]').dataset.drawn === '1'"
    )
    assert marks(page, f"growth-{post_id}") > 0
    assert fmt.count(by_id[post_id]["impressions"]) in drill.inner_text()


# A phone, a small tablet, both sides of the two widths where tables turn into cards (640 px
# for most; 1000 px for the posts table) and a desktop.
DASHBOARD_WIDTHS = (375, 600, 641, 800, 1000, 1280)
# The widest viewport at which a table (named by its id or its section's) is one card per
# row: the posts table's nine columns need about 965 px; the lifecycle's three always fit.
CARDS_UP_TO = {"posts-table": 1000, "lifecycle": 0}
CARDS_UP_TO_OTHERS = 640
# Every table the dashboard has, seen on one page or another of the test's world.
ALL_TABLES = {
    "yours",
    "competitors",
    "posts-table",
    "trends",
    "best-time",
    "content-types",
    "spikes",
    "lifecycle",
}


def settled_overflow(page: Any) -> int:
    """The page's sideways overflow once its charts have refit to a new width (at most 3 s:
    a page that still overflows then is measured as it is)."""
    from playwright.sync_api import TimeoutError as StillOverflowing

    with contextlib.suppress(StillOverflowing):
        page.wait_for_function(
            "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            " <= window.innerWidth",
            timeout=3_000,
        )
    return overflow(page)


def check_widths(page: Any, name: str) -> None:
    assert not low_contrast(page), low_contrast(page)
    for width in DASHBOARD_WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(300)  # charts refit to their box
        assert overflow(page) == 0, f"{name} scrolls sideways at {width} px"
        assert not low_contrast(page), (width, low_contrast(page))
        shot(page, f"{name}-{width}")
        check_tables_fit(page, width)


# Each table of the page: how far it and its cells reach past its box, how its first row is
# laid out, and each cell's figure and the label a card shows before it.
_TABLES_JS = """() => Array.from(document.querySelectorAll("main table")).map(t => {
  const box = t.parentElement, edge = box.getBoundingClientRect().right;
  const rows = Array.from(t.querySelectorAll("tbody tr, tfoot tr"));
  return {
    name: t.id || (t.closest("section[id]") || {id: "unnamed"}).id,
    box: box.scrollWidth - box.clientWidth,
    table: Math.round(t.getBoundingClientRect().right - edge),
    display: getComputedStyle(t.tBodies[0].rows[0]).display,
    cells: rows.flatMap(r => Array.from(r.cells)).map(c => ({
      text: c.textContent.trim().slice(0, 40),
      shown: c.offsetParent !== null && c.getBoundingClientRect().width > 0,
      right: Math.round(c.getBoundingClientRect().right - edge),
      spills: c.scrollWidth - c.clientWidth,
      figure: c.classList.contains("num"),
      label: c.dataset.label || null,
      before: getComputedStyle(c, "::before").content,
    })),
  };
})"""


def check_tables_fit(page: Any, width: int) -> set[str]:
    """Every table of the page fits its box at ``width``: nothing to scroll inside the box,
    no cell past its edge or spilling out of itself, every figure shown. Up to its width
    (CARDS_UP_TO) a table is a card per row, each figure showing its label (as the archive
    index does); wider, a table. Returns the tables' names."""
    tables = page.evaluate(_TABLES_JS)
    for table in tables:
        where = (width, table["name"])
        assert table["box"] <= 0 and table["table"] <= 0, (*where, table["box"], table["table"])
        cards = width <= CARDS_UP_TO.get(table["name"], CARDS_UP_TO_OTHERS)
        assert table["display"] == ("grid" if cards else "table-row"), where
        for cell in table["cells"]:
            assert cell["shown"] and cell["right"] <= 0 and cell["spills"] <= 0, (*where, cell)
            if cards and cell["figure"]:
                assert cell["label"], ("a figure on a card says what it is", *where, cell)
                assert cell["label"] in cell["before"], (*where, cell)
    return {t["name"] for t in tables}


TOTAL_FIELDS = ("posts", "impressions", "engagements")


def shown_total(page: Any, row: str) -> dict[str, str]:
    cells = page.locator(f'tfoot tr[data-account="{row}"] th[data-field]')
    return {c.get_attribute("data-field"): c.get_attribute("data-v") for c in cells.all()}


def check_portfolio_totals(page: Any, world: World) -> None:
    """The own total row is the sum of the own accounts of `xpulse report --all-accounts`;
    the competitors' total sits in their own table, never in yours."""
    label = page.locator("h1").inner_text().split(" · ")[-1]
    out = world.xpulse(
        "report", "--all-accounts", "-p", label, "--as-of", world.now.isoformat(), "-f", "json"
    )
    rows = json.loads(out.stdout)["accounts"]
    mine = [r for r in rows if r["group"] == "own" and r["collected"]]
    rivals = [r for r in rows if r["group"] == "competitor" and r["collected"]]
    assert {r["account"] for r in mine} == {"main", "side"}
    assert [r["account"] for r in rivals] == ["rival"]
    own_total = shown_total(page, "all")
    for key in TOTAL_FIELDS:
        assert own_total[key] == repr(sum(r[key] for r in mine)), key
    assert int(own_total["posts"]) > 0
    engagements, impressions = (sum(r[k] for r in mine) for k in ("engagements", "impressions"))
    assert float(own_total["engagement_rate"]) == pytest.approx(
        engagements / impressions * 100, abs=0.01
    )
    rival_total = shown_total(page, "competitors")
    for key in TOTAL_FIELDS:
        assert rival_total[key] == repr(rivals[0][key]), key
    # each total in its own table: yours under "Your accounts", theirs beside the rival
    tables = page.locator("table.sortable")
    assert tables.nth(0).locator('tfoot tr[data-account="all"]').count() == 1
    assert tables.nth(1).locator('tfoot tr[data-account="competitors"]').count() == 1
    assert tables.nth(1).locator('tr[data-account="rival"]').count() == 1


def test_static_dashboard_works_from_disk(browser: Any, site: Path, world: World) -> None:
    label = last_week(world)
    page, watch = open_page(browser, "file://")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto((site / "index.html").as_uri())
    assert "chart-accounts" in wait_for_charts(page)
    assert "Impressions" in hover_value(page, "chart-accounts")
    # Competitors beside own accounts, not in the total.
    assert page.locator("h2", has_text="Other accounts").count() == 1
    assert page.locator('tr[data-account="rival"]').count() == 1
    check_portfolio_totals(page, world)
    check_widths(page, "dashboard-portfolio")

    # Account picker, then period picker.
    page.select_option('select[aria-label="Account"]', label="main")
    page.wait_for_url("**/main--*.html")
    page.select_option('select[aria-label="Period"]', label=label)
    page.wait_for_url(f"**/main--{label}.html")
    check_account_page(page, world, label)
    page.goto((site / f"main--{label}.html").as_uri())
    wait_for_charts(page)
    check_widths(page, "dashboard-account")
    assert EVIL in page.locator("#posts-table").inner_text()  # shown as text, inert
    assert not dialogs
    watch.clean()


def test_every_table_of_every_page_fits(browser: Any, site: Path) -> None:
    """Every page of the dashboard (the portfolio, own and competitor accounts, weeks and
    months, an account with nothing collected) at every width: no sideways scrolling, and
    every table fits its box with every figure shown."""
    page, watch = open_page(browser, "file://")
    pages = sorted(site.glob("*.html"))
    assert len(pages) > 10
    seen: set[str] = set()
    for path in pages:
        page.goto(path.as_uri())
        wait_for_charts(page)
        for width in DASHBOARD_WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            assert settled_overflow(page) == 0, f"{path.name} scrolls sideways at {width} px"
            seen |= check_tables_fit(page, width)
    assert seen == ALL_TABLES
    watch.clean()


@pytest.fixture(scope="module")
def served(world: World) -> Iterator[str]:
    proc = subprocess.Popen(
        [*XPULSE, "serve", "--port", "0"],
        env=world.env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert "dashboard on http://127.0.0.1:" in line, line
    url = line.split("dashboard on ")[1].split()[0].rstrip("/")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stderr.close()


def test_served_dashboard_is_the_same_page(browser: Any, served: str, world: World) -> None:
    label = last_week(world)
    page, watch = open_page(browser, served)
    page.goto(f"{served}/account/main?period={label}")
    check_account_page(page, world, label)
    check_widths(page, "served-account")
    page.goto(f"{served}/account/nobody")
    assert "no account 'nobody'" in page.locator("body").inner_text()
    page.goto(f"{served}/account/main?period=1999-W01")
    assert "no period '1999-W01'" in page.locator("body").inner_text()
    watch.errors = [e for e in watch.errors if "404" not in e]  # the two pages above
    watch.clean()


def test_served_page_cannot_reach_outside(browser: Any, served: str) -> None:
    """The CSP header blocks a script that would call out, even if one were injected."""
    page, _watch = open_page(browser, served)
    response = page.goto(f"{served}/")
    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    blocked = page.evaluate(
        """() => new Promise(done => {
             const s = document.createElement('script');
             s.src = 'https://cdn.example.com/x.js';
             s.onerror = () => done(true); s.onload = () => done(false);
             document.head.appendChild(s);
             setTimeout(() => done(true), 2000);
           })"""
    )
    assert blocked
