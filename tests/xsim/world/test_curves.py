"""Metric curves: monotone, bounded by the final counts, consistent, exact posts constant."""

from __future__ import annotations

import itertools
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xsim.world.curves import (
    PostMetrics,
    fraction_at,
    hourly_increments,
    media_metrics_at,
    post_metrics_at,
)
from xsim.world.model import Media, MediaFinal, Post, PostFinal

T0 = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
FINAL = PostFinal(10_000, 300, 40, 25, 7, 30, 120, 60, 700)


def _post(**kw: object) -> Post:
    base = Post(id="1", author_id="9", text="t", created_at=T0, final=FINAL)
    return replace(base, **kw)  # type: ignore[arg-type]


def _ages() -> list[timedelta]:
    return [timedelta(minutes=m) for m in (0, 1, 5, 30, 60, 180, 360, 720, 1440, 2880)] + [
        timedelta(days=d) for d in (7, 30, 365)
    ]


def test_zero_before_posting_and_half_at_half_life() -> None:
    post = _post(half_life_hours=6.0)
    assert fraction_at(post, T0 - timedelta(seconds=1)) == 0.0
    assert post_metrics_at(post, T0 - timedelta(hours=1)) == PostMetrics(0, 0, 0, 0, 0, 0, 0, 0, 0)
    assert fraction_at(post, T0 + timedelta(hours=6)) == pytest.approx(0.5, abs=1e-9)
    assert post_metrics_at(post, T0 + timedelta(hours=6)).impressions == 5_000


def test_most_impressions_arrive_in_the_first_two_days() -> None:
    post = _post()
    day1 = post_metrics_at(post, T0 + timedelta(days=1)).impressions
    day2 = post_metrics_at(post, T0 + timedelta(days=2)).impressions
    assert 0.8 * FINAL.impressions < day1 < day2 < FINAL.impressions
    assert day2 > 0.9 * FINAL.impressions
    # and the tail does reach the final counts
    assert post_metrics_at(post, T0 + timedelta(days=365)) == post_metrics_at(
        post, T0 + timedelta(days=3650)
    )
    assert post_metrics_at(post, T0 + timedelta(days=365)).impressions == FINAL.impressions


def test_monotone_and_bounded_every_field() -> None:
    post = _post(promoted=True, final=replace(FINAL, promoted_share=0.4))
    previous = None
    for age in _ages():
        now = post_metrics_at(post, T0 + age)
        for f in fields(PostMetrics):
            value = getattr(now, f.name)
            assert value >= 0
            if previous is not None:
                assert value >= getattr(previous, f.name), (f.name, age)
        assert now.impressions <= FINAL.impressions and now.likes <= FINAL.likes
        assert now.engagements <= FINAL.engagements
        for name in ("impressions", "likes", "reposts", "replies", "url_link_clicks"):
            organic = getattr(now, f"organic_{name}")
            assert organic >= 0
            assert organic + getattr(now, f"promoted_{name}") == getattr(now, name)
        previous = now


def test_promoted_split_reaches_the_share() -> None:
    post = _post(promoted=True, final=replace(FINAL, promoted_share=0.25))
    late = post_metrics_at(post, T0 + timedelta(days=3650))
    assert late.impressions == 10_000
    assert late.promoted_impressions == 2_500
    assert late.organic_impressions == 7_500
    assert late.quotes == FINAL.quotes  # quotes have no promoted part


def test_unpromoted_post_has_no_promoted_counts() -> None:
    post = _post(final=replace(FINAL, promoted_share=0.5))  # share ignored: not promoted
    late = post_metrics_at(post, T0 + timedelta(days=10))
    assert late.promoted_impressions == 0
    assert late.organic_impressions == late.impressions


def test_exact_posts_show_final_from_creation_on() -> None:
    post = _post(growth="exact")
    assert post_metrics_at(post, T0 - timedelta(seconds=1)).impressions == 0
    for age in _ages():
        m = post_metrics_at(post, T0 + age)
        assert (m.impressions, m.likes, m.engagements) == (10_000, 300, 700)


