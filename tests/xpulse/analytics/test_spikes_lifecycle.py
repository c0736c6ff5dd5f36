"""Spikes for their age, the lifecycle, and the observation series both read."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from xpulse.analytics import ObservationRow, PostRow
from xpulse.analytics.document import Spikes
from xpulse.analytics.growth import Series, build_series
from xpulse.analytics.lifecycle import lifecycle
from xpulse.analytics.spikes import baseline, find_spikes, grid_age
from xpulse.analytics.stats import median, robust_z

from .conftest import make_post

NOW = datetime(2026, 5, 27, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)


def _reference_history(n: int = 20) -> tuple[list[PostRow], list[ObservationRow]]:
    """Posts 10..30 days old, each read at 6 h (~100), 24 h (~500) and 7 d (~1000)."""
    posts, obs = [], []
    for i in range(n):
        created = NOW - timedelta(days=10 + i)
        wobble = 1 + (i % 5 - 2) / 10  # 0.8 .. 1.2: a usual spread
        posts.append(make_post(f"r{i}", created, impressions=round(1100 * wobble)))
        for age, value in ((6, 100), (24, 500), (168, 1000)):
            obs.append(ObservationRow(f"r{i}", created + age * H, round(value * wobble)))
    return posts, obs


def _spikes(candidates: list[PostRow], refs: list[PostRow], obs: list[ObservationRow]) -> Spikes:
    series = build_series([*refs, *candidates], obs)
    return find_spikes(candidates, refs, series, threshold=3.5, min_references=10)


def test_spike_is_judged_against_posts_of_the_same_age() -> None:
    refs, obs = _reference_history()
    # 1000 impressions is an ordinary lifetime, but ten times the usual at 6 hours.
    young = make_post("young", NOW - 6 * H, impressions=1000)
    week_old = make_post("week", NOW - 168 * H, impressions=1000)
    result = _spikes([young, week_old], refs, obs)
    assert [s.post_id for s in result.posts] == ["young"]
    spike = result.posts[0]
    # Ages are matched on a 10 % grid: 6 h meets the others at 6.12 h (~103 impressions).
    assert spike.usual_impressions == pytest.approx(100, rel=0.05)
    assert spike.ratio == pytest.approx(10, rel=0.05)
    assert spike.age_hours == 6.0
    assert spike.references == 20
    assert spike.z >= 3.5
    assert (result.checked, result.unchecked) == (2, 0)


def test_earlier_spikes_in_history_do_not_raise_the_bar() -> None:
    refs, obs = _reference_history()
    for i in range(3):  # three huge posts in the history
        created = NOW - timedelta(days=40 + i)
        refs.append(make_post(f"big{i}", created, impressions=50_000))
        obs.append(ObservationRow(f"big{i}", created + 6 * H, 20_000))
    result = _spikes([make_post("young", NOW - 6 * H, impressions=1000)], refs, obs)
    assert [s.post_id for s in result.posts] == ["young"]


def test_posts_without_comparable_history_are_unchecked() -> None:
    refs, obs = _reference_history()
    # References were first read at 6 h: nothing tells their count at 1 h.
    result = _spikes([make_post("fresh", NOW - 1 * H, impressions=5000)], refs, obs)
    assert (result.checked, result.unchecked, result.posts) == (0, 1, [])
    # Too few references at all.
    few = _spikes([make_post("x", NOW - 6 * H, impressions=5000)], refs[:5], obs)
    assert (few.checked, few.unchecked) == (0, 1)


def test_robust_z_by_hand_and_without_spread() -> None:
    sample = [1.0, 2.0, 3.0, 4.0, 100.0]
    med, _, z = robust_z(10.0, sample)
    assert med == 3.0
    assert z == pytest.approx(0.6745 * 7 / 1.0)  # MAD of the sample is 1
    # Mostly tied: the MAD is 0, the mean absolute deviation stands in.
    _, _, z2 = robust_z(5.0, [1.0, 1.0, 1.0, 2.0])
    assert z2 == pytest.approx(4.0 / (1.253314 * 0.25))
    assert robust_z(5.0, [1.0, 1.0])[2] is None
    assert median([3, 1, 2, 10]) == 2.5


def test_series_interpolates_only_where_observations_tell() -> None:
    created = NOW - timedelta(days=30)
    post = make_post("p", created, impressions=2000)  # read at the report instant (30 d)
    obs = [
        ObservationRow("p", created + 24 * H, 800),
        ObservationRow("p", created + 168 * H, 1000),
        ObservationRow("p", created + 168 * H, 990),  # the same read twice: keep the larger
        ObservationRow("ghost", created, 5),  # a post not given: ignored
    ]
    series = build_series([post], obs)
    s = series["p"]
    assert isinstance(s, Series)
    assert list(s.ages) == [24.0, 168.0, 720.0]  # reads only: posting is not a point
    assert s.at(24) == 800
    # Between reads: a power of age through both, (96 / 24) ** (ln(1000 / 800) / ln 7).
    assert s.at(96) == pytest.approx(800 * 4 ** (math.log(1.25) / math.log(7)))
    assert s.at(23) == 800  # within 10 % of the first read: its value
    assert s.at(14) is None  # no line is drawn from posting (0 h, 0) to 24 h
    assert s.at(1) is None
    assert s.at(750) == 2000  # within 10 % after the last read
    assert s.at(800) is None  # well after the last read
    assert "ghost" not in series


def test_lifecycle_median_share_and_count() -> None:
    created = NOW - timedelta(days=20)
    posts, obs = [], []
    for i, (h1, d1, d7, last) in enumerate(
        [
            (10, 80, 95, 100),
            (20, 70, 99, 100),
            (30, 90, 100, 100),
            (5, 60, 90, 100),
            (0, 50, 80, 100),
        ]
    ):
        pid = f"p{i}"
        posts.append(make_post(pid, created, impressions=last * 10))
        for age, share in ((1, h1), (24, d1), (168, d7)):
            obs.append(ObservationRow(pid, created + age * H, share * 10))
    # A post read only at 24 h and then now: it has a 24 h and 7 d share but no 1 h one.
    posts.append(make_post("late", created, impressions=1000))
    obs.append(ObservationRow("late", created + 24 * H, 400))
    obs.append(ObservationRow("late", created + 100 * H, 800))
    # Too young for the lifecycle (latest read at 2 days).
    young = make_post("young", NOW - timedelta(days=2), impressions=500)
    result = lifecycle(
        [*posts, young],
        build_series([*posts, young], obs),
        checkpoints_hours=(1.0, 24.0, 168.0),
        min_age_days=7,
        min_posts=5,
    )
    points = {c.label: c for c in result.checkpoints}
    assert result.eligible_posts == 6
    assert (points["1 h"].posts, points["1 h"].share_median) == (5, 0.1)
    assert (points["24 h"].posts, points["24 h"].share_median) == (6, 0.65)  # 40,50,60,70,80,90
    assert points["7 d"].posts == 6
    # "late" at 7 d: 800 + 200 × 68 / 380 = 835.8 → shares 80, 83.6, 90, 95, 99, 100.
    assert points["7 d"].share_median == pytest.approx(0.925)


def test_lifecycle_needs_enough_posts() -> None:
    created = NOW - timedelta(days=20)
    post = make_post("p", created, impressions=100)
    obs = [ObservationRow("p", created + H, 10)]
    result = lifecycle(
        [post], build_series([post], obs), checkpoints_hours=(1.0,), min_age_days=7, min_posts=5
    )
    assert (result.checkpoints[0].posts, result.checkpoints[0].share_median) == (1, None)


def test_a_share_needs_a_read_well_after_the_checkpoint() -> None:
    # Read at 24 h and last at 7 d (a weekly schedule): 24 h is judged (800 / 1000), but
    # "share by 7 d" would be 1 by definition, so 7 d stays unknown rather than 100 %.
    created = NOW - timedelta(days=30)
    posts = [
        make_post(f"w{i}", created, impressions=1000, observed_at=created + 168 * H)
        for i in range(5)
    ]
    obs = [ObservationRow(p.id, created + 24 * H, 800) for p in posts]
    result = lifecycle(
        posts, build_series(posts, obs), checkpoints_hours=(24.0, 168.0), min_age_days=7,
        min_posts=5,
    )  # fmt: skip
    day, week = result.checkpoints
    assert (day.share_median, day.posts) == (0.8, 5)
    assert (week.share_median, week.posts) == (None, 0)
    assert "twice the checkpoint's age" in result.method


def _lomax(final: float, age_h: float, half_life: float = 6.0) -> int:
    """xsim's growth curve: half the final by the half-life, 86 % after a day."""
    scale = half_life / (math.sqrt(2) - 1)
    return round(final * (1 - (1 + age_h / scale) ** -2))


