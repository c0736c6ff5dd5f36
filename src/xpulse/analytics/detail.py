"""The report's ``detail`` section: the metrics beyond the public counts.

* organic and promoted apart (X's ``organic_metrics`` / ``promoted_metrics``);
* link clicks and profile clicks, with their rates on impressions;
* engagement rate on X's own ``engagements`` where X gave it (stated basis otherwise);
* video retention: the quartile counts of each video and the drop-off between marks;
* daily figures from the per-post time series (``/2/tweets/analytics`` first, then the
  Engagement API's hourly history) when the store has them, naming the source used.

Pure: rows in, a model out. A figure that cannot be computed is ``None``, never 0; a post
whose private metrics were never read counts in no private figure (and the number of such
posts is reported).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

SPLIT = ("impressions", "likes", "reposts", "replies", "url_link_clicks", "user_profile_clicks")
MARKS = (0, 25, 50, 75, 100)
SERIES_SOURCES = ("/2/tweets/analytics", "engagement-api")
CADENCE = {"hour": "hourly", "day": "daily"}  # for prose; not "dayly"


class _M(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SplitTotals(_M):
    """Sums over the posts whose split was read."""

    impressions: int = Field(ge=0)
    likes: int = Field(ge=0)
    reposts: int = Field(ge=0)
    replies: int = Field(ge=0)
    url_link_clicks: int = Field(ge=0)
    user_profile_clicks: int = Field(ge=0)


class OrganicPromoted(_M):
    """What was earned organically and what was paid for, apart."""

    posts: int = Field(ge=0, description="Posts whose organic metrics were read.")
    promoted_posts: int = Field(ge=0, description="Of those, posts with promoted metrics.")
    organic: SplitTotals
    promoted: SplitTotals
    promoted_share_pct: float | None = Field(
        description="promoted impressions / (organic + promoted impressions) × 100."
    )


class Clicks(_M):
    """Link and profile clicks (X's non-public metrics, own posts under 30 days)."""

    posts: int = Field(ge=0, description="Posts whose clicks were read.")
    impressions: int = Field(ge=0, description="Impressions of those posts.")
    url_link_clicks: int = Field(ge=0)
    user_profile_clicks: int = Field(ge=0)
    link_click_rate: float | None = Field(description="url_link_clicks / impressions × 100.")
    profile_click_rate: float | None = Field(description="user_profile_clicks / impressions × 100.")


class EngagementBasis(_M):
    """The engagement rate and what it was computed on."""

    basis: Literal["x_engagements", "interactions"]
    formula: str
    posts: int = Field(ge=0)
    rate: float | None


class QuartilePoint(_M):
    mark: int = Field(description="0, 25, 50, 75 or 100: percent of the video played.")
    count: int = Field(ge=0)
    pct_of_starts: float | None = Field(description="count / playback_0 count × 100.")
    drop_pct: float | None = Field(description="Viewers lost since the previous mark, in %.")


class VideoRetention(_M):
    post_id: str
    media_key: str
    views: int | None = Field(description="X's view_count, when read.")
    points: list[QuartilePoint]


class SeriesDay(_M):
    date: date
    impressions: int | None
    engagements: int | None
    url_clicks: int | None
    user_profile_clicks: int | None


class DailySeries(_M):
    source: str = Field(description="/2/tweets/analytics or engagement-api.")
    granularity: Literal["hour", "day"]
    posts: int = Field(ge=0, description="Posts with buckets in the period.")
    days: list[SeriesDay]


class MetricsDetail(_M):
    """Private, organic/promoted, click and video metrics, and the time series."""

    organic_promoted: OrganicPromoted | None
    clicks: Clicks | None
    engagement: EngagementBasis
    video_retention: list[VideoRetention]
    daily_source: str = Field(
        description="Where daily figures come from: a series source, or 'posts' (by the day "
        "posts were created, from their latest metrics)."
    )
    daily_series: DailySeries | None
    refusals: int = Field(ge=0, description="Times X refused private fields in the period.")
    notes: list[str]


# -- inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DetailPost:
    """One own post with its latest value of each metric (None: never read)."""

    id: str
    impressions: int | None = None
    interactions: int = 0  # likes + reposts + replies + quotes
    x_engagements: int | None = None
    url_link_clicks: int | None = None
    user_profile_clicks: int | None = None
    organic: dict[str, int | None] = field(default_factory=dict)
    promoted: dict[str, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class MediaCounts:
    post_id: str
    media_key: str
    view_count: int | None
    playback: dict[int, int | None]  # mark -> count


@dataclass(frozen=True)
class SeriesBucket:
    post_id: str
    source: str
    granularity: str
    start: datetime
    metrics: dict[str, int | None]


@dataclass(frozen=True)
class DetailInputs:
    posts: Sequence[DetailPost]
    media: Sequence[MediaCounts] = ()
    buckets: Sequence[SeriesBucket] = ()
    refusals: int = 0


# -- building -----------------------------------------------------------------------------


def _pct(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 4) if whole > 0 else None


def _sum(values: Sequence[dict[str, int | None]]) -> SplitTotals:
    return SplitTotals(**{m: sum(v.get(m) or 0 for v in values) for m in SPLIT})


def _organic_promoted(posts: Sequence[DetailPost]) -> OrganicPromoted | None:
    split = [p for p in posts if p.organic.get("impressions") is not None]
    if not split:
        return None
    promoted = [p for p in split if p.promoted.get("impressions") is not None]
    organic_t = _sum([p.organic for p in split])
    promoted_t = _sum([p.promoted for p in promoted])
    both = organic_t.impressions + promoted_t.impressions
    return OrganicPromoted(
        posts=len(split),
        promoted_posts=len(promoted),
        organic=organic_t,
        promoted=promoted_t,
        promoted_share_pct=_pct(promoted_t.impressions, both),
    )


def _clicks(posts: Sequence[DetailPost]) -> Clicks | None:
    read = [p for p in posts if p.url_link_clicks is not None or p.user_profile_clicks is not None]
    if not read:
        return None
    impressions = sum(p.impressions or 0 for p in read)
    links = sum(p.url_link_clicks or 0 for p in read)
    profiles = sum(p.user_profile_clicks or 0 for p in read)
    return Clicks(
        posts=len(read),
        impressions=impressions,
        url_link_clicks=links,
        user_profile_clicks=profiles,
        link_click_rate=_pct(links, impressions),
        profile_click_rate=_pct(profiles, impressions),
    )


def _engagement(posts: Sequence[DetailPost]) -> EngagementBasis:
    with_x = [p for p in posts if p.x_engagements is not None and p.impressions is not None]
    if with_x:
        return EngagementBasis(
            basis="x_engagements",
            formula="X's engagements / impressions × 100, over posts where X gave engagements",
            posts=len(with_x),
            rate=_pct(
                sum(p.x_engagements or 0 for p in with_x), sum(p.impressions or 0 for p in with_x)
            ),
        )
    return EngagementBasis(
        basis="interactions",
        formula="(likes + reposts + replies + quotes) / impressions × 100 (X's engagements "
        "count was not read)",
        posts=len(posts),
        rate=_pct(sum(p.interactions for p in posts), sum(p.impressions or 0 for p in posts)),
    )


def retention(media: MediaCounts) -> VideoRetention:
    """Quartile drop-off: each mark's share of starts and the loss since the mark before."""
    start = media.playback.get(0)
    points: list[QuartilePoint] = []
    before: int | None = None
    for mark in MARKS:
        count = media.playback.get(mark)
        if count is None:
            continue
        drop = None
        if before is not None and before > 0:
            drop = round((before - count) * 100 / before, 4)
        points.append(
            QuartilePoint(
                mark=mark,
                count=count,
                pct_of_starts=_pct(count, start) if start else None,
                drop_pct=drop,
            )
        )
        before = count
    return VideoRetention(
        post_id=media.post_id, media_key=media.media_key, views=media.view_count, points=points
    )


def _daily_series(
    buckets: Sequence[SeriesBucket], days: Sequence[date], zone: ZoneInfo
) -> DailySeries | None:
    """Daily sums from the best source present: /2/tweets/analytics, then engagement-api;
    hour buckets before day ones (an hour lands on its local date exactly)."""
    for source in SERIES_SOURCES:
        for granularity in ("hour", "day"):
            chosen = [b for b in buckets if b.source == source and b.granularity == granularity]
            if not chosen:
                continue
            acc: dict[date, dict[str, int | None]] = {d: {} for d in days}
            posts: set[str] = set()
            for b in chosen:
                # A day bucket is a UTC day: it is put on that date, not split across zones.
                day = b.start.astimezone(zone).date() if granularity == "hour" else b.start.date()
                if day not in acc:
                    continue
                posts.add(b.post_id)
                for name in ("impressions", "engagements", "url_clicks", "user_profile_clicks"):
                    value = b.metrics.get(name)
                    if value is not None:
                        acc[day][name] = (acc[day].get(name) or 0) + value
            if not posts:
                continue
            return DailySeries(
                source=source,
                granularity=granularity,
                posts=len(posts),
                days=[
                    SeriesDay(
                        date=d,
                        impressions=v.get("impressions"),
                        engagements=v.get("engagements"),
                        url_clicks=v.get("url_clicks"),
                        user_profile_clicks=v.get("user_profile_clicks"),
                    )
                    for d, v in acc.items()
                ],
            )
    return None


def build_detail(inputs: DetailInputs, days: Sequence[date], tz: str) -> MetricsDetail:
    """The detail section for the period's posts and local ``days``."""
    zone = ZoneInfo(tz)
    posts = list(inputs.posts)
    notes: list[str] = []
    unread = sum(
        1 for p in posts if p.url_link_clicks is None and p.organic.get("impressions") is None
    )
    if unread:
        notes.append(
            f"{unread} of {len(posts)} post(s) have no private metrics stored (read with a "
            "public token, or first read after X's 30-day window)."
        )
    series = _daily_series(inputs.buckets, days, zone)
    if series is not None:
        notes.append(
            f"Daily figures use the {series.source} {CADENCE[series.granularity]} series: what "
            "arrived each day, for every post with buckets, not only posts created that day."
        )
    if inputs.refusals:
        notes.append(
            f"X refused private fields {inputs.refusals} time(s) in the period; those reads "
            "were downgraded to what X allowed."
        )
    return MetricsDetail(
        organic_promoted=_organic_promoted(posts),
        clicks=_clicks(posts),
        engagement=_engagement(posts),
        video_retention=[retention(m) for m in inputs.media if m.playback.get(0) is not None],
        daily_source=series.source if series is not None else "posts",
        daily_series=series,
        refusals=inputs.refusals,
        notes=notes,
    )
