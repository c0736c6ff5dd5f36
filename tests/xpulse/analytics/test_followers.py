"""Follower growth and the follower-based engagement rate: the pure section and the report
made from a store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from xpulse.analytics.audience import NOT_COLLECTED, NOT_ON_PLAN, ProfilePoint, followers_section
from xpulse.analytics.inputs import PostRow
from xpulse.analytics.metrics import totals

D = timedelta(days=1)
START = datetime(2026, 5, 4, tzinfo=UTC)
END = START + 7 * D


def _post(i: int, likes: int, impressions: int) -> PostRow:
    return PostRow(
        id=str(i), account="a", created_at=START + D, text="t", content_type="text", url=None,
        impressions=impressions, likes=likes, reposts=1, replies=0, quotes=0, bookmarks=0,
        engagements=None, observed_at=END,
    )  # fmt: skip


def _pt(at: datetime, followers: int | None) -> ProfilePoint:
    return ProfilePoint(at, followers, 10, 100, 2)


def test_growth_is_end_minus_the_last_count_before_the_start() -> None:
    posts = [_post(1, 9, 1000), _post(2, 19, 3000)]
    section = followers_section(
        [_pt(START - 3 * D, 400), _pt(START + 2 * D, 420), _pt(END - D, 450), _pt(END + D, 999)],
        START, END, totals(posts),
    )  # fmt: skip
    assert section.available and (section.start, section.end) == (400, 450)
    assert section.growth == 50 and section.growth_pct == 12.5
    assert [p.followers for p in section.series] == [420, 450]  # changes in the period
    engagements = (9 + 1) + (19 + 1)
    assert section.engagement_rate_by_followers == round(engagements / 2 / 450 * 100, 4)


def test_no_count_before_the_period_grows_from_its_first_and_says_so() -> None:
    section = followers_section(
        [_pt(START + D, 100), _pt(START + 3 * D, 130)], START, END, totals([])
    )
    assert (section.growth, section.engagement_rate_by_followers) == (30, None)  # no posts
    assert section.note is not None and "first count in the period" in section.note
    single = followers_section([_pt(START + D, 100)], START, END, totals([]))
    assert single.growth is None and single.note and "two within it" in single.note


def test_absent_counts_are_named_never_zero() -> None:
    hidden = followers_section([_pt(START - D, None)], START, END, totals([_post(1, 5, 10)]))
    assert not hidden.available and hidden.note == NOT_ON_PLAN
    assert hidden.end is None and hidden.engagement_rate_by_followers is None
    assert hidden.posts_count == 100  # what X did return is still shown
    never = followers_section([], START, END, totals([]))
    assert not never.available and never.note == NOT_COLLECTED
