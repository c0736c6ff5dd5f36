"""The dashboard's pages: an account's and the portfolio's, laid out from their documents.

Every figure is taken from the :class:`Report` or :class:`Portfolio` given (the documents
``xpulse report --format json`` prints), formatted by :mod:`xpulse.render.fmt`; the pages
compute nothing but layout. Each number shown in a card or the posts table also carries
its raw value (``data-v``), which sorting uses and the tests compare with the JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Final

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from xpulse.analytics.compare import compare
from xpulse.analytics.document import Report
from xpulse.analytics.figures import PostEntry
from xpulse.analytics.portfolio import Portfolio, PortfolioRow
from xpulse.render import charts, fmt, vega
from xpulse.render.detail import video_name
from xpulse.render.escape import one_line, post_url, truncate
from xpulse.render.html import TEMPLATES as REPORT_TEMPLATES
from xpulse.render.html import template_context, tone
from xpulse.render.view import local_time, post_label, report_charts, title
from xpulse.web.trends import TrendPoint

TEMPLATES: Final = Path(__file__).with_name("templates")
BUNDLE_PATH: Final = "/assets/vega.js"

# Pickers navigate on change; the posts table sorts by a column when its header is pressed
# (numbers largest first, text A to Z; missing values last either way).
DASHBOARD_JS: Final = """(function () {
  document.querySelectorAll("select[data-nav]").forEach(function (select) {
    select.addEventListener("change", function () { window.location.href = select.value; });
  });
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = Array.prototype.slice.call(table.querySelectorAll("th[data-sort]"));
    heads.forEach(function (th) {
      th.querySelector("button").addEventListener("click", function () {
        var col = Array.prototype.indexOf.call(th.parentNode.children, th);
        var numeric = th.getAttribute("data-sort") === "num";
        var current = th.getAttribute("aria-sort");
        var descending = current ? current === "ascending" : numeric;
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].getAttribute("data-v"), y = b.cells[col].getAttribute("data-v");
          if (x === "" || y === "") { return (x === "") - (y === ""); }
          var order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
          return descending ? -order : order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      });
    });
  });
})();"""


@dataclass(frozen=True)
class Choice:
    """One entry of a picker."""

    label: str
    href: str
    current: bool


@dataclass(frozen=True)
class Nav:
    """A page's period and account pickers."""

    periods: list[Choice]
    accounts: list[Choice]


@cache
def environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(TEMPLATES), FileSystemLoader(REPORT_TEMPLATES)]),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["tone"] = tone
    return env


def _num(value: float | int | None) -> str:
    """A raw value for ``data-v``: empty when missing (sorted last, never as 0)."""
    return "" if value is None else repr(value)


def _post_row(post: PostEntry, now: datetime) -> dict[str, Any]:
    age_hours = (now - post.created_at).total_seconds() / 3600
    return {
        "id": post.id,
        "anchor": f"post-{post.id}",
        "text": post_label(post, 140),
        "full_text": one_line(post.text) or f"post {post.id}",
        "href": post_url(post.id, None),
        "type": one_line(post.content_type),
        "posted": local_time(post.created_local),
        "posted_v": post.created_at.isoformat(),
        "age": fmt.age(age_hours),
        "cells": [
            (key, fmt.count(getattr(post, key)), _num(getattr(post, key)))
            for key in ("impressions", "likes", "reposts", "replies", "quotes", "engagements")
        ]
        + [("engagement_rate", fmt.percent(post.engagement_rate), _num(post.engagement_rate))],
        "bookmarks": fmt.count(post.bookmarks),
    }


def _growth_chart(
    report: Report, post: PostEntry, reads: Sequence[tuple[datetime, int]]
) -> charts.Chart:
    """The post's impressions by age from its stored reads, against the account's usual
    shape (the lifecycle's median share of final impressions by age, at this post's size)."""
    points: list[dict[str, Any]] = [
        {
            "hours": round((at - post.created_at).total_seconds() / 3600, 1),
            "value": value,
            "series": "This post (stored reads)",
            "shown": fmt.count(value),
        }
        for at, value in reads
    ]
    # (age in hours, median share of final impressions) where the lifecycle knows it
    shape = [
        (c.hours, c.share_median)
        for c in report.lifecycle.checkpoints
        if c.share_median is not None
    ]
    usual = [
        {
            "hours": hours,
            "value": round(share * post.impressions),
            "series": "Usual shape for this account",
            "shown": f"{fmt.count(round(share * post.impressions))} "
            f"({fmt.percent(share * 100, 0)} of its latest)",
        }
        for hours, share in shape
    ]
    reads_text = "; ".join(
        f"after {fmt.age((at - post.created_at).total_seconds() / 3600)}: {fmt.count(value)}"
        for at, value in reads
    )
    usual_text = "; ".join(
        f"by {fmt.age(hours)}: {fmt.percent(share * 100, 0)} of its impressions"
        for hours, share in shape
    )
    description = (
        f"Impressions of the post by age. Stored reads: {reads_text or 'none yet'}. "
        f"The account's usual shape: {usual_text or 'not known yet (too few older posts)'}."
    )
    return charts.line_chart(
        f"growth-{post.id}",
        "Impressions by age: this post and the account's usual shape",
        points + usual,
        x_field="hours",
        x_title="Age (hours)",
        y_title="Impressions",
        series_field="series",
        description=description,
    )


