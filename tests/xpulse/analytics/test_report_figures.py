"""Figures of a small hand-made week, each computed here by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from xpulse.analytics import (
    CostRow,
    Report,
    ReportInputs,
    ReportOptions,
    build_report,
    parse_period,
)

from .conftest import NOW, make_post


def d(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 5, day, hour, 0, tzinfo=UTC)


POSTS = [
    # Week 2026-W21 (May 18-24)
    make_post("a", d(18, 9), impressions=1000, likes=30, reposts=5, replies=10, quotes=5,
              bookmarks=4, engagements=80),
    make_post("b", d(18, 15), impressions=200, likes=10, reposts=0, replies=0, quotes=0,
              engagements=25, content_type="photo"),
    make_post("c", d(20, 22, ), impressions=50, likes=20, reposts=0, replies=0, quotes=0),
    make_post("rt", d(21), impressions=0, likes=500, content_type="retweet"),
    # Previous week 2026-W20 (May 11-17)
    make_post("p1", d(12), impressions=500, likes=10, reposts=0, replies=5, quotes=0),
    make_post("p2", d(14), impressions=300, likes=5, reposts=0, replies=0, quotes=0),
]  # fmt: skip


@pytest.fixture
def report() -> Report:
    period = parse_period("last-week", "UTC", NOW)
    cost = [
        CostRow(endpoint="GET /2/users/:id/tweets", calls=2, reads=150, usd=0.15),
        CostRow(endpoint="GET /2/tweets", calls=3, reads=250, usd=0.25),
        CostRow(endpoint="GET /2/tweets", calls=1, reads=10, usd=0.01),
    ]
    inputs = ReportInputs(account="acme", posts=POSTS, cost=cost, username="acme")
    return build_report(inputs, period, ReportOptions(), generated_at=NOW)


def test_totals_by_hand(report: Report) -> None:
    t = report.totals
    assert (t.posts, t.impressions, t.likes, t.reposts, t.replies, t.quotes, t.bookmarks) == (
        3, 1250, 60, 5, 10, 5, 4,
    )  # fmt: skip
    assert t.engagements == 80  # 60 + 5 + 10 + 5
    assert t.engagement_rate == pytest.approx(80 / 1250 * 100)  # 6.4
    # X's engagements exist for a and b only: (80 + 25) / (1000 + 200)
    assert (t.x_engagements, t.posts_with_x_engagements) == (105, 2)
    assert t.x_engagement_rate == pytest.approx(8.75)
    assert report.retweets_excluded == 1
    assert "rt" not in {p.id for p in report.posts}
    assert "1 retweet of other accounts' posts left out of every figure." in report.notes


def test_a_post_handed_over_twice_counts_once() -> None:
    period = parse_period("last-week", "UTC", NOW)
    twice = build_report(ReportInputs("acme", [*POSTS, POSTS[0]]), period, generated_at=NOW)
    assert twice.totals.posts == 3
    assert twice.totals.impressions == 1250


def test_previous_period_and_change(report: Report) -> None:
    prev = report.previous
    assert prev.period.label == "2026-W20"
    assert (prev.totals.posts, prev.totals.impressions, prev.totals.engagements) == (2, 800, 20)
    assert prev.totals.engagement_rate == pytest.approx(2.5)
    ch = prev.change
    assert ch.posts == pytest.approx(50.0)  # 3 vs 2
    assert ch.impressions == pytest.approx(56.25)  # 1250 vs 800
    assert ch.engagements == pytest.approx(300.0)  # 80 vs 20
    assert ch.engagement_rate == pytest.approx(156.0)  # 6.4 vs 2.5
    assert ch.engagement_rate_points == pytest.approx(3.9)
    assert ch.reposts is None  # previous had 0 reposts: nothing to compare
    assert ch.x_engagements is None  # previous had no X engagements read


def test_every_post_with_its_rate(report: Report) -> None:
    by_id = {p.id: p for p in report.posts}
    assert list(by_id) == ["a", "b", "c"]  # chronological
    assert by_id["a"].engagement_rate == pytest.approx(5.0)  # 50 / 1000
    assert by_id["b"].x_engagement_rate == pytest.approx(12.5)  # 25 / 200
    assert by_id["c"].engagement_rate == pytest.approx(40.0)
    assert by_id["b"].content_type == "photo"


def test_top_posts_rate_ranking_needs_min_impressions(report: Report) -> None:
    top = report.top_posts
    assert [p.id for p in top.by_engagements] == ["a", "c", "b"]  # 50, 20, 10
    # c has the best rate (40 %) but only 50 impressions < 100: it cannot win.
    assert top.min_impressions == 100
    assert [p.id for p in top.by_engagement_rate] == [
        "a",
        "b",
    ]  # 5 % and 5 %: more impressions first


def test_daily_series_zero_filled(report: Report) -> None:
    days = {p.date.isoformat(): (p.posts, p.impressions, p.engagements) for p in report.daily}
    assert list(days) == [f"2026-05-{n}" for n in range(18, 25)]
    assert days["2026-05-18"] == (2, 1200, 60)
    assert days["2026-05-20"] == (1, 50, 20)
    assert days["2026-05-19"] == (0, 0, 0)


def test_daily_series_follows_the_time_zone() -> None:
    # 22:00 UTC on May 20 is May 21 in Berlin.
    period = parse_period("last-week", "Europe/Berlin", NOW)
    report = build_report(ReportInputs("acme", POSTS), period, generated_at=NOW)
    days = {p.date.isoformat(): p.posts for p in report.daily}
    assert (days["2026-05-20"], days["2026-05-21"]) == (0, 1)
    assert report.posts[2].created_local.isoformat() == "2026-05-21T00:00:00+02:00"


def test_cost_summed_per_endpoint(report: Report) -> None:
    cost = report.cost
    assert cost is not None
    assert (cost.calls, cost.reads, cost.usd) == (6, 410, pytest.approx(0.41))
    assert [(e.endpoint, e.reads) for e in cost.by_endpoint] == [
        ("GET /2/tweets", 260),
        ("GET /2/users/:id/tweets", 150),
    ]


def test_formula_is_stated(report: Report) -> None:
    assert "(likes + reposts + replies + quotes) / impressions × 100" in (
        report.formulas.engagement_rate
    )


def test_empty_period_still_builds_and_says_so() -> None:
    period = parse_period("2026-W10", "UTC", NOW)
    report = build_report(ReportInputs("acme", POSTS, cost=None), period, generated_at=NOW)
    assert report.totals.posts == 0
    assert report.totals.engagement_rate is None
    assert report.previous.change.impressions is None
    assert len(report.daily) == 7
    assert report.cost is None
    assert "No posts in 2026-W10." in report.notes


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="must be an aware datetime"):
        make_post("n", datetime(2026, 5, 20, 12, 0))


def test_unread_posts_count_as_zero_and_are_named() -> None:
    unread = make_post("u", d(19), observed_at=None)
    report = build_report(
        ReportInputs("acme", [*POSTS, unread]), parse_period("last-week", "UTC", NOW),
        generated_at=NOW,
    )  # fmt: skip
    assert report.totals.posts == 4
    assert report.totals.impressions == 1250
    assert "1 post of 2026-W21 not read yet: their metrics count as 0." in report.notes
    assert report.spikes.unchecked >= 1
