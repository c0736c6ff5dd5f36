"""What every rendering shows, picked from the one report document.

These helpers only select and format figures the document already holds: renderings never
compute analytics. Text returned here is *not* escaped; each rendering escapes for itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from xpulse.analytics.document import ContentTypeEntry, Report
from xpulse.analytics.figures import PostEntry
from xpulse.render import charts, fmt
from xpulse.render.charts import Bar, Chart, HeatCell, IntervalBar
from xpulse.render.escape import post_url, safe_url, truncate

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NO_POSTS = "No posts in this period."
NO_DATA_COLLECTED = "No data collected for this period"


def no_posts_text(report: Report) -> str:
    """Why the period shows no posts: none were posted, or nothing was collected for it."""
    if report.collected:
        return NO_POSTS
    start = report.history_start
    since = f": the collected history starts {start:%Y-%m-%d}" if start else ""
    return f"{NO_DATA_COLLECTED}{since} (its figures are not zeros; nothing is compared)."


# Period ends are exclusive; the last day shown is the one just before the end.
_TICK = timedelta(microseconds=1)


def as_report(document: Report | Mapping[str, Any]) -> Report:
    """The report model, from the model itself or from its JSON dict."""
    if isinstance(document, Report):
        return document
    return Report.from_dict(dict(document))


@dataclass(frozen=True)
class SummaryRow:
    """One line of the this-period-versus-previous table, already formatted."""

    label: str
    current: str
    previous: str
    change: str


def title(report: Report) -> str:
    """``@handle · 2026-W21`` (the account name when the handle is unknown)."""
    who = f"@{report.account.username}" if report.account.username else report.account.name
    partial = " (partial)" if report.period.partial else ""
    return f"{who} · {report.period.label}{partial}"


def _day(moment: datetime) -> str:
    return moment.strftime("%a %d %b %Y")


def period_text(report: Report) -> str:
    """The period's local bounds; its end is exclusive, so the last day shown is the day before."""
    period = report.period
    if period.partial:
        end = (
            f"{period.end.strftime('%a %d %b %Y %H:%M')} "
            "(partial: the period had not ended; figures as computed at this instant)"
        )
    else:
        end = _day(period.end - _TICK)
    return f"{_day(period.start)} – {end}, {period.tz}"


def previous_text(report: Report) -> str:
    prev = report.previous.period
    return f"{prev.label} ({_day(prev.start)} – {_day(prev.end - _TICK)})"


def summary_rows(report: Report) -> list[SummaryRow]:
    """Totals against the previous period, with the change (n/a where there is no base)."""
    cur, prev, change = report.totals, report.previous.totals, report.previous.change
    rows = [
        SummaryRow("Posts", fmt.count(cur.posts), fmt.count(prev.posts), fmt.change(change.posts)),
        SummaryRow(
            "Impressions",
            fmt.count(cur.impressions),
            fmt.count(prev.impressions),
            fmt.change(change.impressions),
        ),
        SummaryRow(
            "Engagements",
            fmt.count(cur.engagements),
            fmt.count(prev.engagements),
            fmt.change(change.engagements),
        ),
        SummaryRow(
            "Engagement rate",
            fmt.percent(cur.engagement_rate),
            fmt.percent(prev.engagement_rate),
            points(change.engagement_rate_points),
        ),
        SummaryRow("Likes", fmt.count(cur.likes), fmt.count(prev.likes), fmt.change(change.likes)),
        SummaryRow(
            "Reposts", fmt.count(cur.reposts), fmt.count(prev.reposts), fmt.change(change.reposts)
        ),
        SummaryRow(
            "Replies", fmt.count(cur.replies), fmt.count(prev.replies), fmt.change(change.replies)
        ),
        SummaryRow(
            "Quotes", fmt.count(cur.quotes), fmt.count(prev.quotes), fmt.change(change.quotes)
        ),
        SummaryRow(
            "Bookmarks",
            fmt.count(cur.bookmarks),
            fmt.count(prev.bookmarks),
            fmt.change(change.bookmarks),
        ),
    ]
    if cur.x_engagements is not None or prev.x_engagements is not None:
        rows.append(
            SummaryRow(
                "X engagements",
                fmt.count(cur.x_engagements),
                fmt.count(prev.x_engagements),
                fmt.change(change.x_engagements),
            )
        )
        rows.append(
            SummaryRow(
                "X engagement rate",
                fmt.percent(cur.x_engagement_rate),
                fmt.percent(prev.x_engagement_rate),
                fmt.change(change.x_engagement_rate),
            )
        )
    return rows


def points(value: float | None) -> str:
    """A difference of two rates, in percentage points."""
    return fmt.NA if value is None else f"{value:+.2f} pts"


def formula_lines(report: Report) -> list[str]:
    """The formulas the figures use, as the document states them."""
    f = report.formulas
    lines = [f.engagements, f.engagement_rate]
    if report.totals.x_engagements is not None:
        lines.append(f.x_engagement_rate)
    lines.extend([f.change_pct, f.metrics_as_of])
    return lines


def link_for(post: PostEntry, username: str | None) -> str | None:
    """The post's x.com permalink, built from its id; else its stored URL if http(s)."""
    return post_url(post.id, username) or safe_url(post.url)


def post_figures(post: PostEntry) -> list[int | float | None]:
    """A post's counts and rates, in the order the tables of posts (CSV, workbook) list
    them: impressions to bookmarks, engagements and their rate, X's count and its rate."""
    return [
        post.impressions,
        post.likes,
        post.reposts,
        post.replies,
        post.quotes,
        post.bookmarks,
        post.engagements,
        post.engagement_rate,
        post.x_engagements,
        post.x_engagement_rate,
    ]


