"""The Excel rendering: a report as a workbook, and tables (the export) as a worksheet.

A report workbook has three sheets, each a table under one frozen header row:

* ``Summary``: every total of the period beside the previous period's and the change,
  then who, when and the formulas;
* ``Posts``: the period's posts with their latest metrics, oldest first;
* ``Daily``: one row per local day of the period.

The portfolio (``report --all-accounts``) is one ``Accounts`` sheet: a row per account and
the total.

Cells have real types: counts are numbers, rates are Excel percentages (3.25 % is stored
as 0.0325 with a ``0.00%`` format), times are Excel dates in the report's time zone (named
in the header; Excel has no zone). A missing figure is an empty cell, never 0.

Post text is untrusted: it is written as a string cell (``write_string``) with the
workbook told never to turn strings into formulas or links, so ``=HYPERLINK(...)`` shows as
text and never runs. Control and bidi-override characters are dropped, as in the CSV.
Only links xpulse builds itself (x.com permalinks from a numeric id) become hyperlinks.

Written with XlsxWriter: made only for writing, it streams rows to disk
(``constant_memory``) so an export of a million posts needs no more memory than ten.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xpulse.analytics.document import Report
from xpulse.analytics.figures import PostEntry, Totals
from xpulse.analytics.portfolio import Portfolio
from xpulse.errors import TooManyRows
from xpulse.render.cells import strip_controls
from xpulse.render.view import as_report, link_for, post_figures

MAX_ROWS: Final = 1_048_576  # Excel's limit, the header row included
MAX_URL: Final = 2079  # Excel's longest link; a longer URL is written as text
_OPTIONS: Final = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "remove_timezone": True,
}
Kind = Literal["text", "int", "pct", "datetime", "date", "url", "bool"]


@dataclass(frozen=True)
class Column:
    title: str
    kind: Kind
    width: float


class _Styles:
    def __init__(self, book: Workbook) -> None:
        self.header = book.add_format({"bold": True, "bottom": 1, "bg_color": "#F2F4F7"})
        self.int = book.add_format({"num_format": "#,##0"})
        self.pct = book.add_format({"num_format": "0.00%"})
        self.datetime = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self.date = book.add_format({"num_format": "yyyy-mm-dd"})
        self.text = book.add_format({"text_wrap": False})
        self.bold = book.add_format({"bold": True})

    def of(self, kind: Kind) -> Format | None:
        return {"int": self.int, "pct": self.pct, "datetime": self.datetime, "date": self.date}.get(
            kind
        )


def _open_sheet(book: Workbook, styles: _Styles, name: str, columns: Sequence[Column]) -> Worksheet:
    sheet = book.add_worksheet(name)
    for i, col in enumerate(columns):
        sheet.set_column(i, i, col.width)
        sheet.write_string(0, i, col.title, styles.header)
    sheet.freeze_panes(1, 0)
    return sheet


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def write_cell(
    sheet: Worksheet, styles: _Styles, row: int, col: int, kind: Kind, value: Any
) -> None:
    """One typed cell; ``None`` stays empty. Text never becomes a formula or a link."""
    if value is None:
        return
    if kind == "int":
        sheet.write_number(row, col, int(value), styles.int)
    elif kind == "pct":
        sheet.write_number(row, col, float(value) / 100, styles.pct)
    elif kind == "datetime":
        sheet.write_datetime(row, col, _naive(value), styles.datetime)
    elif kind == "date":
        sheet.write_datetime(row, col, value, styles.date)
    elif kind == "bool":
        sheet.write_boolean(row, col, bool(value))
    elif kind == "url" and len(str(value)) <= MAX_URL:
        sheet.write_url(row, col, str(value), string=str(value))
    else:
        sheet.write_string(row, col, strip_controls(str(value)))


# -- the report workbook ------------------------------------------------------------------

SUMMARY_FIGURES: Final[tuple[tuple[str, str, Kind], ...]] = (
    ("posts", "Posts", "int"),
    ("impressions", "Impressions", "int"),
    ("likes", "Likes", "int"),
    ("reposts", "Reposts", "int"),
    ("replies", "Replies", "int"),
    ("quotes", "Quotes", "int"),
    ("bookmarks", "Bookmarks", "int"),
    ("engagements", "Engagements", "int"),
    ("engagement_rate", "Engagement rate", "pct"),
    ("x_engagements", "X engagements", "int"),
    ("x_engagement_rate", "X engagement rate", "pct"),
)


def summary_columns(report: Report) -> tuple[Column, ...]:
    return (
        Column("Figure", "text", 22),
        Column(report.period.label, "int", 16),
        Column(f"Previous ({report.previous.period.label})", "int", 22),
        Column("Change", "pct", 12),
    )


def post_columns(report: Report) -> tuple[Column, ...]:
    tz = report.period.tz
    return (
        Column("Post id", "text", 21),
        Column(f"Created ({tz})", "datetime", 18),
        Column("Type", "text", 9),
        Column("Text", "text", 60),
        Column("Link", "url", 44),
        Column("Impressions", "int", 13),
        Column("Likes", "int", 9),
        Column("Reposts", "int", 9),
        Column("Replies", "int", 9),
        Column("Quotes", "int", 9),
        Column("Bookmarks", "int", 11),
        Column("Engagements", "int", 13),
        Column("Engagement rate", "pct", 16),
        Column("X engagements", "int", 15),
        Column("X engagement rate", "pct", 18),
        Column("Metrics read (UTC)", "datetime", 18),
    )


DAILY_COLUMNS: Final = (
    Column("Date", "date", 12),
    Column("Posts", "int", 8),
    Column("Impressions", "int", 13),
    Column("Engagements", "int", 13),
    Column("Engagement rate", "pct", 16),
)


def _post_values(post: PostEntry, username: str | None) -> list[Any]:
    observed = post.metrics_observed_at
    return [
        post.id,
        post.created_local,
        post.content_type,
        post.text,
        link_for(post, username),
        *post_figures(post),
        observed.astimezone(UTC) if observed else None,
    ]


def _summary(book: Workbook, styles: _Styles, report: Report) -> None:
    columns = summary_columns(report)
    sheet = _open_sheet(book, styles, "Summary", columns)
    cur: Totals = report.totals
    prev: Totals = report.previous.totals
    change = report.previous.change
    row = 0
    for key, label, kind in SUMMARY_FIGURES:
        row += 1
        sheet.write_string(row, 0, label)
        write_cell(sheet, styles, row, 1, kind, getattr(cur, key))
        write_cell(sheet, styles, row, 2, kind, getattr(prev, key))
        # Relative change, as everywhere in xpulse (see formulas.change_pct).
        write_cell(sheet, styles, row, 3, "pct", getattr(change, key))
    row += 2
    period = report.period
    about: list[tuple[str, Kind, Any]] = [
        ("Account", "text", report.account.name),
        ("Username", "text", f"@{report.account.username}" if report.account.username else None),
        ("Period", "text", period.label + (" (partial)" if period.partial else "")),
        (f"Start ({period.tz})", "datetime", period.start),
        (f"End, exclusive ({period.tz})", "datetime", period.end),
        ("Generated (UTC)", "datetime", report.generated_at),
        ("Retweets left out", "int", report.retweets_excluded),
        ("Formula: engagements", "text", report.formulas.engagements),
        ("Formula: engagement rate", "text", report.formulas.engagement_rate),
        ("Formula: change", "text", report.formulas.change_pct),
    ]
    for label, kind, value in about:
        sheet.write_string(row, 0, label, styles.bold)
        write_cell(sheet, styles, row, 1, kind, value)
        row += 1
    for note in report.notes:
        write_cell(sheet, styles, row, 0, "text", note)
        row += 1


def _posts(book: Workbook, styles: _Styles, report: Report) -> None:
    columns = post_columns(report)
    sheet = _open_sheet(book, styles, "Posts", columns)
    posts = sorted(report.posts, key=lambda p: (p.created_at, p.id))
    for r, post in enumerate(posts, start=1):
        for c, (col, value) in enumerate(
            zip(columns, _post_values(post, report.account.username), strict=True)
        ):
            write_cell(sheet, styles, r, c, col.kind, value)
    sheet.autofilter(0, 0, max(len(posts), 1), len(columns) - 1)


def _daily(book: Workbook, styles: _Styles, report: Report) -> None:
    sheet = _open_sheet(book, styles, "Daily", DAILY_COLUMNS)
    for r, day in enumerate(report.daily, start=1):
        rate = day.engagements / day.impressions * 100 if day.impressions else None
        values = (day.date, day.posts, day.impressions, day.engagements, rate)
        for c, (col, value) in enumerate(zip(DAILY_COLUMNS, values, strict=True)):
            write_cell(sheet, styles, r, c, col.kind, value)


def render_xlsx(document: Report | Mapping[str, Any]) -> bytes:
    """The report as an .xlsx workbook (Summary, Posts, Daily); the same report gives the
    same bytes (the workbook's creation time is the report's)."""
    report = as_report(document)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {**_OPTIONS, "in_memory": True})
    book.set_properties(
        {
            "title": f"X report {report.account.name} {report.period.label}",
            "created": _naive(report.generated_at),
        }
    )
    styles = _Styles(book)
    _summary(book, styles, report)
    _posts(book, styles, report)
    _daily(book, styles, report)
    book.close()
    return out.getvalue()


# -- tables (the export) ------------------------------------------------------------------


@contextmanager
def _book(path: Path) -> Iterator[Workbook]:
    book = xlsxwriter.Workbook(str(path), {**_OPTIONS, "constant_memory": True})
    try:
        yield book
    finally:
        book.close()


def export_columns(names: Sequence[str], counts: Collection[str]) -> tuple[Column, ...]:
    """Typed columns for the export's records (times are UTC); ``counts`` are the
    whole-number columns."""

    def kind(name: str) -> Kind:
        if name in counts:
            return "int"
        if name.endswith("_at"):
            return "datetime"
        if name.startswith("is_"):
            return "bool"
        return "text"

    widths = {"text": 60, "datetime": 18, "int": 12, "bool": 11}
    return tuple(Column(n, kind(n), widths.get(kind(n), 21)) for n in names)


def write_table(
    path: Path, sheet_name: str, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]
) -> int:
    """Stream ``rows`` (dicts keyed by column title) into one frozen-header sheet at
    ``path``; returns the number of rows. :class:`TooManyRows` past Excel's limit."""
    count = 0
    with _book(path) as book:
        styles = _Styles(book)
        sheet = _open_sheet(book, styles, sheet_name, columns)
        for record in rows:
            count += 1
            if count >= MAX_ROWS:
                raise TooManyRows(
                    f"more than {MAX_ROWS - 1:,} rows: an Excel sheet holds no more; "
                    "use --format csv or --format jsonl"
                )
            for c, col in enumerate(columns):
                write_cell(sheet, styles, count, c, col.kind, record[col.title])
    return count


