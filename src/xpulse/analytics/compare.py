"""This period against the previous one: a change is real or it is null, never invented."""

from __future__ import annotations

from xpulse.analytics.figures import Change, Totals
from xpulse.analytics.metrics import rounded


def change_pct(current: float | None, previous: float | None) -> float | None:
    """(current - previous) / previous × 100; None when either is absent or previous is 0."""
    if current is None or previous is None or previous == 0:
        return None
    return rounded((current - previous) / previous * 100.0)


def compare(current: Totals, previous: Totals) -> Change:
    """The change of every total; nothing to compare when the previous period had no posts."""
    if previous.posts == 0:
        return Change(
            posts=None, impressions=None, likes=None, reposts=None, replies=None, quotes=None,
            bookmarks=None, engagements=None, engagement_rate=None, engagement_rate_points=None,
            x_engagements=None, x_engagement_rate=None,
        )  # fmt: skip
    points = (
        None
        if current.engagement_rate is None or previous.engagement_rate is None
        else rounded(current.engagement_rate - previous.engagement_rate)
    )
    return Change(
        posts=change_pct(current.posts, previous.posts),
        impressions=change_pct(current.impressions, previous.impressions),
        likes=change_pct(current.likes, previous.likes),
        reposts=change_pct(current.reposts, previous.reposts),
        replies=change_pct(current.replies, previous.replies),
        quotes=change_pct(current.quotes, previous.quotes),
        bookmarks=change_pct(current.bookmarks, previous.bookmarks),
        engagements=change_pct(current.engagements, previous.engagements),
        engagement_rate=change_pct(current.engagement_rate, previous.engagement_rate),
        engagement_rate_points=points,
        x_engagements=change_pct(current.x_engagements, previous.x_engagements),
        x_engagement_rate=change_pct(current.x_engagement_rate, previous.x_engagement_rate),
    )
