"""Every per-post metric X reports, at one instant, consistent with the other endpoints.

``/2/tweets/analytics`` and the Engagement API report more kinds of counts than a world
states. The counts a world does state (impressions, likes, reposts, replies, quotes,
bookmarks, link and profile clicks, X's own ``engagements``) come straight from
:func:`xsim.world.curves.post_metrics_at`, so they agree with ``public_metrics`` and
``non_public_metrics`` to the unit. The rest are derived, documented here once:

* The engagements not accounted for by the stated kinds (``engagements`` minus likes,
  reposts, replies, quotes, bookmarks, link and profile clicks) are split by fixed weights
  (:data:`REST_WEIGHTS`) into detail expands, media engagements (posts with media only),
  hashtag clicks (posts with hashtags only), permalink clicks, follows, shares and email
  shares, with largest-remainder rounding so the parts add up to the rest exactly.
  xsim posts carry no app cards, so app opens and install attempts are 0.
* ``video_views`` is the view count of the post's videos (not GIFs, as X says), the same
  number as ``includes.media[].public_metrics.view_count``; ``media_views`` adds GIF views
  and, for photos (which do not autoplay, so every view is a click), the media engagements.
* xsim's world has no unlikes or unfollows: both are always 0.

Each derived final grows along the post's curve with the same rounding as every other
count, so all are non-decreasing and hourly increments are never negative.
"""

from __future__ import annotations

import math
from datetime import datetime

from xsim.clock import as_utc
from xsim.world.curves import fraction_at, media_metrics_at, post_metrics_at
from xsim.world.model import Post, World

# Weights of the engagement kinds a world does not state, applied to the unexplained rest.
REST_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("detail_expands", 40),
    ("media_engagements", 30),
    ("hashtag_clicks", 8),
    ("permalink_clicks", 8),
    ("follows", 6),
    ("shares", 6),
    ("email_tweet", 2),
)

# Every metric name either API uses, mapped to how it is computed (see the module text).
ALL_METRICS = (
    "impressions", "engagements", "likes", "retweets", "replies", "quote_tweets", "bookmarks",
    "url_clicks", "link_clicks", "user_profile_clicks", "profile_visits", "detail_expands",
    "media_engagements", "media_views", "video_views", "hashtag_clicks", "permalink_clicks",
    "follows", "unfollows", "shares", "email_tweet", "app_opens", "app_install_attempts",
    "unlikes",
)  # fmt: skip


def _grown(final: int, fraction: float) -> int:
    # The rounding rule of xsim.world.curves: monotone, never above the final, exact at the end.
    if fraction >= 1.0:
        return final
    if fraction <= 0.0:
        return 0
    return min(final, math.floor(final * fraction + 0.5))


def _split(total: int, weights: list[tuple[str, int]]) -> dict[str, int]:
    """Largest-remainder split of ``total`` by integer weights (exact sum, deterministic)."""
    weight_sum = sum(w for _, w in weights)
    if total <= 0 or weight_sum == 0:
        return {name: 0 for name, _ in weights}
    exact = [(name, total * w / weight_sum) for name, w in weights]
    parts = {name: math.floor(x) for name, x in exact}
    left = total - sum(parts.values())
    by_remainder = sorted(exact, key=lambda item: (-(item[1] - math.floor(item[1])), item[0]))
    for name, _ in by_remainder[:left]:
        parts[name] += 1
    return parts


def derived_finals(post: Post) -> dict[str, int]:
    """Final values of the engagement kinds a world does not state (see the module text)."""
    f = post.final
    stated = (
        f.likes + f.reposts + f.replies + f.quotes + f.bookmarks
        + f.url_link_clicks + f.user_profile_clicks
    )  # fmt: skip
    rest = max(0, f.engagements - stated)
    hashtags = bool(post.entities and post.entities.get("hashtags"))
    weights = [
        (name, w)
        for name, w in REST_WEIGHTS
        if (name != "media_engagements" or post.media_keys)
        and (name != "hashtag_clicks" or hashtags)
    ]
    parts = _split(rest, weights)
    for name, _ in REST_WEIGHTS:
        parts.setdefault(name, 0)
    return parts


def metrics_at(
    world: World, post: Post, now: datetime, finals: dict[str, int] | None = None
) -> dict[str, int]:
    """All of :data:`ALL_METRICS` for ``post`` at ``now`` (``finals``: the post's
    :func:`derived_finals`, when the caller reads one post at many instants).

    Bucketed APIs read a bucket as ``metrics_at(its end) - metrics_at(its start)``, so this
    is what arrived *before* ``now``: at the posting instant itself, nothing. Otherwise an
    ``exact`` post (complete from ``created_at`` on) created exactly on the hour would put
    0 in its first bucket and its hours would not add up to its totals.
    """
    if as_utc(now) <= as_utc(post.created_at):
        return dict.fromkeys(ALL_METRICS, 0)
    m = post_metrics_at(post, now)
    fraction = fraction_at(post, now)
    derived = derived_finals(post) if finals is None else finals
    out = {name: _grown(final, fraction) for name, final in derived.items()}
    video_views = gif_views = 0
    photo = False
    for key in post.media_keys:
        media = world.media.get(key)
        if media is None:
            continue
        if media.type == "photo":
            photo = True
            continue
        views = media_metrics_at(media, post, now).view_count
        if media.type == "video":
            video_views += views
        else:
            gif_views += views
    out.update(
        impressions=m.impressions,
        engagements=m.engagements,
        likes=m.likes,
        retweets=m.reposts,
        replies=m.replies,
        quote_tweets=m.quotes,
        bookmarks=m.bookmarks,
        url_clicks=m.url_link_clicks,
        link_clicks=m.url_link_clicks,
        user_profile_clicks=m.user_profile_clicks,
        profile_visits=m.user_profile_clicks,
        video_views=video_views,
        media_views=video_views + gif_views + (out["media_engagements"] if photo else 0),
        unfollows=0,
        unlikes=0,
        app_opens=0,
        app_install_attempts=0,
    )
    return out
