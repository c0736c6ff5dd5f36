"""The store's reads turned into analytics inputs (:mod:`xpulse.analytics.inputs`,
:mod:`xpulse.analytics.detail`): the one place where the store's records meet the report's
rows, so neither package knows the other.

A metric never read counts 0 in a post's public figures (``observed_at`` None says it was
never read) but stays None in the detail section; a content type this version does not
know is reported as plain text rather than dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Connection

from xpulse.analytics.detail import DetailInputs, DetailPost, MediaCounts, SeriesBucket
from xpulse.analytics.inputs import (
    CONTENT_TYPES,
    ContentType,
    CostRow,
    ObservationRow,
    PostRow,
    ReportInputs,
)
from xpulse.collect.pricing import MICRO
from xpulse.store.detail_queries import detail_reads
from xpulse.store.report_queries import (
    PostFigures,
    Reading,
    StoredAccount,
    account_posts,
    endpoint_usage,
    history_start,
    posts_as_of,
)

INTERACTIONS = ("likes", "reposts", "replies", "quotes")
SPLIT = ("impressions", "likes", "reposts", "replies", "url_link_clicks", "user_profile_clicks")
MARKS = (0, 25, 50, 75, 100)


def _content_type(value: str) -> ContentType:
    return cast(ContentType, value) if value in CONTENT_TYPES else "text"


def post_row(post: PostFigures) -> PostRow:
    f = post.figures
    return PostRow(
        id=post.id,
        account=post.account,
        created_at=post.created_at,
        text=post.text,
        content_type=_content_type(post.content_type),
        url=None,
        impressions=f.get("impressions", 0),
        likes=f.get("likes", 0),
        reposts=f.get("reposts", 0),
        replies=f.get("replies", 0),
        quotes=f.get("quotes", 0),
        bookmarks=f.get("bookmarks", 0),
        engagements=f.get("engagements"),
        observed_at=post.observed_at,
    )


def _interactions(reading: Reading) -> int | None:
    """likes + reposts + replies + quotes of one read; None when one was not read."""
    parts = [reading.figures[m] for m in INTERACTIONS]
    return None if any(v is None for v in parts) else sum(int(v or 0) for v in parts)


def cost_rows(conn: Connection, account: str, start: datetime, end: datetime) -> list[CostRow]:
    """API usage for ``account`` in ``[start, end)``, per endpoint (billable reads, USD)."""
    return [
        CostRow(endpoint=u.endpoint, calls=u.calls, reads=u.reads, usd=u.micros / MICRO)
        for u in endpoint_usage(conn, account, start, end)
    ]


def report_inputs(
    conn: Connection,
    account: StoredAccount,
    fetch_start: datetime,
    as_of: datetime,
    period_start: datetime,
    period_end: datetime,
) -> ReportInputs:
    """Everything analytics needs for one account's report, read at the instant ``as_of``."""
    read = account_posts(conn, account.name, fetch_start, period_end, as_of)
    return ReportInputs(
        account=account.name,
        posts=[post_row(p) for p in read.posts],
        observations=[
            ObservationRow(
                post_id=r.post_id,
                observed_at=r.observed_at,
                impressions=imp,
                interactions=_interactions(r),
            )
            for r in read.readings
            if (imp := r.figures["impressions"]) is not None
        ],
        cost=cost_rows(conn, account.name, period_start, period_end),
        username=account.username,
        user_id=account.user_id,
        history_start=history_start(conn, account.name),
    )


def portfolio_posts(
    conn: Connection, names: Sequence[str], start: datetime, end: datetime, as_of: datetime
) -> dict[str, list[PostRow]]:
    """Posts with their metrics at ``as_of`` for many accounts at once, by account name."""
    by_account = posts_as_of(conn, names, start, end, as_of)
    return {name: [post_row(p) for p in found] for name, found in by_account.items()}


def detail_inputs(
    conn: Connection, account: str, *, start: datetime, end: datetime, as_of: datetime
) -> DetailInputs:
    """Own posts created in ``[start, end)`` with their private metrics and media; series
    buckets in ``[start, end)`` of any of the account's posts; refusals in the period."""
    read = detail_reads(conn, account, start=start, end=end, as_of=as_of)
    posts = []
    for post in read.posts:
        v = post.figures
        posts.append(
            DetailPost(
                id=post.post_id,
                impressions=v["impressions"],
                interactions=sum(v[m] or 0 for m in INTERACTIONS),
                x_engagements=v["engagements"],
                url_link_clicks=v["url_link_clicks"],
                user_profile_clicks=v["user_profile_clicks"],
                organic={m: v[f"organic_{m}"] for m in SPLIT},
                promoted={m: v[f"promoted_{m}"] for m in SPLIT},
            )
        )
    media = [
        MediaCounts(
            video.post_id,
            video.media_key,
            video.figures["view_count"],
            {m: video.figures[f"playback_{m}_count"] for m in MARKS},
        )
        for video in read.videos
    ]
    buckets = [
        SeriesBucket(b.post_id, b.source, b.granularity, b.start, b.metrics) for b in read.buckets
    ]
    return DetailInputs(posts, media, buckets, read.refusals)
