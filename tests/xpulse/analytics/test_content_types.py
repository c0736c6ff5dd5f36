from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from xpulse.analytics import PostRow
from xpulse.analytics.content_types import content_types
from xpulse.analytics.inputs import OWN_CONTENT_TYPES

from .conftest import make_post

START = datetime(2026, 5, 1, tzinfo=UTC)
END = datetime(2026, 5, 25, tzinfo=UTC)


def test_rate_and_interval_by_hand() -> None:
    at = START + timedelta(days=1)
    posts = [
        make_post("v1", at, content_type="video", impressions=1000, likes=50),
        make_post("v2", at, content_type="video", impressions=2000, likes=60),
        make_post("v3", at, content_type="video", impressions=1000, likes=30),
        make_post("p1", at, content_type="photo", impressions=500, likes=10),
        make_post("rt", at, content_type="retweet", impressions=0, likes=99),
        make_post("late", END, content_type="photo", impressions=500, likes=500),
    ]
    result = content_types(posts, "lookback", START, END, 0.95)
    by_type = {t.content_type: t for t in result.types}
    assert list(by_type) == list(OWN_CONTENT_TYPES)  # every type, fixed order, no retweet
    video = by_type["video"]
    assert (video.posts, video.impressions, video.engagements) == (3, 4000, 140)
    r = 140 / 4000
    resid = (50 - r * 1000) ** 2 + (60 - r * 2000) ** 2 + (30 - r * 1000) ** 2
    se = math.sqrt(3 / 2 * resid) / 4000
    assert video.engagement_rate == pytest.approx(3.5)
    assert video.interval_low == pytest.approx((r - 1.959964 * se) * 100, abs=1e-4)
    assert video.interval_high == pytest.approx((r + 1.959964 * se) * 100, abs=1e-4)
    # One photo: a rate, but no interval to claim.
    photo = by_type["photo"]
    assert (photo.posts, photo.engagement_rate, photo.interval_low) == (1, 2.0, None)
    assert by_type["gif"].posts == 0
    assert by_type["gif"].engagement_rate is None
    assert "95%" in result.method


def test_interval_is_deterministic_and_narrows_with_more_posts() -> None:
    at = START + timedelta(days=2)

    def posts(n: int) -> list[PostRow]:
        return [
            make_post(
                f"{n}-{i}", at, content_type="link", impressions=1000, likes=20 + (i % 3) * 10
            )
            for i in range(n)
        ]

    few = content_types(posts(6), "period", START, END, 0.95).types[1]
    many = content_types(posts(60), "period", START, END, 0.95).types[1]
    assert few == content_types(posts(6), "period", START, END, 0.95).types[1]
    assert few.engagement_rate == many.engagement_rate == pytest.approx(3.0)
    assert few.interval_low is not None and many.interval_low is not None
    assert few.interval_high is not None and many.interval_high is not None
    assert many.interval_high - many.interval_low < few.interval_high - few.interval_low


def test_a_type_with_too_few_posts_is_shown_but_never_ranked() -> None:
    start = START
    at = [start + timedelta(hours=i) for i in range(12)]
    posts = [make_post(f"t{i}", at[i], impressions=1000, likes=20) for i in range(6)]
    posts += [make_post(f"v{i}", at[6 + i], impressions=1000, likes=10, content_type="video")
              for i in range(5)]  # fmt: skip
    posts.append(make_post("p", at[11], impressions=1000, likes=300, content_type="photo"))
    result = content_types(posts, "lookback", start, start + timedelta(days=1), 0.95, min_posts=5)
    by_type = {t.content_type: t for t in result.types}
    assert (by_type["text"].rank, by_type["video"].rank) == (1, 2)
    photo = by_type["photo"]  # 30 % on one post: shown, marked, not first
    assert (photo.posts, photo.enough_posts, photo.rank) == (1, False, None)
    assert result.min_posts == 5 and "at least 5 posts" in result.method