def post_label(post: PostEntry, limit: int = 80) -> str:
    """A one-line preview of the post's text (still unescaped)."""
    return truncate(post.text, limit) or f"post {post.id}"


def local_time(moment: datetime) -> str:
    return moment.strftime("%a %d %b %H:%M")


def heat_cells(report: Report) -> list[list[HeatCell]]:
    """The 7 x 24 best-time grid: the document lists only cells with posts."""
    ranks = {(s.weekday, s.hour): s.rank for s in report.best_time.best_slots}
    grid = [[HeatCell(0, None) for _ in range(24)] for _ in range(7)]
    for cell in report.best_time.cells:
        grid[cell.weekday][cell.hour] = HeatCell(
            posts=cell.posts,
            value=cell.score,
            set_aside=not cell.enough_posts,
            rank=ranks.get((cell.weekday, cell.hour)),
        )
    return grid


def content_bars(report: Report) -> list[IntervalBar]:
    return [
        IntervalBar(t.content_type, t.engagement_rate, t.interval_low, t.interval_high, t.posts)
        for t in report.content_types.types
        if t.posts > 0  # the table lists every type; the chart only those with posts
    ]


def top_bars(report: Report) -> list[Bar]:
    return [Bar(post_label(p, 60), p.engagements) for p in report.top_posts.by_engagements]


def slot_text(weekday: int, hour: int) -> str:
    return f"{WEEKDAY_NAMES[weekday]} {hour:02d}:00–{(hour + 1) % 24:02d}:00"


def cost_text(report: Report) -> str:
    if report.cost is None:
        return "Collection cost: unknown (usage was not recorded, e.g. imported data)."
    c = report.cost
    parts = []
    if c.data_usd is not None and c.data_reads is not None:
        parts.append(
            f"Data cost of this period's posts: {fmt.money(c.data_usd)} for "
            f"{fmt.count(c.data_reads)} billed reads (every read of them so far)."
        )
    parts.append(
        f"Spent while the period ran: {fmt.money(c.usd)} for {fmt.count(c.reads)} reads "
        f"in {fmt.count(c.calls)} calls."
    )
    if c.run_usd is not None:
        parts.append(f"This run spent {fmt.money(c.run_usd)} on this account.")
    return " ".join(parts)


def times(ratio: float | None) -> str:
    """A multiple of the usual level: ``12.5×``; n/a when the usual level is zero."""
    return fmt.NA if ratio is None else f"{ratio:.1f}×"


# Charts of the period's own posts. A period nothing was collected for has none: its notice
# says so, and an empty chart would add "No posts in this period" beside it.
PERIOD_CHARTS: Final = ("daily", "top", "content")


def shown_charts(report: Report) -> dict[str, Chart]:
    """The charts a report page or email shows."""
    found = report_charts(report)
    if report.collected:
        return found
    return {k: c for k, c in found.items() if k not in PERIOD_CHARTS}


def report_charts(report: Report) -> dict[str, Chart]:
    """The report's charts by name, each one spec for every medium."""
    return {
        "daily": charts.daily(
            "chart-daily",
            DAILY_TITLE,
            [d.date.isoformat() for d in report.daily],
            [d.impressions for d in report.daily],
            [d.engagements for d in report.daily],
        ),
        "top": charts.bar_chart(
            "chart-top", "Top posts by engagements", top_bars(report), "engagements"
        ),
        "heatmap": charts.heatmap(
            "chart-best-time",
            f"Best time to post, score by weekday and hour ({report.period.tz})",
            heat_cells(report),
            "score",
        ),
        "content": charts.interval_bars(
            "chart-content-types",
            "Engagement rate by content type",
            content_bars(report),
            "engagement rate",
        ),
    }


BY_POSTING_DAY = "by the day posts were published (what each day's posts earned to date)"
# The publishing-day chart, named so wherever it is shown (a page, an email image, Slack).
DAILY_TITLE = "Daily impressions and engagements, by the day posts were published"
DAILY_CAPTION = f"Counted {BY_POSTING_DAY}."
HAPPENED_TITLE = "Daily, by the day it happened"
NOT_KNOWN = "not known: reads too sparse to split this day"


@dataclass(frozen=True)
class HappenedRow:
    day: str
    impressions: str
    engagements: str
    note: str  # "" for a known day


def happened_rows(report: Report) -> list[HappenedRow]:
    """Each day's impressions and engagements by the day they happened; a day the reads
    cannot split says so, with the part already placed as a lower bound."""
    section = report.daily_happened
    if section is None:
        return []
    rows = []
    for d in section.days:
        label = d.date.strftime("%a %d %b")
        if d.known:
            rows.append(HappenedRow(label, fmt.count(d.impressions), fmt.count(d.engagements), ""))
        else:
            rows.append(
                HappenedRow(
                    label,
                    fmt.NA,
                    fmt.NA,
                    f"{NOT_KNOWN} (at least {fmt.count(d.impressions_placed)}; "
                    f"{fmt.count(d.impressions_not_split)} arrived between reads spanning it)",
                )
            )
    return rows


def interval_text(entry: ContentTypeEntry) -> str:
    """A content type's interval as a table cell: ``3.62–4.66%``, or n/a without one."""
    if entry.interval_low is None or entry.interval_high is None:
        return fmt.NA
    return f"{fmt.percent(entry.interval_low).removesuffix('%')}–{fmt.percent(entry.interval_high)}"


def type_standing(entry: ContentTypeEntry, min_posts: int) -> str:
    """``#1`` for a ranked content type, or, short enough for a table cell, why it is not
    (the section's method line says the rule in full)."""
    if entry.rank is not None:
        return f"#{entry.rank}"
    if not entry.enough_posts:
        return f"too few (< {min_posts})"
    return "not ranked"
