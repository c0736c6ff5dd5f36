"""The report's ``detail`` section as plain lines, shared by the Markdown and terminal
renderings: organic vs promoted, clicks, the engagement-rate basis, video retention, and
the daily series with its source named."""

from __future__ import annotations

from xpulse.analytics.detail import CADENCE, MetricsDetail, VideoRetention
from xpulse.render import fmt

TITLE = "Beyond public counts"


def video_name(video: VideoRetention) -> str:
    """A video by its own id, X's media key, then the post it is in: a video is not its
    post, and one post may hold several videos. Every rendering names a video so."""
    return f"Video {video.media_key} in post {video.post_id}"


def _video(detail: MetricsDetail, limit: int) -> list[str]:
    out = []
    for video in detail.video_retention[:limit]:
        marks = ", ".join(
            f"{p.mark}%: {fmt.count(p.count)}"
            + (f" (-{fmt.number(p.drop_pct, 1)}%)" if p.drop_pct is not None else "")
            for p in video.points
        )
        views = f"{fmt.count(video.views)} views; " if video.views is not None else ""
        out.append(f"{video_name(video)}: {views}played to {marks}")
    more = len(detail.video_retention) - limit
    if more > 0:
        out.append(f"... and {more} more video(s) in the JSON report")
    return out


def detail_lines(detail: MetricsDetail | None, video_limit: int = 5) -> list[str]:
    """One line per figure; empty when the report has no detail section."""
    if detail is None:
        return []
    out: list[str] = []
    split = detail.organic_promoted
    if split is not None:
        o, p = split.organic, split.promoted
        out.append(
            f"Organic: {fmt.count(o.impressions)} impressions, {fmt.count(o.likes)} likes, "
            f"{fmt.count(o.url_link_clicks)} link clicks ({split.posts} posts)"
        )
        if split.promoted_posts:
            out.append(
                f"Promoted: {fmt.count(p.impressions)} impressions, {fmt.count(p.likes)} likes, "
                f"{fmt.count(p.url_link_clicks)} link clicks ({split.promoted_posts} posts); "
                f"{fmt.percent(split.promoted_share_pct, 1)} of impressions were paid"
            )
        else:
            out.append("Promoted: none of these posts was promoted")
    clicks = detail.clicks
    if clicks is not None:
        out.append(
            f"Link clicks: {fmt.count(clicks.url_link_clicks)} "
            f"({fmt.percent(clicks.link_click_rate)} of impressions); profile clicks: "
            f"{fmt.count(clicks.user_profile_clicks)} ({fmt.percent(clicks.profile_click_rate)})"
            f" over {clicks.posts} posts"
        )
    e = detail.engagement
    out.append(f"Engagement rate: {fmt.percent(e.rate)} = {e.formula} ({e.posts} posts)")
    out.extend(_video(detail, video_limit))
    series = detail.daily_series
    if series is not None:
        days = ", ".join(f"{d.date:%m-%d} {fmt.count(d.impressions)}" for d in series.days)
        out.append(
            f"Daily impressions from the {series.source} {CADENCE[series.granularity]} series "
            f"({series.posts} posts): {days}"
        )
    else:
        out.append("Daily figures: from posts' latest metrics (no time series stored)")
    out.extend(detail.notes)
    return out
