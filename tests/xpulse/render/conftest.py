"""Report documents for rendering tests, built directly from the document models.

The figures are made up but consistent, so a rendering can be checked against them; one
post carries hostile text and a hostile URL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from xpulse.analytics.document import (
    AccountInfo,
    BestSlot,
    BestTime,
    BestTimeCell,
    Change,
    Comparison,
    ContentTypeEntry,
    ContentTypes,
    Cost,
    DailyPoint,
    EndpointCost,
    Formulas,
    Lifecycle,
    LifecyclePoint,
    PeriodInfo,
    PostEntry,
    Report,
    Spike,
    Spikes,
    TopPosts,
    Totals,
)

EVIL = '<script>alert(1)</script> [red]x[/red] =HYPERLINK("http://e") javascript:alert(1)'
BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 5, 18, tzinfo=BERLIN)
END = datetime(2026, 5, 25, tzinfo=BERLIN)

FORMULAS = Formulas(
    engagements="engagements = likes + reposts + replies + quotes",
    engagement_rate="engagement_rate = (likes + reposts + replies + quotes) / impressions × 100",
    x_engagement_rate="x_engagement_rate = X's own engagements count / impressions × 100",
    change_pct="change = (this - previous) / previous × 100; null when the previous value is 0",
    metrics_as_of="each post's metrics are the latest stored read at the report instant",
)


def post(
    pid: str, text: str, day: int, hour: int, imp: int, likes: int, ctype: str = "text",
    url: str | None = None,
) -> PostEntry:
    local = START + timedelta(days=day, hours=hour)
    eng = likes + 2
    return PostEntry(
        id=pid,
        created_at=local.astimezone(UTC),
        created_local=local,
        text=text,
        url=url,
        content_type=ctype,
        impressions=imp,
        likes=likes,
        reposts=1,
        replies=1,
        quotes=0,
        bookmarks=3,
        engagements=eng,
        engagement_rate=round(eng / imp * 100, 4) if imp else None,
        x_engagements=None,
        x_engagement_rate=None,
        metrics_observed_at=END.astimezone(UTC),
    )


def totals(posts: list[PostEntry]) -> Totals:
    imp = sum(p.impressions for p in posts)
    eng = sum(p.engagements for p in posts)
    return Totals(
        posts=len(posts),
        impressions=imp,
        likes=sum(p.likes for p in posts),
        reposts=sum(p.reposts for p in posts),
        replies=sum(p.replies for p in posts),
        quotes=0,
        bookmarks=sum(p.bookmarks for p in posts),
        engagements=eng,
        engagement_rate=round(eng / imp * 100, 4) if imp else None,
        x_engagements=None,
        x_engagement_rate=None,
        posts_with_x_engagements=0,
    )


def period_info(start: datetime, label: str) -> PeriodInfo:
    return PeriodInfo(
        label=label, kind="week", start=start, end=start + timedelta(days=7),
        tz="Europe/Berlin", days=7, partial=False,
    )


def make_report(posts: list[PostEntry], previous_posts: list[PostEntry] | None = None) -> Report:
    cur = totals(posts)
    prev = totals(previous_posts or [])

    def pct(a: float | None, b: float | None) -> float | None:
        return None if a is None or not b else round((a - b) / b * 100, 4)

    change = Change(
        posts=pct(cur.posts, prev.posts),
        impressions=pct(cur.impressions, prev.impressions),
        likes=pct(cur.likes, prev.likes),
        reposts=pct(cur.reposts, prev.reposts),
        replies=pct(cur.replies, prev.replies),
        quotes=None,
        bookmarks=pct(cur.bookmarks, prev.bookmarks),
        engagements=pct(cur.engagements, prev.engagements),
        engagement_rate=pct(cur.engagement_rate, prev.engagement_rate),
        engagement_rate_points=(
            None
            if cur.engagement_rate is None or prev.engagement_rate is None
            else round(cur.engagement_rate - prev.engagement_rate, 4)
        ),
        x_engagements=None,
        x_engagement_rate=None,
    )
    by_eng = sorted(posts, key=lambda p: -p.engagements)[:5]
    by_rate = sorted(
        (p for p in posts if p.impressions >= 100), key=lambda p: -(p.engagement_rate or 0)
    )[:5]
    daily = [
        DailyPoint(
            date=(START + timedelta(days=d)).date(),
            posts=sum(1 for p in posts if p.created_local.date() == (START + timedelta(days=d)).date()),
            impressions=sum(
                p.impressions for p in posts
                if p.created_local.date() == (START + timedelta(days=d)).date()
            ),
            engagements=sum(
                p.engagements for p in posts
                if p.created_local.date() == (START + timedelta(days=d)).date()
            ),
        )
        for d in range(7)
    ]
    cells = [
        BestTimeCell(weekday=1, hour=9, posts=6, impressions=6000, engagements=300,
                     engagement_rate=5.0, mean_post_rate=5.1, score=4.6, enough_posts=True),
        BestTimeCell(weekday=3, hour=18, posts=4, impressions=2000, engagements=60,
                     engagement_rate=3.0, mean_post_rate=3.2, score=3.0, enough_posts=True),
        BestTimeCell(weekday=5, hour=23, posts=1, impressions=50, engagements=20,
                     engagement_rate=40.0, mean_post_rate=40.0, score=None, enough_posts=False),
    ] if posts else []
    slots = [
        BestSlot(rank=1, weekday=1, weekday_name="Tuesday", hour=9, posts=6, score=4.6,
                 mean_post_rate=5.1),
        BestSlot(rank=2, weekday=3, weekday_name="Thursday", hour=18, posts=4, score=3.0,
                 mean_post_rate=3.2),
    ] if posts else []
    types = [
        ContentTypeEntry(content_type="photo", posts=3, impressions=3000, engagements=150,
                         engagement_rate=5.0, interval_low=3.9, interval_high=6.1),
        ContentTypeEntry(content_type="text", posts=2, impressions=900, engagements=20,
                         engagement_rate=2.2222, interval_low=1.1, interval_high=3.3),
        ContentTypeEntry(content_type="poll", posts=0, impressions=0, engagements=0,
                         engagement_rate=None, interval_low=None, interval_high=None),
    ] if posts else []
    spikes = [
        Spike(post_id=posts[0].id, url=posts[0].url, text=posts[0].text, age_hours=30.0,
              impressions=posts[0].impressions, usual_impressions=400.0, ratio=12.5, z=8.2,
              references=20),
    ] if posts else []
    return Report(
        schema="https://xpulse.dev/schemas/report/v1",
        version=1,
        generated_at=datetime(2026, 5, 26, 7, 0, tzinfo=UTC),
        account=AccountInfo(name="main", username="acme", user_id="42"),
        period=period_info(START, "2026-W21"),
        formulas=FORMULAS,
        totals=cur,
        previous=Comparison(
            period=period_info(START - timedelta(days=7), "2026-W20"), totals=prev, change=change
        ),
        posts=posts,
        retweets_excluded=1,
        top_posts=TopPosts(limit=5, min_impressions=100, by_engagements=by_eng,
                           by_engagement_rate=by_rate),
        daily=daily,
        best_time=BestTime(
            method="score = mean of the cell's per-post engagement rates, shrunk",
            window_start=(END - timedelta(days=90)).astimezone(UTC),
            window_end=END.astimezone(UTC), lookback_days=90, min_posts=3, prior_posts=3.0,
            account_mean_rate=3.5 if posts else None, posts=11 if posts else 0, cells=cells,
            best_slots=slots,
        ),
        content_types=ContentTypes(method="ratio estimate with a delta-method interval",
                                   confidence=0.9, window="lookback",
                                   window_start=(END - timedelta(days=90)).astimezone(UTC),
                                   window_end=END.astimezone(UTC), types=types),
        spikes=Spikes(method="robust z of log impressions vs age-matched posts", z_threshold=3.5,
                      min_references=10, checked=len(posts), unchecked=0, posts=spikes),
        lifecycle=Lifecycle(
            method="median share of the 7-day impressions", min_age_days=7.0,
            eligible_posts=8 if posts else 0,
            checkpoints=[
                LifecyclePoint(label="1h", hours=1, share_median=0.21 if posts else None,
                               posts=8 if posts else 0),
                LifecyclePoint(label="24h", hours=24, share_median=0.8 if posts else None,
                               posts=8 if posts else 0),
                LifecyclePoint(label="7d", hours=168, share_median=1.0 if posts else None,
                               posts=8 if posts else 0),
            ],
        ),
        cost=Cost(calls=3, reads=120, usd=0.12,
                  by_endpoint=[EndpointCost(endpoint="GET /2/users/:id/tweets", calls=3,
                                            reads=120, usd=0.12)]),
        notes=["1 retweet of another account's post was left out."],
    )


def sample_posts() -> list[PostEntry]:
    return [
        post("1001", EVIL, 1, 9, 5000, 240, "photo", url="javascript:alert(1)"),
        post("1002", "Shipping day 🚀 https://example.com/launch", 1, 10, 1200, 40, "link",
             url="https://x.com/acme/status/1002"),
        post("1003", "plain words", 3, 18, 800, 12),
        post("1004", "=cmd|' /C calc'!A0", 4, 12, 40, 9),
        post("1005", "a reply", 6, 21, 0, 0, "reply"),
    ]


@pytest.fixture
def report() -> Report:
    previous = [post("900", "old", -6, 9, 3000, 50), post("901", "old 2", -5, 9, 1000, 10)]
    return make_report(sample_posts(), previous)


@pytest.fixture
def empty_report() -> Report:
    return make_report([], [])


@pytest.fixture
def report_dict(report: Report) -> dict[str, Any]:
    return report.to_dict()


@pytest.fixture
def build() -> Any:
    """The builders, for tests that need a report of their own: ``build.report(posts)``."""

    class Builders:
        report = staticmethod(make_report)
        post = staticmethod(post)
        evil = EVIL

    return Builders
