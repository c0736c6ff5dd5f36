"""The HTML rendering: one self-contained file with inline CSS and inline SVG charts.

The page makes no request of any kind (no script, font, image or stylesheet; a CSP meta tag
forbids them too). Jinja2 autoescapes every value; the only markup passed through is the
SVG the chart functions build, which escape their own text. The only links are x.com
permalinks of the posts, built from their numeric ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from xpulse.analytics.document import PostEntry, Report
from xpulse.render import charts, fmt
from xpulse.render.detail import TITLE as DETAIL_TITLE
from xpulse.render.detail import detail_lines
from xpulse.render.escape import one_line, post_url
from xpulse.render.view import (
    BY_POSTING_DAY,
    HAPPENED_TITLE,
    as_report,
    content_bars,
    cost_text,
    formula_lines,
    happened_rows,
    heat_cells,
    local_time,
    no_posts_text,
    period_text,
    post_label,
    previous_text,
    slot_text,
    summary_rows,
    times,
    title,
    top_bars,
    type_standing,
)

TEMPLATES = Path(__file__).with_name("templates")


def tone(change: str) -> str:
    """The CSS class of a change: ``up``, ``down``, ``na`` (no comparison) or none."""
    if change.startswith("+") and change.strip("+0.%pts ") != "":
        return "up"
    if change.startswith("-"):
        return "down"
    return "na" if change == fmt.NA else ""


@cache
def environment() -> Environment:
    """The Jinja environment of every HTML template (page and email): autoescaped, strict."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["tone"] = tone
    return env


def _post_row(post: PostEntry, username: str | None, limit: int = 160) -> dict[str, Any]:
    return {
        "href": post_url(post.id, username),
        "text": post_label(post, limit),
        "type": one_line(post.content_type),
        "posted": local_time(post.created_local),
        "impressions": fmt.count(post.impressions),
        "likes": fmt.count(post.likes),
        "reposts": fmt.count(post.reposts),
        "replies": fmt.count(post.replies),
        "quotes": fmt.count(post.quotes),
        "engagements": fmt.count(post.engagements),
        "rate": fmt.percent(post.engagement_rate),
    }


def _charts(report: Report) -> dict[str, Markup]:
    days = [d.date.strftime("%a %d") for d in report.daily]
    svgs = {
        "daily": charts.daily_chart(
            "chart-daily",
            "Daily impressions and engagements",
            days,
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
    # Built by our own chart functions, which escape every piece of text they embed.
    return {name: Markup(svg) for name, svg in svgs.items()}  # noqa: S704


def template_context(report: Report) -> dict[str, Any]:
    """What the templates show of ``report``: a fresh dict the caller may extend."""
    username = report.account.username
    rows = summary_rows(report)
    cards = [
        {**vars(row), "tone": tone(row.change)}
        for row in rows
        if row.label in ("Posts", "Impressions", "Engagements", "Engagement rate")
    ]
    bt, ct, sp, lc = (
        report.best_time,
        report.content_types,
        report.spikes,
        report.lifecycle,
    )
    top = report.top_posts
    floor = fmt.count(top.min_impressions)
    return {
        "title": title(report),
        "period": period_text(report),
        "previous": previous_text(report),
        "period_label": report.period.label,
        "previous_label": report.previous.period.label,
        "generated": report.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        "version": report.version,
        "tz": report.period.tz,
        "has_posts": report.totals.posts > 0,
        "no_posts": no_posts_text(report),
        "cards": cards,
        "summary": rows,
        "formulas": formula_lines(report),
        "charts": _charts(report),
        "daily_caption": f"By the day posts were published: {BY_POSTING_DAY}.",
        "happened": {
            "title": HAPPENED_TITLE,
            "rows": happened_rows(report),
            "method": report.daily_happened.method if report.daily_happened else "",
        },
        "top_tables": [
            {
                "heading": "By engagements",
                "rows": [_post_row(p, username) for p in top.by_engagements],
            },
            {
                "heading": f"By engagement rate (posts with at least {floor} impressions)",
                "rows": [_post_row(p, username) for p in top.by_engagement_rate],
            },
        ],
        "best_time": {
            "intro": (
                f"Look-back {bt.lookback_days} days ({bt.window_start:%d %b %Y} – "
                f"{bt.window_end:%d %b %Y}), {bt.posts} posts, local time. "
                f"Hatched slots have fewer than {bt.min_posts} posts and are set aside."
            ),
            "slots": [
                {
                    "rank": s.rank,
                    "slot": slot_text(s.weekday, s.hour),
                    "posts": s.posts,
                    "score": fmt.number(s.score),
                    "rate": fmt.percent(s.mean_post_rate),
                }
                for s in bt.best_slots
            ],
            "none": f"No slot has {bt.min_posts} or more posts yet, so none is ranked.",
            "method": bt.method,
        },
        "content_types": {
            "rows": [
                {
                    "type": t.content_type,
                    "posts": fmt.count(t.posts),
                    "impressions": fmt.count(t.impressions),
                    "engagements": fmt.count(t.engagements),
                    "rate": fmt.percent(t.engagement_rate),
                    "interval": (
                        f"{fmt.percent(t.interval_low)} – {fmt.percent(t.interval_high)}"
                        if t.interval_low is not None and t.interval_high is not None
                        else fmt.NA
                    ),
                    "standing": type_standing(t, ct.min_posts),
                }
                for t in sorted(ct.types, key=lambda t: (t.rank is None, t.rank or 0))
            ],
            "method": (
                f"{ct.method}; posts from {ct.window_start:%d %b %Y} to {ct.window_end:%d %b %Y}"
            ),
        },
        "spikes": {
            "rows": [
                {
                    "href": post_url(s.post_id, username),
                    "text": one_line(s.text)[:160] or s.post_id,
                    "age": f"{s.age_hours:.0f} h",
                    "impressions": fmt.count(s.impressions),
                    "usual": fmt.count(s.usual_impressions),
                    "ratio": times(s.ratio),
                }
                for s in sp.posts
            ],
            "none": f"None found among {sp.checked} posts checked"
            + (f"; {sp.unchecked} had too little history to judge." if sp.unchecked else "."),
            "method": sp.method,
        },
        "lifecycle": {
            "rows": [
                {
                    "label": p.label,
                    "share": fmt.percent(
                        None if p.share_median is None else p.share_median * 100, 0
                    ),
                    "posts": p.posts,
                }
                for p in lc.checkpoints
            ],
            "method": f"{lc.method} ({lc.eligible_posts} posts at least {lc.min_age_days:g} "
            f"days old){'. ' + lc.status if lc.status else ''}",
        },
        "cost": {
            "text": cost_text(report),
            "rows": [
                {
                    "endpoint": e.endpoint,
                    "calls": fmt.count(e.calls),
                    "reads": fmt.count(e.reads),
                    "usd": fmt.money(e.usd),
                }
                for e in (report.cost.by_endpoint if report.cost else [])
            ],
        },
        "notes": [one_line(n) for n in report.notes],
        "detail": [one_line(x) for x in detail_lines(report.detail)],
        "detail_title": DETAIL_TITLE,
        "posts": [
            _post_row(p, username, 280) for p in sorted(report.posts, key=lambda p: p.created_at)
        ],
    }


def render_html(document: Report | Mapping[str, Any]) -> str:
    """The report as one self-contained HTML page."""
    report = as_report(document)
    return environment().get_template("report.html.j2").render(template_context(report))
