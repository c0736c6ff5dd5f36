"""A report as spreadsheet rows: the "weekly" summary row and the "posts" rows.

The Google Sheets destination writes these with the Sheets API's ``RAW`` input, so every
value lands as what it is: text as text (never parsed, so a post starting with ``=`` is
never a formula), numbers as numbers, and dates as date serial numbers (days since
1899-12-30, the epoch of Sheets and Excel) under a date format. An empty string is an
empty cell: a figure that cannot be computed is blank, never 0.

Columns (the header row is exactly the names below; docs/delivery.md documents them):

weekly: one row per account and period, keyed by (account, period)
posts:  one row per post of the period, keyed by (account, period, post_id)

Rates and changes are fractions (0.0325) shown with a percent format (3.25 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final, Literal

from xpulse.analytics.document import Report
from xpulse.analytics.figures import PostEntry
from xpulse.render.cells import strip_controls
from xpulse.render.view import link_for

Kind = Literal["text", "int", "pct", "date", "datetime"]
Cell = str | int | float
EPOCH: Final = datetime(1899, 12, 30)


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind


WEEKLY_COLUMNS: Final = (
    Column("account", "text"),
    Column("username", "text"),
    Column("period", "text"),
    Column("period_start", "date"),
    Column("period_end", "date"),
    Column("time_zone", "text"),
    Column("posts", "int"),
    Column("impressions", "int"),
    Column("likes", "int"),
    Column("reposts", "int"),
    Column("replies", "int"),
    Column("quotes", "int"),
    Column("bookmarks", "int"),
    Column("engagements", "int"),
    Column("engagement_rate", "pct"),
    Column("previous_impressions", "int"),
    Column("previous_engagements", "int"),
    Column("impressions_change", "pct"),
    Column("engagements_change", "pct"),
    Column("generated_at_utc", "datetime"),
)
POST_COLUMNS: Final = (
    Column("account", "text"),
    Column("period", "text"),
    Column("post_id", "text"),
    Column("created_local", "datetime"),
    Column("content_type", "text"),
    Column("text", "text"),
    Column("url", "text"),
    Column("impressions", "int"),
    Column("likes", "int"),
    Column("reposts", "int"),
    Column("replies", "int"),
    Column("quotes", "int"),
    Column("bookmarks", "int"),
    Column("engagements", "int"),
    Column("engagement_rate", "pct"),
    Column("metrics_read_at_utc", "datetime"),
)
WEEKLY_KEY: Final = ("account", "period")
POST_KEY: Final = ("account", "period", "post_id")


def serial(value: date | datetime) -> float:
    """Days since 1899-12-30: how Sheets and Excel store a date (and time of day)."""
    if isinstance(value, datetime):
        naive = value.replace(tzinfo=None)
    else:
        naive = datetime(value.year, value.month, value.day)
    days = (naive - EPOCH) / timedelta(days=1)
    return round(days, 8)


def cell(kind: Kind, value: object) -> Cell:
    """One value for ``RAW`` input; ``None`` becomes "" (an empty cell)."""
    if value is None:
        return ""
    if kind == "int" and isinstance(value, int):
        return value
    if kind == "pct" and isinstance(value, int | float):
        return round(float(value) / 100, 8)
    if kind in ("date", "datetime") and isinstance(value, date):
        day_only = kind == "date" or not isinstance(value, datetime)
        return int(serial(value)) if day_only else serial(value)
    return strip_controls(str(value))


def weekly_row(report: Report) -> list[Cell]:
    p, t, prev, ch = report.period, report.totals, report.previous.totals, report.previous.change
    values: dict[str, object] = {
        "account": report.account.name,
        "username": report.account.username,
        "period": p.label,
        "period_start": p.start.date(),
        "period_end": (p.end - timedelta(days=1)).date(),  # the last day, inclusive
        "time_zone": p.tz,
        "posts": t.posts,
        "impressions": t.impressions,
        "likes": t.likes,
        "reposts": t.reposts,
        "replies": t.replies,
        "quotes": t.quotes,
        "bookmarks": t.bookmarks,
        "engagements": t.engagements,
        "engagement_rate": t.engagement_rate,
        "previous_impressions": prev.impressions,
        "previous_engagements": prev.engagements,
        "impressions_change": ch.impressions,
        "engagements_change": ch.engagements,
        "generated_at_utc": report.generated_at.astimezone(UTC),
    }
    return [cell(c.kind, values[c.name]) for c in WEEKLY_COLUMNS]


def _post_row(report: Report, post: PostEntry) -> list[Cell]:
    read = post.metrics_observed_at
    values: dict[str, object] = {
        "account": report.account.name,
        "period": report.period.label,
        "post_id": post.id,
        "created_local": post.created_local,
        "content_type": post.content_type,
        "text": post.text,
        "url": link_for(post, report.account.username),
        "impressions": post.impressions,
        "likes": post.likes,
        "reposts": post.reposts,
        "replies": post.replies,
        "quotes": post.quotes,
        "bookmarks": post.bookmarks,
        "engagements": post.engagements,
        "engagement_rate": post.engagement_rate,
        "metrics_read_at_utc": read.astimezone(UTC) if read else None,
    }
    return [cell(c.kind, values[c.name]) for c in POST_COLUMNS]


def post_rows(report: Report) -> list[list[Cell]]:
    """The period's posts, oldest first."""
    posts = sorted(report.posts, key=lambda p: (p.created_at, p.id))
    return [_post_row(report, post) for post in posts]


def header(columns: tuple[Column, ...]) -> list[str]:
    return [c.name for c in columns]
