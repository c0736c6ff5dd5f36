"""The HTML rendering: one self-contained file with inline CSS, scripts and chart specs.

The page makes no request of any kind: the charts are drawn in the page by the Vega
bundle inlined in it (:mod:`xpulse.render.vega`), and a CSP meta tag allows only those
scripts (by hash) and nothing from anywhere. Jinja2 autoescapes every value; chart specs
travel as escaped JSON data. The only links are x.com permalinks of the posts, built from
their numeric ids. ``static=True`` gives the print version: the same charts as inline SVG.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from xpulse.analytics.document import Report
from xpulse.analytics.figures import PostEntry
from xpulse.render import fmt, vega
from xpulse.render.detail import TITLE as DETAIL_TITLE
from xpulse.render.detail import detail_lines
from xpulse.render.escape import one_line, post_url
from xpulse.render.history import history_sections
from xpulse.render.view import (
    DAILY_CAPTION,
    DAILY_TITLE,
    HAPPENED_TITLE,
    as_report,
    cost_text,
    formula_lines,
    happened_rows,
    interval_text,
    local_time,
    no_posts_text,
    period_text,
    post_label,
    previous_text,
    shown_charts,
    slot_text,
    summary_rows,
    times,
    title,
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


def chart_context(report: Report, *, static: bool = False) -> dict[str, Any]:
    """The charts of a page: drawn in the page by its scripts, or (``static``, for print
    and PDF) as inline SVG drawn here from the same specs."""
    found = shown_charts(report)
    if static:
        # SVG from vl-convert, which escapes every text it draws.
        svgs = {c.id: Markup(vega.svg(c)) for c in found.values()}  # noqa: S704
        return {"charts": found, "svgs": svgs, "scripts": None}
    return {"charts": found, "svgs": None, "scripts": vega.page_scripts(list(found.values()))}


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
        "daily_title": DAILY_TITLE,
        "daily_caption": DAILY_CAPTION,
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
                f"Grey slots have fewer than {bt.min_posts} posts and are set aside."
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
                    "interval": interval_text(t),
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
                    "age": fmt.age(s.age_hours),
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
        "history": [
            {"title": heading, "lines": [one_line(x) for x in body]}
            for heading, body in history_sections(report)
        ],
        "posts": [
            _post_row(p, username, 280) for p in sorted(report.posts, key=lambda p: p.created_at)
        ],
    }


def render_html(document: Report | Mapping[str, Any], *, static: bool = False) -> str:
    """The report as one self-contained HTML page; ``static`` draws the charts as SVG
    (print, PDF) instead of in the page."""
    report = as_report(document)
    context = template_context(report) | chart_context(report, static=static)
    return environment().get_template("report.html.j2").render(context)