def test_usual_for_its_age_is_the_median_of_posts_whose_reach_arrives_early() -> None:
    # As an hourly collect reads them: each post found 0.1-1 h after posting, then at 24 h.
    # A line from (0 h, 0) to the 24 h read put "usual at 0.8 h" at a fraction of the truth.
    posts, obs = [], []
    for i in range(30):
        created = NOW - timedelta(days=3 + i)
        found_at = 0.1 + 0.9 * (i % 10) / 9
        posts.append(make_post(f"r{i}", created, impressions=_lomax(1000, 24 * 30)))
        for age in (found_at, 24.0):
            obs.append(ObservationRow(f"r{i}", created + age * H, _lomax(1000, age)))
    fresh = make_post(
        "fresh", NOW - 0.8 * H, impressions=_lomax(1000, 0.8), observed_at=NOW
    )  # an ordinary post at its first read
    result = _spikes([fresh], posts, obs)
    assert (result.checked, result.posts) == (1, [])
    n, med, _ = baseline(grid_age(0.8), [build_series(posts, obs)[p.id] for p in posts])
    truth = _lomax(1000, grid_age(0.8))
    assert n >= 10 and math.expm1(med) == pytest.approx(truth, rel=0.1)
    # Five times the usual at that age is a spike.
    big = make_post("big", NOW - 0.8 * H, impressions=5 * _lomax(1000, 0.8), observed_at=NOW)
    assert [s.post_id for s in _spikes([big], posts, obs).posts] == ["big"]