def test_same_instant_same_numbers() -> None:
    post = _post()
    at = T0 + timedelta(hours=7, seconds=13)
    assert post_metrics_at(post, at) == post_metrics_at(post, at.astimezone())
    assert post_metrics_at(post, at) == post_metrics_at(replace(post), at)


def test_shorter_half_life_grows_faster() -> None:
    at = T0 + timedelta(hours=3)
    fast = post_metrics_at(_post(half_life_hours=1.0), at).impressions
    slow = post_metrics_at(_post(half_life_hours=24.0), at).impressions
    assert fast > slow


def test_media_quartiles_ordered_and_growing() -> None:
    post = _post()
    media = Media("7_1", "video", final=MediaFinal(900, 800, 600, 400, 300, 200))
    previous = None
    for age in _ages():
        m = media_metrics_at(media, post, T0 + age)
        plays = [m.playback_0_count, m.playback_25_count, m.playback_50_count,
                 m.playback_75_count, m.playback_100_count]  # fmt: skip
        assert plays == sorted(plays, reverse=True)
        assert m.view_count <= 900
        if previous is not None:
            assert m.view_count >= previous.view_count
            assert m.playback_100_count >= previous.playback_100_count
        previous = m
    assert previous is not None and previous.playback_100_count == 200


def test_media_quartiles_clamped_when_world_states_them_out_of_order() -> None:
    media = Media("7_1", "video", final=MediaFinal(10, 0, 2, 1, 1, 1))  # as in X's own sample
    m = media_metrics_at(media, _post(growth="exact"), T0)
    assert m.playback_25_count <= m.playback_0_count


def test_hourly_increments_sum_to_growth() -> None:
    post = _post(created_at=T0)
    start, end = T0 - timedelta(hours=2), T0 + timedelta(hours=30, minutes=20)
    steps = hourly_increments(post, start, end)
    assert steps[0][0] == T0.replace(minute=0)
    assert all(b[0] - a[0] == timedelta(hours=1) for a, b in itertools.pairwise(steps))
    total = post_metrics_at(post, end)
    assert sum(s.impressions for _, s in steps) == total.impressions
    assert sum(s.likes for _, s in steps) == total.likes
    assert all(s.impressions >= 0 for _, s in steps)
    # most of a post's impressions come in its first hours
    assert steps[0][1].impressions + steps[1][1].impressions > steps[-1][1].impressions
    assert hourly_increments(post, start, T0 - timedelta(hours=1)) == []


@settings(max_examples=60, deadline=None)
@given(
    final=st.integers(0, 10**7),
    share=st.floats(0, 1),
    half_life=st.floats(0.05, 200),
    a=st.integers(0, 10**8),
    b=st.integers(0, 10**8),
)
def test_property_monotone_bounded(
    final: int, share: float, half_life: float, a: int, b: int
) -> None:
    post = _post(
        promoted=True,
        half_life_hours=half_life,
        final=PostFinal(
            final,
            final // 3,
            final // 9,
            final // 20,
            final // 50,
            engagements=final // 2,
            promoted_share=share,
        ),
    )
    early, late = sorted((a, b))
    m1 = post_metrics_at(post, T0 + timedelta(seconds=early))
    m2 = post_metrics_at(post, T0 + timedelta(seconds=late))
    assert 0 <= m1.impressions <= m2.impressions <= final
    assert 0 <= m1.organic_impressions <= m2.organic_impressions
    assert 0 <= m1.promoted_impressions <= m2.promoted_impressions
    assert m1.likes <= m2.likes <= final // 3
    assert m2.engagements <= final // 2


def test_naive_times_are_taken_as_utc() -> None:
    post = _post()
    naive = (T0 + timedelta(hours=3)).replace(tzinfo=None)
    assert post_metrics_at(post, naive) == post_metrics_at(post, T0 + timedelta(hours=3))
