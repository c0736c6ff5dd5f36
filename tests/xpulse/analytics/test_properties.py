"""Invariants a reader can check on any report: the parts add up to the whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from xpulse.analytics import PostRow, ReportInputs, build_report, parse_period
from xpulse.analytics.inputs import CONTENT_TYPES

NOW = datetime(2026, 5, 27, 12, 0, tzinfo=UTC)
ZONES = ["UTC", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Chatham"]

posts_strategy = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=40 * 24 * 60),  # minutes before now
        st.sampled_from(CONTENT_TYPES),
        st.integers(min_value=0, max_value=50_000),  # impressions
        st.integers(min_value=0, max_value=500),  # likes
        st.integers(min_value=0, max_value=50),  # reposts
        st.one_of(st.none(), st.integers(min_value=0, max_value=900)),  # X engagements
    ),
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(
    rows=posts_strategy,
    zone=st.sampled_from(ZONES),
    spec=st.sampled_from(["last-week", "this-week", "2026-05"]),
)
def test_parts_add_up(
    rows: list[tuple[int, str, int, int, int, int | None]], zone: str, spec: str
) -> None:
    posts = [
        PostRow(
            id=str(i),
            account="acme",
            created_at=NOW - timedelta(minutes=minutes + 1),
            text="t",
            content_type=ctype,  # type: ignore[arg-type]
            impressions=impressions,
            likes=likes,
            reposts=reposts,
            engagements=x,
            observed_at=NOW,
        )
        for i, (minutes, ctype, impressions, likes, reposts, x) in enumerate(rows)
    ]
    period = parse_period(spec, zone, NOW)
    report = build_report(ReportInputs("acme", posts), period, generated_at=NOW)
    t = report.totals
    assert sum(d.posts for d in report.daily) == t.posts == len(report.posts)
    assert sum(d.impressions for d in report.daily) == t.impressions
    assert sum(d.engagements for d in report.daily) == t.engagements == t.likes + t.reposts
    assert len(report.daily) == len(period.local_dates())
    own_in_period = [
        p for p in posts if period.contains(p.created_at) and p.content_type != "retweet"
    ]
    assert t.posts == len(own_in_period)
    assert report.retweets_excluded == sum(
        1 for p in posts if period.contains(p.created_at) and p.content_type == "retweet"
    )
    if t.impressions:
        assert t.engagement_rate is not None
        assert abs(t.engagement_rate - t.engagements / t.impressions * 100) < 1e-4
    else:
        assert t.engagement_rate is None
    if report.previous.totals.posts == 0:
        assert report.previous.change.impressions is None
    assert all(p.impressions >= 100 for p in report.top_posts.by_engagement_rate)
    assert sum(c.posts for c in report.best_time.cells) == report.best_time.posts
    assert sum(w.posts for w in report.best_time.by_weekday) == report.best_time.posts
    assert all((c.score is None) == (not c.enough_posts) for c in report.best_time.cells)
    for ct in report.content_types.types:
        if ct.interval_low is not None and ct.interval_high is not None:
            assert ct.interval_low <= (ct.engagement_rate or 0.0) <= ct.interval_high
