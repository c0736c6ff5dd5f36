"""Per-post metric time series and the record of metrics X refused (tables in
:mod:`xpulse.store.schema`).

``metric_series``: one row per (post, granularity, bucket start, source). The sources are
``/2/tweets/analytics`` buckets (hour/day/week/total) and the Engagement API's hourly
history. A bucket is upserted, not appended: a re-read of a bucket that was still filling
replaces it, and one read never lowers a metric another read of that bucket set (columns
the new read did not carry are left as they were). Metric columns use the analytics names;
the Engagement API's are mapped (favorites -> likes, user_follows -> follows).

``metric_refusals``: each time X refused private fields and xpulse downgraded (not the
owner, older than 30 days, app-only token, field-authorization error): which post, which
fields, why. Reports and ``xpulse`` users can see why a private metric is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, select
from sqlalchemy.dialects import postgresql, sqlite

from xpulse.store.schema import SERIES_METRICS, metric_refusals, metric_series

# Engagement API type -> series column.
ENGAGEMENT_NAMES = {"favorites": "likes", "user_follows": "follows"}
GRANULARITY = {"hourly": "hour", "daily": "day", "weekly": "week", "total": "total"}

SOURCE_ANALYTICS = "/2/tweets/analytics"
SOURCE_ENGAGEMENT = "engagement-api"

_KEYS = ("post_id", "granularity", "bucket_start", "source")


def upsert_buckets(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Insert or update buckets; only the metric columns a row carries are written."""
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        unknown = set(row) - {*_KEYS, "fetched_at", *SERIES_METRICS}
        if unknown:
            raise ValueError(f"not series columns: {sorted(unknown)}")
        by_shape.setdefault(tuple(sorted(row)), []).append(row)
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    for shape, group in by_shape.items():
        stmt = dialect.insert(metric_series)
        update = {c: stmt.excluded[c] for c in shape if c not in _KEYS}
        conn.execute(stmt.on_conflict_do_update(index_elements=list(_KEYS), set_=update), group)
    return len(rows)


def series_for(
    conn: Connection,
    post_ids: Sequence[str],
    start: datetime,
    end: datetime,
    granularities: Iterable[str] = ("hour", "day"),
) -> list[RowMapping]:
    """Buckets of these posts starting in ``[start, end)``, by post, time and source."""
    out: list[RowMapping] = []
    ids = list(post_ids)
    for i in range(0, len(ids), 500):
        stmt = (
            select(metric_series)
            .where(
                metric_series.c.post_id.in_(ids[i : i + 500]),
                metric_series.c.bucket_start >= start,
                metric_series.c.bucket_start < end,
                metric_series.c.granularity.in_(list(granularities)),
            )
            .order_by(metric_series.c.post_id, metric_series.c.bucket_start, metric_series.c.source)
        )
        out.extend(conn.execute(stmt).mappings())
    return out


def record_refusals(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(metric_refusals.insert(), list(rows))


def refusals(conn: Connection, account: str) -> list[RowMapping]:
    stmt = (
        select(metric_refusals)
        .where(metric_refusals.c.account == account)
        .order_by(metric_refusals.c.at, metric_refusals.c.id)
    )
    return list(conn.execute(stmt).mappings())


# A post's lifetime count from its buckets: the lifetime bucket itself, or the sum of one
# granularity's buckets (backfill reads from before the post existed to its read time, so
# they cover its whole life). Never a sum across granularities: that would count twice.
_LIFETIME_ORDER = {"total": 0, "day": 1, "week": 2, "hour": 3}


def analytics_engagements(
    conn: Connection, post_ids: Sequence[str], as_of: datetime | None = None
) -> dict[str, tuple[datetime, int]]:
    """X's ``engagements`` count of each post from its ``/2/tweets/analytics`` buckets, with
    the instant it was read: the granularity read most recently (the lifetime bucket on a
    tie), only reads made at or before ``as_of`` when given. Posts without any: absent."""
    c = metric_series.c
    # (post, granularity) -> (newest read, sum of engagements, any non-NULL)
    seen: dict[tuple[str, str], tuple[datetime, int, bool]] = {}
    ids = list(post_ids)
    for i in range(0, len(ids), 500):
        stmt = select(c.post_id, c.granularity, c.fetched_at, c.engagements).where(
            c.post_id.in_(ids[i : i + 500]), c.source == SOURCE_ANALYTICS
        )
        if as_of is not None:
            stmt = stmt.where(c.fetched_at <= as_of)
        for post_id, granularity, fetched_at, value in conn.execute(stmt):
            at, total, known = seen.get((post_id, granularity), (fetched_at, 0, False))
            seen[(post_id, granularity)] = (
                max(at, fetched_at),
                total + int(value or 0),
                known or value is not None,
            )
    out: dict[str, tuple[datetime, int]] = {}
    for (post_id, _), (at, total, known) in sorted(
        seen.items(), key=lambda kv: _LIFETIME_ORDER.get(kv[0][1], len(_LIFETIME_ORDER))
    ):
        if known and (post_id not in out or at > out[post_id][0]):
            out[post_id] = (at, total)
    return out
