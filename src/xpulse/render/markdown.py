"""The Markdown rendering (GitHub-flavoured tables), for wikis, issues and chat tools.

Untrusted text goes through :func:`markdown_text` (punctuation escaped, HTML characters as
entities, one line) and links through :func:`markdown_link` (http(s) only).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from xpulse.analytics.document import Report
from xpulse.analytics.figures import PostEntry
from xpulse.render import fmt
from xpulse.render.detail import TITLE as DETAIL_TITLE
from xpulse.render.detail import detail_lines
from xpulse.render.escape import markdown_link, markdown_text, post_url, safe_url, truncate
from xpulse.render.history import history_sections
from xpulse.render.sparkline import sparkline
from xpulse.render.view import (
    DAILY_CAPTION,
    HAPPENED_TITLE,
    as_report,
    cost_text,
    formula_lines,
    happened_rows,
    interval_text,
    link_for,
    local_time,
    no_posts_text,
    period_text,
    post_label,
    previous_text,
    slot_text,
    summary_rows,
    times,
    title,
    type_standing,
)


def _table(header: Iterable[str], rows: Iterable[Iterable[str]], right: int = 1) -> list[str]:
    """A GFM table; columns from index ``right`` on are right-aligned (numbers)."""
    head = list(header)
    align = ["---" if i < right else "---:" for i in range(len(head))]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def _posts_table(report: Report, posts: list[PostEntry]) -> list[str]:
    username = report.account.username
    rows = [
        [
            str(i),
            markdown_link(post_label(post, 80), link_for(post, username)),
            markdown_text(post.content_type),
            local_time(post.created_local),
            fmt.count(post.impressions),
            fmt.count(post.engagements),
            fmt.percent(post.engagement_rate),
        ]
        for i, post in enumerate(posts, 1)
    ]
    return _table(["#", "Post", "Type", "Posted", "Impressions", "Engagements", "Rate"], rows, 4)


def _summary(report: Report) -> list[str]:
    header = [
        "",
        markdown_text(report.period.label),
        markdown_text(report.previous.period.label),
        "Change",
    ]
    rows = [[r.label, r.current, r.previous, r.change] for r in summary_rows(report)]
    return _table(header, rows)


def _daily(report: Report) -> list[str]:
    days = report.daily
    rows = [
        [
            d.date.strftime("%a %d %b"),
            fmt.count(d.posts),
            fmt.count(d.impressions),
            fmt.count(d.engagements),
        ]
        for d in days
    ]
    trend = (
        f"Impressions `{sparkline([d.impressions for d in days])}` · "
        f"engagements `{sparkline([d.engagements for d in days])}`"
    )
    return [
        DAILY_CAPTION,
        "",
        trend,
        "",
        *_table(["Day", "Posts", "Impressions", "Engagements"], rows),
    ]


def _happened(report: Report) -> list[str]:
    rows = happened_rows(report)
    if not rows or report.daily_happened is None:
        return []
    table = [[r.day, r.impressions, r.engagements, markdown_text(r.note)] for r in rows]
    return [
        f"## {HAPPENED_TITLE}",
        "",
        f"Method: {markdown_text(report.daily_happened.method)}.",
        "",
        *_table(["Day", "Impressions", "Engagements", "Note"], table),
        "",
    ]


def _best_time(report: Report) -> list[str]:
    bt = report.best_time
    lines = [
        f"Look-back {bt.lookback_days} days, {bt.posts} posts, local time "
        f"({markdown_text(report.period.tz)}). Method: {markdown_text(bt.method)}.",
        "",
    ]
    if not bt.best_slots:
        lines.append(f"No slot has {bt.min_posts} or more posts yet, so none is ranked.")
        return lines
    rows = [
        [
            str(s.rank),
            slot_text(s.weekday, s.hour),
            str(s.posts),
            fmt.number(s.score),
            fmt.percent(s.mean_post_rate),
        ]
        for s in bt.best_slots
    ]
    set_aside = sum(1 for c in bt.cells if not c.enough_posts)
    lines.extend(_table(["Rank", "Slot", "Posts", "Score", "Mean rate"], rows, 2))
    lines.extend(["", f"{set_aside} slots with fewer than {bt.min_posts} posts were set aside."])
    return lines


def _content_types(report: Report) -> list[str]:
    ct = report.content_types
    rows = [
        [
            markdown_text(t.content_type),
            fmt.count(t.posts),
            fmt.count(t.impressions),
            fmt.percent(t.engagement_rate),
            interval_text(t),
            type_standing(t, ct.min_posts),
        ]
        for t in sorted(ct.types, key=lambda t: (t.rank is None, t.rank or 0))
        if t.posts > 0
    ]
    note = f"Method: {markdown_text(ct.method)}."
    if not rows:
        return [note, "", "No posts."]
    header = ["Type", "Posts", "Impressions", "Rate", "Interval", "Rank"]
    return [note, "", *_table(header, rows)]


def _spikes(report: Report) -> list[str]:
    sp = report.spikes
    note = f"Method: {markdown_text(sp.method)}."
    if not sp.posts:
        extra = f" ({sp.unchecked} had too little history to judge)" if sp.unchecked else ""
        return [note, "", f"None found among {sp.checked} posts checked{extra}."]
    rows = [
        [
            markdown_link(
                truncate(s.text, 80) or s.post_id, safe_url(s.url) or post_url(s.post_id)
            ),
            f"{s.age_hours:.0f} h",
            fmt.count(s.impressions),
            fmt.count(s.usual_impressions),
            times(s.ratio),
        ]
        for s in sp.posts
    ]
    return [note, "", *_table(["Post", "Age", "Impressions", "Usual", "× usual"], rows)]


def _lifecycle(report: Report) -> list[str]:
    lc = report.lifecycle
    rows = [
        [
            markdown_text(p.label),
            fmt.percent(None if p.share_median is None else p.share_median * 100, 0),
            str(p.posts),
        ]
        for p in lc.checkpoints
    ]
    note = f"Method: {markdown_text(lc.method)}."
    if lc.status:
        note += f" {markdown_text(lc.status[0].upper() + lc.status[1:])}."
    return [note, "", *_table(["By", "Median share of impressions", "Posts"], rows)]


def render_markdown(document: Report | Mapping[str, Any]) -> str:
    """The whole report as one Markdown document."""
    report = as_report(document)
    out = [
        f"# X report: {markdown_text(title(report))}",
        "",
        f"{markdown_text(period_text(report))}, compared with "
        f"{markdown_text(previous_text(report))}.",
        "",
    ]
    if report.totals.posts == 0:
        out.extend([f"**{markdown_text(no_posts_text(report))}**", ""])
    out.extend(["## Summary", "", *_summary(report), ""])
    # Code spans show text literally; a backtick is the one character that could end one.
    out.extend("- `" + line.replace("`", "'") + "`" for line in formula_lines(report))
    out.append("")
    if report.totals.posts:
        out.extend(["## Daily", "", *_daily(report), ""])
    out.extend(_happened(report))
    if report.totals.posts:
        top = report.top_posts
        out.extend(["## Top posts by engagements", "", *_posts_table(report, top.by_engagements)])
        out.extend(
            [
                "",
                "## Top posts by engagement rate",
                "",
                f"Posts with at least {fmt.count(top.min_impressions)} impressions.",
                "",
                *_posts_table(report, top.by_engagement_rate),
                "",
            ]
        )
        out.extend(["## Content types", "", *_content_types(report), ""])
        out.extend(["## Spikes", "", *_spikes(report), ""])
    out.extend(["## Best time to post", "", *_best_time(report), ""])
    out.extend(["## Lifecycle", "", *_lifecycle(report), ""])
    out.extend(["## Cost", "", cost_text(report), ""])
    if report.detail is not None:
        lines = detail_lines(report.detail)
        out.extend([f"## {DETAIL_TITLE}", "", *(f"- {markdown_text(x)}" for x in lines), ""])
    for heading, lines in history_sections(report):
        out.extend([f"## {heading}", "", *(f"- {markdown_text(x)}" for x in lines), ""])
    if report.notes:
        out.extend(["## Notes", "", *(f"- {markdown_text(n)}" for n in report.notes), ""])
    if report.posts:
        ordered = sorted(report.posts, key=lambda p: p.created_at)
        out.extend(["## All posts", "", *_posts_table(report, ordered), ""])
    return "\n".join(out)
