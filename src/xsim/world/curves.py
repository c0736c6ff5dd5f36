"""How a post's metrics grow with its age.

A post earns most of its impressions in its first day or two and then a thinning tail.
The share of the final totals that has arrived ``h`` hours after posting follows a Lomax
(Pareto II) curve with shape 2, scaled so that half has arrived at the post's
``half_life_hours``::

    fraction(h) = 1 - (1 + h / scale) ** -2,   scale = half_life / (sqrt(2) - 1)

With the default half-life of 6 hours that is 86% after a day, 95% after two, 99.4% after
a week. Every count is ``floor(final * fraction + 1/2)`` (the nearest integer): for a
non-decreasing fraction in [0, 1] that is non-decreasing, never exceeds the final, keeps the
order of the finals (so quartile plays stay ordered and engagements never exceed
impressions), and reaches small finals within days instead of never. Everything here is
a pure function of (post, media, now): every endpoint reading at one instant agrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta

from xsim.world.model import Media, Post

_SHAPE = 2.0
_SCALE_PER_HALF_LIFE = 1.0 / (2.0 ** (1.0 / _SHAPE) - 1.0)  # median of Lomax = scale*(2^(1/a)-1)


@dataclass(frozen=True)
class PostMetrics:
    """A post's counts at one instant.

    ``promoted_*`` are zero unless the post is promoted; ``organic_*`` are total minus
    promoted, so organic + promoted == total. Quotes and bookmarks are never promoted
    (the API has no promoted quote count).
    """

    impressions: int
    likes: int
    reposts: int
    replies: int
    quotes: int
    bookmarks: int
    url_link_clicks: int
    user_profile_clicks: int
    engagements: int
    promoted_impressions: int = 0
    promoted_likes: int = 0
    promoted_reposts: int = 0
    promoted_replies: int = 0
    promoted_url_link_clicks: int = 0
    promoted_user_profile_clicks: int = 0

    @property
    def organic_impressions(self) -> int:
        return self.impressions - self.promoted_impressions

    @property
    def organic_likes(self) -> int:
        return self.likes - self.promoted_likes

    @property
    def organic_reposts(self) -> int:
        return self.reposts - self.promoted_reposts

    @property
    def organic_replies(self) -> int:
        return self.replies - self.promoted_replies

    @property
    def organic_url_link_clicks(self) -> int:
        return self.url_link_clicks - self.promoted_url_link_clicks

    @property
    def organic_user_profile_clicks(self) -> int:
        return self.user_profile_clicks - self.promoted_user_profile_clicks

    def minus(self, earlier: PostMetrics) -> PostMetrics:
        """The growth from ``earlier`` to this reading (every field non-negative)."""
        return PostMetrics(
            **{f.name: getattr(self, f.name) - getattr(earlier, f.name) for f in fields(self)}
        )


@dataclass(frozen=True)
class MediaMetrics:
    """A media item's counts at one instant; quartile plays never increase along the video."""

    view_count: int
    playback_0_count: int
    playback_25_count: int
    playback_50_count: int
    playback_75_count: int
    playback_100_count: int


ZERO_POST = PostMetrics(0, 0, 0, 0, 0, 0, 0, 0, 0)

# Metrics that have a promoted part, as (total field == PostFinal field, promoted field).
_SPLIT = (
    ("impressions", "promoted_impressions"),
    ("likes", "promoted_likes"),
    ("reposts", "promoted_reposts"),
    ("replies", "promoted_replies"),
    ("url_link_clicks", "promoted_url_link_clicks"),
    ("user_profile_clicks", "promoted_user_profile_clicks"),
)
_UNSPLIT = ("quotes", "bookmarks", "engagements")


NOTHING = PostMetrics(0, 0, 0, 0, 0, 0, 0, 0, 0)  # the counts just before a post exists


