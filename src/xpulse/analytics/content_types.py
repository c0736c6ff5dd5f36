"""What kind of post works: engagement rate per content type, with an interval.

A type's rate is pooled (its engagements over its impressions × 100). The interval is a
normal approximation around the ratio estimator, with its variance from how much the type's
posts differ from one another (see :func:`xpulse.analytics.stats.ratio_interval`); it is
deterministic, and absent for a type with fewer than 2 posts.

A type is ranked (1 = highest rate) only with at least ``min_posts`` posts (default 5):
under that its interval spans most of the plausible range, so one lucky post would head
the list. Such a type is still shown, marked as too few.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from xpulse.analytics.document import ContentTypeEntry, ContentTypes
from xpulse.analytics.inputs import OWN_CONTENT_TYPES, PostRow
from xpulse.analytics.metrics import interactions, rate, rounded
from xpulse.analytics.stats import ratio_interval


def method_text(confidence: float, min_posts: int) -> str:
    return (
        "engagement_rate = the type's engagements / its impressions × 100; interval = "
        f"{confidence:.0%} normal approximation around that ratio, with the post as the unit "
        "(linearised ratio-estimator variance: n/(n-1) × Σ(e_i - R·i_i)² / (Σ i)²); "
        f"no interval under 2 posts; ranked by rate only with at least {min_posts} posts, "
        "fewer are shown as too few"
    )


def content_types(
    posts: Iterable[PostRow],
    window: Literal["period", "lookback"],
    window_start: datetime,
    window_end: datetime,
    confidence: float,
    min_posts: int = 5,
) -> ContentTypes:
    """Per content type figures for the posts created in [window_start, window_end)."""
    by_type: dict[str, tuple[list[float], list[float]]] = {t: ([], []) for t in OWN_CONTENT_TYPES}
    for post in posts:
        if post.content_type in by_type and window_start <= post.created_at < window_end:
            engagements, impressions = by_type[post.content_type]
            engagements.append(float(interactions(post)))
            impressions.append(float(post.impressions))
    entries = []
    for ctype, (engagements, impressions) in by_type.items():
        interval = ratio_interval(engagements, impressions, confidence)
        entries.append(
            ContentTypeEntry(
                content_type=ctype,
                posts=len(engagements),
                impressions=int(sum(impressions)),
                engagements=int(sum(engagements)),
                engagement_rate=rounded(rate(sum(engagements), sum(impressions))),
                interval_low=None if interval is None else rounded(interval[1] * 100.0),
                interval_high=None if interval is None else rounded(interval[2] * 100.0),
                enough_posts=len(engagements) >= min_posts,
            )
        )
    ranked = sorted(
        (e for e in entries if e.enough_posts and e.engagement_rate is not None),
        key=lambda e: (-(e.engagement_rate or 0.0), -e.posts),
    )
    ranks = {e.content_type: i + 1 for i, e in enumerate(ranked)}
    entries = [e.model_copy(update={"rank": ranks.get(e.content_type)}) for e in entries]
    return ContentTypes(
        method=method_text(confidence, min_posts),
        min_posts=min_posts,
        confidence=confidence,
        window=window,
        window_start=window_start,
        window_end=window_end,
        types=entries,
    )