# -- the portfolio (every account, one period) ---------------------------------------------

PORTFOLIO_COLUMNS: Final = (
    Column("Period", "text", 12),
    Column("Account", "text", 18),
    Column("Username", "text", 18),
    Column("Posts", "int", 8),
    Column("Impressions", "int", 13),
    Column("Engagements", "int", 13),
    Column("Engagement rate", "pct", 16),
    Column("Previous posts", "int", 15),
    Column("Previous impressions", "int", 20),
    Column("Previous engagements", "int", 20),
    Column("Previous engagement rate", "pct", 24),
    Column("Impressions change", "pct", 19),
    Column("Engagements change", "pct", 19),
    Column("Engagement rate change (points)", "pct", 30),
    Column("Note", "text", 36),
)


def render_portfolio_xlsx(portfolio: Portfolio) -> bytes:
    """Every account's row, then the total (account "all"), on one frozen-header sheet; an
    account nothing was collected for has empty figures and its note, never zeros."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {**_OPTIONS, "in_memory": True})
    label = portfolio.period.label
    book.set_properties({"title": f"X accounts {label}", "created": _naive(portfolio.generated_at)})
    styles = _Styles(book)
    sheet = _open_sheet(book, styles, "Accounts", PORTFOLIO_COLUMNS)
    for r, row in enumerate([*portfolio.accounts, portfolio.total], start=1):
        values = (
            label, row.account, row.username, row.posts, row.impressions, row.engagements,
            row.engagement_rate, row.previous_posts, row.previous_impressions,
            row.previous_engagements, row.previous_engagement_rate, row.change_impressions,
            row.change_engagements, row.change_engagement_rate_points, row.note,
        )  # fmt: skip
        for c, (col, value) in enumerate(zip(PORTFOLIO_COLUMNS, values, strict=True)):
            write_cell(sheet, styles, r, c, col.kind, value)
    book.close()
    return out.getvalue()