def test_no_reference_is_drawn_from_the_moment_of_posting() -> None:
    # References read at 23 h and 7 d: a line from (0 h, 0) put them at 12 h at 0.63 of
    # the curve, so an ordinary post at 1.6x was "taking off". Now 12 h is unknown.
    posts, obs = [], []
    for i in range(30):
        created = NOW - timedelta(days=8 + i)
        final = 1000 * (1 + (i % 5 - 2) / 10)
        posts.append(make_post(f"r{i}", created, impressions=_lomax(final, 24 * 8)))
        for age in (23.0, 168.0):
            obs.append(ObservationRow(f"r{i}", created + age * H, _lomax(final, age)))
    post = make_post("p", NOW - 12 * H, impressions=round(1.6 * _lomax(1000, 12)))
    result = _spikes([post], posts, obs)
    assert (result.checked, result.unchecked, result.posts) == (0, 1, [])


def test_lifecycle_says_what_it_waits_for() -> None:
    # A first collect of old posts (first read weeks after posting) and two young posts.
    old = [make_post(f"o{i}", NOW - timedelta(days=20 + i), impressions=900) for i in range(6)]
    young = [
        make_post("y1", NOW - timedelta(days=2), impressions=300),
        make_post("y2", NOW - timedelta(days=5), impressions=300),
    ]
    posts = [*old, *young]
    result = lifecycle(
        posts, build_series(posts, []), checkpoints_hours=(1.0, 24.0), min_age_days=7,
        min_posts=5,
    )  # fmt: skip
    assert result.eligible_posts == 6
    assert [c.share_median for c in result.checkpoints] == [None, None]
    assert result.waiting_posts == 2
    assert result.first_eligible_at == NOW + timedelta(days=2)  # y2 is 7 days old then
    assert "1 h, 24 h: unknown" in result.status
    assert "a post first read later than a checkpoint can never tell it" in result.status
    assert "waiting for 2 younger posts" in result.status
    assert f"from {NOW + timedelta(days=2):%Y-%m-%d %H:%M} UTC" in result.status
