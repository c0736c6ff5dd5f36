"""Engagement figures of posts and of sets of posts.

The default engagement rate is the impression-based one of the weekly-report guide:
(likes + reposts + replies + quotes) / impressions × 100. Where X's own ``engagements``
count was read (it includes clicks and expands), a second rate is reported beside it,
computed over exactly the posts that have it so the two parts of the ratio match.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from zoneinfo import ZoneInfo

from xpulse.analytics.figures import Formulas, PostEntry, Totals
from xpulse.analytics.inputs import PostRow

ENGAGEMENTS_FORMULA = "engagements = likes + reposts + replies + quotes"
ENGAGEMENT_RATE_FORMULA = (
    "engagement_rate = (likes + reposts + replies + quotes) / impressions × 100"
)
X_ENGAGEMENT_RATE_FORMULA = (
    "x_engagement_rate = X's own engagements count / impressions × 100, over the posts "
    "whose engagements count was read"
)
CHANGE_FORMULA = (
    "change = (this - previous) / previous × 100; null when the previous value is 0 or absent"
)
METRICS_AS_OF = (
    "each post's metrics are its latest stored read at the report instant, so the previous "
    "period's posts have had longer to gather them; retweets of other accounts' posts are "
    "left out of every figure"
)

FORMULAS = Formulas(
    engagements=ENGAGEMENTS_FORMULA,
    engagement_rate=ENGAGEMENT_RATE_FORMULA,
    x_engagement_rate=X_ENGAGEMENT_RATE_FORMULA,
    change_pct=CHANGE_FORMULA,
    metrics_as_of=METRICS_AS_OF,
)

DECIMALS = 4


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, DECIMALS)


def interactions(post: PostRow) -> int:
    """The numerator of the default rate: likes + reposts + replies + quotes."""
    return post.likes + post.reposts + post.replies + post.quotes


def rate(numerator: float, impressions: float) -> float | None:
    """numerator / impressions × 100, or None when there are no impressions to divide by."""
    return numerator / impressions * 100.0 if impressions > 0 else None


def post_rate(post: PostRow) -> float | None:
    return rate(interactions(post), post.impressions)


def post_entry(post: PostRow, zone: ZoneInfo) -> PostEntry:
    engagements = interactions(post)
    x_rate = None if post.engagements is None else rate(post.engagements, post.impressions)
    return PostEntry(
        id=post.id,
        created_at=post.created_at.astimezone(UTC),
        created_local=post.created_at.astimezone(zone),
        text=post.text,
        url=post.url,
        content_type=post.content_type,
        impressions=post.impressions,
        likes=post.likes,
        reposts=post.reposts,
        replies=post.replies,
        quotes=post.quotes,
        bookmarks=post.bookmarks,
        engagements=engagements,
        engagement_rate=rounded(rate(engagements, post.impressions)),
        x_engagements=post.engagements,
        x_engagement_rate=rounded(x_rate),
        metrics_observed_at=None if post.observed_at is None else post.observed_at.astimezone(UTC),
    )


def totals(posts: Iterable[PostRow]) -> Totals:
    """Sums over ``posts`` (already free of retweets) and the two rates on the sums."""
    n = impressions = likes = reposts = replies = quotes = bookmarks = 0
    x_sum = x_impressions = x_posts = 0
    for p in posts:
        n += 1
        impressions += p.impressions
        likes += p.likes
        reposts += p.reposts
        replies += p.replies
        quotes += p.quotes
        bookmarks += p.bookmarks
        if p.engagements is not None:
            x_posts += 1
            x_sum += p.engagements
            x_impressions += p.impressions
    engagements = likes + reposts + replies + quotes
    return Totals(
        posts=n,
        impressions=impressions,
        likes=likes,
        reposts=reposts,
        replies=replies,
        quotes=quotes,
        bookmarks=bookmarks,
        engagements=engagements,
        engagement_rate=rounded(rate(engagements, impressions)),
        x_engagements=x_sum if x_posts else None,
        x_engagement_rate=rounded(rate(x_sum, x_impressions)) if x_posts else None,
        posts_with_x_engagements=x_posts,
    )
