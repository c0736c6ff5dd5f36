"""Checked against the truth: the report finds effects planted in an xsim world."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from xpulse_truth_worlds import content_type_of, inputs_from_world, planted_world

from xpulse.analytics import Report, ReportOptions, build_report, parse_period
from xsim.world.curves import post_metrics_at
from xsim.world.model import World

NOW = datetime(2026, 5, 27, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def world_and_report() -> tuple[World, Report]:
    world = planted_world(seed=7, now=NOW)
    inputs = inputs_from_world(world, "1001", NOW)
    period = parse_period("last-week", "America/New_York", NOW)
    return world, build_report(inputs, period, ReportOptions(), generated_at=NOW)


def test_totals_equal_ground_truth_at_the_same_instant(
    world_and_report: tuple[World, Report],
) -> None:
    world, report = world_and_report
    period = parse_period("last-week", "America/New_York", NOW)
    truth = [
        post_metrics_at(p, NOW)
        for p in world.posts.values()
        if p.author_id == "1001"
        and period.contains(p.created_at)
        and content_type_of(p, world) != "retweet"
    ]
    assert report.totals.posts == len(truth) > 0
    assert report.totals.impressions == sum(m.impressions for m in truth)
    assert report.totals.likes == sum(m.likes for m in truth)
    assert report.totals.engagements == sum(
        m.likes + m.reposts + m.replies + m.quotes for m in truth
    )
    assert report.totals.x_engagements == sum(m.engagements for m in truth)
    assert report.retweets_excluded == 1


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_report_finds_planted_effects(seed: int) -> None:
    world = planted_world(seed=seed, now=NOW)
    truth = world.planted["1001"]
    period = parse_period("last-week", truth["time_zone"], NOW)
    report = build_report(inputs_from_world(world, "1001", NOW), period, generated_at=NOW)

    top = report.best_time.best_slots[0]
    assert (top.weekday, top.hour) == (truth["best_slot"]["weekday"], truth["best_slot"]["hour"])

    rated = [t for t in report.content_types.types if t.engagement_rate is not None]
    best_type = max(rated, key=lambda t: t.engagement_rate or 0.0)
    assert best_type.content_type == truth["best_content_type"]
    # Its interval sits above every other type's rate: the difference is not noise.
    assert best_type.interval_low is not None
    assert all(
        best_type.interval_low > (t.engagement_rate or 0.0) for t in rated if t is not best_type
    )

    assert sorted(s.post_id for s in report.spikes.posts) == sorted(truth["spike_post_ids"])
    assert report.spikes.unchecked == 0


def test_lifecycle_matches_the_curve(world_and_report: tuple[World, Report]) -> None:
    # xsim's curve: fraction(h) = 1 - (1 + h / s) ** -2 with s = half_life / (sqrt(2) - 1),
    # half-lives uniform in 3..9 h; at the median half-life (6 h) that is 12.5 %, 86 %, 99.4 %.
    _, report = world_and_report
    shares = {c.label: c for c in report.lifecycle.checkpoints}
    assert set(shares) == {"1 h", "24 h", "7 d"}
    assert shares["1 h"].share_median == pytest.approx(0.125, abs=0.02)
    assert shares["24 h"].share_median == pytest.approx(0.858, abs=0.02)
    assert shares["7 d"].share_median == pytest.approx(0.994, abs=0.005)
    assert shares["1 h"].posts == report.lifecycle.eligible_posts > 300
