"""The Excel workbook, read back with openpyxl (another library than the writer)."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from xpulse.analytics import Report
from xpulse.config.delivery import FilesConfig
from xpulse.operations.destinations import FilesTarget
from xpulse.render.xlsx import render_xlsx


def _sheets(data: bytes) -> dict[str, Worksheet]:
    book = load_workbook(io.BytesIO(data))
    return {ws.title: ws for ws in book.worksheets}


def _table(ws: Worksheet) -> list[dict[str, object]]:
    rows = list(ws.iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, r, strict=True)) for r in rows[1:]]


def test_three_sheets_with_frozen_headers_and_widths(report: Report) -> None:
    sheets = _sheets(render_xlsx(report))
    assert list(sheets) == ["Summary", "Posts", "Daily"]
    for ws in sheets.values():
        assert ws.freeze_panes == "A2"
        assert all(c.font.b for c in ws[1])  # the header row is bold
        assert ws.column_dimensions["A"].width > 8
    assert sheets["Posts"].column_dimensions["D"].width >= 60  # the text column is wide


def test_summary_holds_the_report_totals_as_numbers(report: Report) -> None:
    ws = _sheets(render_xlsx(report))["Summary"]
    rows = {r[0]: r for r in ws.iter_rows(values_only=True) if r[0]}
    cur, prev = report.totals, report.previous.totals
    assert rows["Posts"][1:3] == (cur.posts, prev.posts)
    assert rows["Impressions"][1:3] == (cur.impressions, prev.impressions)
    assert rows["Engagements"][1] == cur.likes + cur.reposts + cur.replies + cur.quotes
    assert cur.engagement_rate is not None
    # A rate is an Excel percentage: 3.25 % is stored as 0.0325 and shown with "%".
    assert rows["Engagement rate"][1] == pytest.approx(cur.engagement_rate / 100)
    rate_cell = next(c for c in ws["B"] if c.value == rows["Engagement rate"][1])
    assert rate_cell.number_format == "0.00%"
    change = report.previous.change.impressions
    assert change is not None and rows["Impressions"][3] == pytest.approx(change / 100)
    # X's own engagements were never read here: the cell is empty, not 0.
    assert rows["X engagements"][1] is None and cur.x_engagements is None
    start = rows[f"Start ({report.period.tz})"][1]
    assert start == report.period.start.replace(tzinfo=None)


def test_posts_are_typed_and_text_never_runs_as_a_formula(report: Report) -> None:
    ws = _sheets(render_xlsx(report))["Posts"]
    table = _table(ws)
    expected = sorted(report.posts, key=lambda p: (p.created_at, p.id))
    assert [r["Post id"] for r in table] == [p.id for p in expected]
    tz = report.period.tz
    for row, post in zip(table, expected, strict=True):
        assert row[f"Created ({tz})"] == post.created_local.replace(tzinfo=None)
        assert row["Impressions"] == post.impressions and isinstance(row["Impressions"], int)
        assert row["Engagements"] == post.engagements
        if post.engagement_rate is None:
            assert row["Engagement rate"] is None  # nobody saw it: no rate, not 0 %
        else:
            assert row["Engagement rate"] == pytest.approx(post.engagement_rate / 100)
    formula_like = [p for p in expected if p.text.startswith("=")]
    assert formula_like, "the fixture must hold a post that looks like a formula"
    cells = [c for row in ws.iter_rows(min_row=2) for c in row]
    assert all(c.data_type != "f" for c in cells)  # not one formula in the sheet
    texts = {str(c.value) for c in ws["D"][1:]}
    assert formula_like[0].text in texts
    assert any("=HYPERLINK(" in t for t in texts)
    # Only links xpulse builds are links: the javascript: URL of the hostile post is not.
    links = [c.hyperlink.target for c in ws["E"][1:] if c.hyperlink is not None]
    assert links and all(u.startswith("https://x.com/") for u in links)
    assert ws.auto_filter.ref is not None


def test_daily_sheet_matches_the_report(report: Report) -> None:
    table = _table(_sheets(render_xlsx(report))["Daily"])
    assert [r["Date"] for r in table] == [
        datetime(d.date.year, d.date.month, d.date.day) for d in report.daily
    ]
    assert [(r["Posts"], r["Impressions"], r["Engagements"]) for r in table] == [
        (d.posts, d.impressions, d.engagements) for d in report.daily
    ]
    assert sum(int(r["Impressions"]) for r in table) == report.totals.impressions  # type: ignore[call-overload]


def test_an_empty_week_has_headers_and_no_invented_rows(empty_report: Report) -> None:
    sheets = _sheets(render_xlsx(empty_report))
    assert _table(sheets["Posts"]) == []
    assert all(r["Posts"] == 0 for r in _table(sheets["Daily"]))


def test_same_report_same_bytes(report: Report) -> None:
    assert render_xlsx(report) == render_xlsx(report)


def test_files_destination_writes_the_workbook(report: Report, tmp_path: Path) -> None:
    dest = FilesTarget(FilesConfig(folder=str(tmp_path), formats=["xlsx", "json"]))
    written = dest.write(report)
    xlsx = next(p for p in written if p.suffix == ".xlsx")
    assert xlsx.name == "main-2026-W21.xlsx"
    assert (tmp_path / "main" / "latest.xlsx").read_bytes() == xlsx.read_bytes()
    ws = _sheets(xlsx.read_bytes())["Summary"]
    assert ws["B2"].value == report.totals.posts


def test_portfolio_sheet_has_every_account_and_the_total(report: Report) -> None:
    from xpulse.analytics.portfolio import NO_DATA, Portfolio, PortfolioRow
    from xpulse.render.xlsx import render_portfolio_xlsx

    t = report.totals
    figures = {
        "posts": t.posts, "impressions": t.impressions, "engagements": t.engagements,
        "engagement_rate": t.engagement_rate, "previous_posts": 1, "previous_impressions": 10,
        "previous_engagements": 1, "previous_engagement_rate": 10.0,
        "change_impressions": 50.0, "change_engagements": None,
        "change_engagement_rate_points": -1.5,
    }  # fmt: skip
    empty = dict.fromkeys(figures)
    portfolio = Portfolio(
        schema="https://xpulse.dev/schemas/portfolio/v2",
        version=2,
        generated_at=report.generated_at,
        period=report.period,
        previous_period=report.previous.period,
        engagement_rate_formula=report.formulas.engagement_rate,
        accounts=[
            PortfolioRow(account="main", username="acme", collected=True, note=None, **figures),
            PortfolioRow(account="new", username=None, collected=False, note=NO_DATA, **empty),
        ],
        total=PortfolioRow(account="all", username=None, collected=True, note=None, **figures),
    )
    ws = _sheets(render_portfolio_xlsx(portfolio))["Accounts"]
    assert ws.freeze_panes == "A2"
    rows = _table(ws)
    assert [r["Account"] for r in rows] == ["main", "new", "all"]
    assert rows[0]["Impressions"] == t.impressions and rows[0]["Period"] == "2026-W21"
    assert rows[0]["Impressions change"] == pytest.approx(0.5)
    assert rows[0]["Engagements change"] is None
    # Nothing collected: empty figures and the note, never zeros.
    assert rows[1]["Posts"] is None and rows[1]["Impressions"] is None
    assert rows[1]["Note"] == NO_DATA


def test_without_xlsxwriter_the_format_is_one_line_naming_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    import xpulse.render
    from xpulse.errors import XlsxUnavailable
    from xpulse.render import render_file

    monkeypatch.setitem(sys.modules, "xlsxwriter", None)  # as if the extra were absent
    monkeypatch.delitem(sys.modules, "xpulse.render.xlsx", raising=False)
    monkeypatch.delattr(xpulse.render, "xlsx", raising=False)
    with pytest.raises(XlsxUnavailable, match=r"pip install 'xpulse\[xlsx\]'") as caught:
        render_file({}, "xlsx")
    assert caught.value.exit_code == 2
