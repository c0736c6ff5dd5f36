"""The report's follower and figure-source sections as plain lines (Markdown, terminal and
HTML render the same lines; untrusted file names are escaped by each rendering)."""

from __future__ import annotations

from xpulse.analytics.document import Report
from xpulse.analytics.provenance import SOURCE_NAMES
from xpulse.render import fmt

FOLLOWERS_TITLE = "Followers"
SOURCES_TITLE = "Where the figures came from"
BENCHMARK_TITLE = "Competitors"


def follower_lines(report: Report) -> list[str]:
    f = report.followers
    if f is None:
        return []
    if not f.available:
        return [f"Followers: {f.note}"]
    out = [f"Followers: {fmt.count(f.end)} (as of {f.end_observed_at:%Y-%m-%d %H:%M} UTC)"]
    if f.growth is not None:
        sign = "+" if f.growth >= 0 else ""
        pct = f", {fmt.change(f.growth_pct)}" if f.growth_pct is not None else ""
        out.append(
            f"Growth over the period: {sign}{fmt.count(f.growth)}{pct} "
            f"(from {fmt.count(f.start)} on {f.start_observed_at:%Y-%m-%d})"
        )
    if f.note:
        out.append(f.note)
    out.append(
        f"Engagement rate by followers: {fmt.percent(f.engagement_rate_by_followers)}, beside "
        f"{fmt.percent(report.totals.engagement_rate)} by impressions ({f.formula})"
    )
    extra = [
        f"{label} {fmt.count(v)}"
        for label, v in (("following", f.following), ("posts", f.posts_count), ("listed", f.listed))
        if v is not None
    ]
    if extra:
        out.append("Profile: " + ", ".join(extra))
    return out


def source_lines(report: Report) -> list[str]:
    s = report.sources
    if s is None or not s.posts_by_source:
        return []
    parts = [
        f"{fmt.count(n)} posts from {SOURCE_NAMES.get(name, name)}"
        for name, n in sorted(s.posts_by_source.items(), key=lambda kv: -kv[1])
    ]
    out = ["Figures of " + ", ".join(parts)]
    for f in s.files:
        out.append(
            f"{SOURCE_NAMES.get(f.kind, f.kind)} {f.file}: counts as of "
            f"{f.counts_as_of:%Y-%m-%d %H:%M} UTC ({fmt.count(f.posts)} posts)"
        )
    if s.posts_by_source.get("archive"):
        out.append(
            "X's data archive holds likes and reposts only: impressions of posts known only "
            "from it are unknown, not 0"
        )
    if s.files:
        out.append(f"Rule: {s.note}")
    return out


def benchmark_lines(report: Report) -> list[str]:
    b = report.benchmark
    if b is None:
        return []
    out = []
    for r in b.rows:
        who = f"@{r.handle} ({'you' if r.group is None else r.group})"
        impressions = (
            f"{fmt.count(r.impressions)} impressions" if r.impressions is not None
            else "impressions not public"
        )  # fmt: skip
        per_post = (
            f"{fmt.number(r.engagements_per_post, 1)} engagements a post"
            if r.engagements_per_post is not None
            else "no posts"
        )
        if r.followers is None:
            audience = "followers not available"
        else:
            growth = "" if r.follower_growth is None else f" ({r.follower_growth:+,})"
            audience = f"{fmt.count(r.followers)} followers{growth}"
        out.append(
            f"{who}: {fmt.count(r.posts)} posts ({fmt.number(r.posts_per_week, 1)} a week), "
            f"{impressions}, {per_post}, rate {fmt.percent(r.engagement_rate)}, {audience}"
        )
    out.append(b.note)
    return out


def history_sections(report: Report) -> list[tuple[str, list[str]]]:
    """(title, lines) of each section the report has."""
    sections = [
        (FOLLOWERS_TITLE, follower_lines(report)),
        (BENCHMARK_TITLE, benchmark_lines(report)),
        (SOURCES_TITLE, source_lines(report)),
    ]
    return [(title, lines) for title, lines in sections if lines]