NOT_COLLECTED: Final = "no data collected"
NOT_AVAILABLE: Final = "Not available"
VIDEOS: Final = 5  # retention curves drawn; the JSON report holds them all


def _trend_rows(points: Sequence[TrendPoint]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i, point in enumerate(points):
        t = point.totals
        if t is None:
            rows.append({"label": point.label, "missing": NOT_COLLECTED})
            continue
        before = points[i - 1].totals if i else None
        # A period still running is not compared with a whole one.
        change = compare(t, before) if before is not None and not point.partial else None
        rows.append(
            {
                "label": point.label
                + (" (so far)" if point.partial else "")
                + (f" (data from {point.data_from:%d %b})" if point.data_from else ""),
                "posts": fmt.count(t.posts),
                "impressions": fmt.count(t.impressions),
                "engagements": fmt.count(t.engagements),
                "rate": fmt.percent(t.engagement_rate),
                "change": fmt.change(change.impressions) if change else fmt.NA,
                "tones": {"change": tone(fmt.change(change.impressions)) if change else "na"},
            }
        )
    return rows


def _trend_chart(chart_id: str, what: str, points: Sequence[TrendPoint]) -> charts.Chart:
    # Periods before the data begins are left out of the chart (their rows say so).
    shown = [p for p in points if p.totals is not None]
    return charts.periods(
        chart_id,
        f"Impressions and engagements by {what}",
        [p.label + (" (so far)" if p.partial else "") for p in shown],
        [p.totals.impressions for p in shown if p.totals is not None],
        [p.totals.engagements for p in shown if p.totals is not None],
    )


def _cost_chart(points: Sequence[TrendPoint]) -> charts.Chart | None:
    """API spend by week from the call ledger; None before anything was collected."""
    spent = [p for p in points if p.cost_usd is not None]
    if not spent:
        return None
    return charts.period_bars(
        "chart-cost",
        "Collection cost by week",
        [p.label + (" (so far)" if p.partial else "") for p in spent],
        [p.cost_usd or 0.0 for p in spent],
        "Cost (USD)",
        shown=fmt.money,
        axis_format="$.2f",
    )


def _split_chart(report: Report) -> charts.Chart | None:
    """Organic against promoted figures of the period's posts, where X gave the split."""
    split = report.detail.organic_promoted if report.detail else None
    if split is None:
        return None
    o, p = split.organic, split.promoted
    figures = [
        ("Impressions", o.impressions, p.impressions),
        ("Likes", o.likes, p.likes),
        ("Link clicks", o.url_link_clicks, p.url_link_clicks),
        ("Profile clicks", o.user_profile_clicks, p.user_profile_clicks),
    ]
    rows = [
        bar
        for name, organic, promoted in figures
        for bar in (
            charts.PairBar(name, "Organic", organic),
            charts.PairBar(name, "Promoted", promoted),
        )
    ]
    description = (
        f"Organic and promoted figures of {charts.posts_word(split.posts)} "
        f"({split.promoted_posts} promoted). "
        + "; ".join(
            f"{name}: {fmt.count(organic)} organic, {fmt.count(promoted)} promoted"
            for name, organic, promoted in figures
        )
        + f". Share of impressions paid for: {fmt.percent(split.promoted_share_pct, 1)}."
    )
    return charts.paired_bars("chart-organic", "Organic against promoted", rows, description)


def _retention_chart(report: Report) -> charts.Chart | None:
    """Viewers at each quarter of the period's most viewed videos."""
    videos = report.detail.video_retention if report.detail else []
    if not videos:
        return None
    ranked = sorted(videos, key=lambda v: -(v.points[0].count if v.points else 0))[:VIDEOS]
    points: list[dict[str, Any]] = []
    lines = []
    for video in ranked:
        name = video_name(video)  # unique, as the detail lines say it
        for q in video.points:
            share = f" ({fmt.percent(q.pct_of_starts, 0)} of starts)" if q.mark else ""
            points.append(
                {"mark": q.mark, "value": q.count, "series": name, "shown": fmt.count(q.count)}
            )
            lines.append(f"{name} at {q.mark}%: {fmt.count(q.count)} viewers{share}")
    more = len(videos) - len(ranked)
    description = (
        "Viewers still watching at each quarter of the video. "
        + "; ".join(lines)
        + (f"; and {more} more video(s) in the JSON report." if more > 0 else ".")
    )
    return charts.line_chart(
        "chart-retention",
        "Video retention: viewers by share of the video played",
        points,
        x_field="mark",
        x_title="Share of the video played (%)",
        y_title="Viewers",
        series_field="series",
        description=description,
    )


def _scripts(found: Sequence[charts.Chart], inline: bool) -> vega.PageScripts:
    return vega.page_scripts(
        found, extra_js=DASHBOARD_JS, bundle_src=None if inline else BUNDLE_PATH
    )


def account_page(
    report: Report,
    *,
    nav: Nav,
    reads: Mapping[str, Sequence[tuple[datetime, int]]],
    weekly: Sequence[TrendPoint],
    monthly: Sequence[TrendPoint],
    inline: bool,
) -> str:
    """One account's page for the report's period."""
    context = template_context(report)
    found: dict[str, charts.Chart] = dict(report_charts(report))
    by_rate = sorted(
        report.posts,
        key=lambda p: (p.engagement_rate is None, -(p.engagement_rate or 0.0), p.created_at),
    )
    drills = []
    for post in by_rate:
        growth = _growth_chart(report, post, reads.get(post.id, []))
        found[growth.id] = growth
        drills.append({"row": _post_row(post, report.generated_at), "chart": growth})
    found["weekly"] = _trend_chart("chart-weekly", "week", weekly)
    found["monthly"] = _trend_chart("chart-monthly", "month", monthly)
    extra = {
        "retention": _retention_chart(report),
        "organic": _split_chart(report),
        "cost_weekly": _cost_chart(weekly),
    }
    found.update({key: chart for key, chart in extra.items() if chart is not None})
    context.update(
        {
            "nav": nav,
            "charts": found,
            "svgs": None,
            "scripts": _scripts(list(found.values()), inline),
            "table": [d["row"] for d in drills],
            "drills": drills,
            "weekly": _trend_rows(weekly),
            "monthly": _trend_rows(monthly),
            "headline": title(report),
            "extra": extra,
            "not_available": NOT_AVAILABLE,
            "totals_v": {
                key: _num(getattr(report.totals, key))
                for key in ("posts", "impressions", "engagements", "engagement_rate")
            },
        }
    )
    return environment().get_template("account.html.j2").render(context)


def _portfolio_row(row: PortfolioRow, href: str | None) -> dict[str, Any]:
    return {
        "account": row.account,
        "username": row.username,
        "href": href,
        "note": row.note,
        "cells": [
            ("posts", fmt.count(row.posts), _num(row.posts)),
            ("impressions", fmt.count(row.impressions), _num(row.impressions)),
            ("engagements", fmt.count(row.engagements), _num(row.engagements)),
            ("engagement_rate", fmt.percent(row.engagement_rate), _num(row.engagement_rate)),
            (
                "change_impressions",
                fmt.change(row.change_impressions),
                _num(row.change_impressions),
            ),
        ],
    }


def portfolio_page(
    portfolio: Portfolio,
    *,
    nav: Nav,
    account_href: Callable[[str], str],
    inline: bool,
) -> str:
    """Every account's totals for one period: own accounts and their total, then the
    competitors' accounts with their own total, never added to yours (the document's
    groups decide which is which)."""
    mine = [r for r in portfolio.accounts if r.group == "own"]
    others = [r for r in portfolio.accounts if r.group == "competitor"]
    rivals_total = portfolio.competitors_total
    bars = charts.bar_chart(
        "chart-accounts",
        "Impressions by account",
        [
            charts.Bar(truncate(f"@{r.username}" if r.username else r.account, 40), r.impressions)
            for r in portfolio.accounts
            if r.impressions is not None
        ],
        "impressions",
    )
    context = {
        "title": f"All accounts · {portfolio.period.label}",
        "nav": nav,
        "period_label": portfolio.period.label,
        "previous_label": portfolio.previous_period.label,
        "generated": portfolio.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        "own": [_portfolio_row(r, account_href(r.account)) for r in mine],
        "others": [_portfolio_row(r, account_href(r.account)) for r in others],
        "total": _portfolio_row(portfolio.total, None),
        "others_total": None if rivals_total is None else _portfolio_row(rivals_total, None),
        "formula": portfolio.engagement_rate_formula,
        "charts": {"accounts": bars},
        "svgs": None,
        "scripts": _scripts([bars], inline),
    }
    return environment().get_template("portfolio.html.j2").render(context)


def notice_page(heading: str, message: str, *, nav: Nav) -> str:
    """A page that only says why there is nothing to show (e.g. nothing collected yet)."""
    context = {
        "title": heading,
        "heading": heading,
        "message": message,
        "nav": nav,
        "generated": "",
        "scripts": vega.page_scripts([], extra_js=DASHBOARD_JS, bundle_src=BUNDLE_PATH),
    }
    return environment().get_template("notice.html.j2").render(context)
