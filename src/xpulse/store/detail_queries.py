"""The reads of the report's detail section (private, organic/promoted, media, series), as
the store's own records (the report use case turns them into analytics inputs).

Each metric is its latest non-null value at or before the report instant: a post read
privately at day 29 and publicly at day 35 keeps its day-29 clicks and organic split.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from xpulse.store.schema import (
    SERIES_METRICS,
    media,
    media_observations,
    metric_refusals,
    metric_series,
    observations,
    posts,
)

CHUNK = 500
DETAIL_METRICS = (
    "impressions", "likes", "reposts", "replies", "quotes", "engagements",
    "url_link_clicks", "user_profile_clicks",
    *(f"{g}_{m}" for g in ("organic", "promoted") for m in (
        "impressions", "likes", "reposts", "replies", "url_link_clicks", "user_profile_clicks"
    )),
)  # fmt: skip
VIDEO_METRICS = ("view_count", *(f"playback_{m}_count" for m in (0, 25, 50, 75, 100)))
_VIDEO = ("video", "animated_gif")


@dataclass(frozen=True)
class LatestFigures:
    """A post's newest non-null value of each metric at the instant; None: never read."""

    post_id: str
    figures: dict[str, int | None]


@dataclass(frozen=True)
class VideoFigures:
    """The same for one video of a post."""

    post_id: str
    media_key: str
    figures: dict[str, int | None]


@dataclass(frozen=True)
class StoredBucket:
    post_id: str
    source: str
    granularity: str
    start: datetime
    metrics: dict[str, int | None]


@dataclass(frozen=True)
class DetailReads:
    posts: list[LatestFigures]  # own posts, of :data:`DETAIL_METRICS`
    videos: list[VideoFigures]  # their videos, of :data:`VIDEO_METRICS`
    buckets: list[StoredBucket]
    refusals: int  # private fields X refused in the period


def _latest(rows: list[dict[str, object]], names: tuple[str, ...]) -> dict[str, int | None]:
    out: dict[str, int | None] = dict.fromkeys(names)
    for row in rows:  # oldest first: later non-null values win
        for name in names:
            value = row.get(name)
            if isinstance(value, int):
                out[name] = value
    return out


def detail_reads(
    conn: Connection,
    account: str,
    *,
    start: datetime,
    end: datetime,
    as_of: datetime,
) -> DetailReads:
    """Own posts created in ``[start, end)`` with their private metrics and media; series
    buckets in ``[start, end)`` of any of the account's posts; refusals in the period."""
    post_ids = [
        str(pid)
        for pid, kind in conn.execute(
            select(posts.c.id, posts.c.content_type).where(
                posts.c.account == account, posts.c.created_at >= start, posts.c.created_at < end
            )
        )
        if kind != "retweet"
    ]
    obs: dict[str, list[dict[str, object]]] = defaultdict(list)
    mobs: dict[tuple[str, str], list[dict[str, object]]] = defaultdict(list)
    for i in range(0, len(post_ids), CHUNK):
        chunk = post_ids[i : i + CHUNK]
        stmt = (
            select(observations)
            .where(observations.c.post_id.in_(chunk), observations.c.observed_at <= as_of)
            .order_by(observations.c.post_id, observations.c.observed_at, observations.c.id)
        )
        for row in conn.execute(stmt).mappings():
            obs[row["post_id"]].append(dict(row))
        mstmt = (
            select(media_observations)
            .join(media, media.c.media_key == media_observations.c.media_key)
            .where(
                media_observations.c.post_id.in_(chunk),
                media_observations.c.observed_at <= as_of,
                media.c.type.in_(_VIDEO),
            )
            .order_by(media_observations.c.observed_at, media_observations.c.id)
        )
        for row in conn.execute(mstmt).mappings():
            mobs[(row["post_id"], row["media_key"])].append(dict(row))
    latest = [LatestFigures(pid, _latest(obs.get(pid, []), DETAIL_METRICS)) for pid in post_ids]
    videos = [
        VideoFigures(pid, key, _latest(rows, VIDEO_METRICS)) for (pid, key), rows in mobs.items()
    ]
    every = select(posts.c.id).where(posts.c.account == account).scalar_subquery()
    bstmt = (
        select(metric_series)
        .where(
            metric_series.c.post_id.in_(every),
            metric_series.c.bucket_start >= start,
            metric_series.c.bucket_start < end,
            metric_series.c.fetched_at <= as_of,
        )
        .order_by(metric_series.c.post_id, metric_series.c.bucket_start)
    )
    buckets = [
        StoredBucket(
            post_id=row["post_id"],
            source=row["source"],
            granularity=row["granularity"],
            start=row["bucket_start"],
            metrics={m: row[m] for m in SERIES_METRICS},
        )
        for row in conn.execute(bstmt).mappings()
    ]
    refused = conn.execute(
        select(func.count())
        .select_from(metric_refusals)
        .where(
            metric_refusals.c.account == account,
            metric_refusals.c.at >= start,
            metric_refusals.c.at < min(end, as_of),
        )
    ).scalar_one()
    return DetailReads(latest, videos, buckets, int(refused))