def _utc(moment: datetime) -> datetime:
    # Naive datetimes are taken as UTC rather than crashing on a mixed comparison.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def fraction_at(post: Post, now: datetime) -> float:
    """Share of the final totals that has arrived by ``now``: 0 before posting, rising to 1.

    Non-decreasing in ``now``; ``growth == "exact"`` posts are complete from ``created_at`` on.
    """
    age = (_utc(now) - _utc(post.created_at)).total_seconds()
    if age < 0:
        return 0.0
    if post.growth == "exact":
        return 1.0
    half_life_s = max(post.half_life_hours, 1e-6) * 3600.0
    scale = half_life_s * _SCALE_PER_HALF_LIFE
    return float(1.0 - (1.0 + age / scale) ** -_SHAPE)


def _part(total: int, fraction: float) -> int:
    if fraction >= 1.0:
        return total
    if fraction <= 0.0:
        return 0
    return min(total, math.floor(total * fraction + 0.5))


def promoted_finals(post: Post) -> dict[str, int]:
    """Final promoted counts of a promoted post (empty dict when not promoted)."""
    if not post.promoted or post.final.promoted_share <= 0:
        return {}
    share = min(1.0, post.final.promoted_share)
    return {total: round(getattr(post.final, total) * share) for total, _ in _SPLIT}


def post_metrics_at(post: Post, now: datetime) -> PostMetrics:
    """A post's counts at ``now``.

    The promoted and organic parts each follow the curve on their own and the total is their
    sum, so both parts are non-decreasing too and reach the final totals exactly.
    """
    fraction = fraction_at(post, now)
    final = post.final
    promoted = promoted_finals(post)
    values: dict[str, int] = {}
    for total_name, promoted_name in _SPLIT:
        total_final = getattr(final, total_name)
        promoted_final = promoted.get(total_name, 0)
        promoted_now = _part(promoted_final, fraction)
        organic_now = _part(total_final - promoted_final, fraction)
        values[total_name] = promoted_now + organic_now
        values[promoted_name] = promoted_now
    for name in _UNSPLIT:
        values[name] = _part(getattr(final, name), fraction)
    return PostMetrics(**values)


def media_metrics_at(media: Media, post: Post, now: datetime) -> MediaMetrics:
    """A media item's counts at ``now``, growing with the age of the post that carries it.

    Quartile plays are clamped to be non-increasing along the video even if a hand-written
    world states them out of order.
    """
    fraction = fraction_at(post, now)
    final = media.final
    plays: list[int] = []
    ceiling: int | None = None
    for value in (
        final.playback_0_count,
        final.playback_25_count,
        final.playback_50_count,
        final.playback_75_count,
        final.playback_100_count,
    ):
        now_value = _part(value, fraction)
        ceiling = now_value if ceiling is None else min(ceiling, now_value)
        plays.append(ceiling)
    return MediaMetrics(_part(final.view_count, fraction), *plays)


def hourly_increments(
    post: Post, start: datetime, end: datetime
) -> list[tuple[datetime, PostMetrics]]:
    """Per-UTC-hour growth of a post's metrics between ``start`` and ``end``.

    Each entry is (hour start, what arrived in [hour start, next hour start)), clipped to the
    asked range; hours before the post existed are left out. The increments of a range sum
    to ``post_metrics_at(end) - post_metrics_at(start)``, or to ``post_metrics_at(end)``
    when the range starts at or before the posting instant: what an ``exact`` post has from
    ``created_at`` on arrived at that instant, inside the range (even on the hour).
    """
    start, end = _utc(start), _utc(end)
    created = _utc(post.created_at)
    if end <= start or end <= created:
        return []
    hour = max(start, created).replace(minute=0, second=0, microsecond=0)
    out: list[tuple[datetime, PostMetrics]] = []
    previous = NOTHING if start <= created else post_metrics_at(post, max(start, hour))
    while hour < end:
        nxt = min(hour + timedelta(hours=1), end)
        current = post_metrics_at(post, nxt)
        out.append((hour, current.minus(previous)))
        previous = current
        hour = hour + timedelta(hours=1)
    return out
