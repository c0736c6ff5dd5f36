"""``/2/tweets/analytics`` buckets into the store as a per-post time series.

Ids go 100 a request; each answer is stored in its own transaction, so a run that dies
keeps every batch it finished. Buckets are upserted (a bucket still filling is replaced by
its later read). The answer's partial errors (a deleted post, someone else's post) are
returned beside the count, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from xpulse.api.transport import Transport
from xpulse.api.tweets_analytics import (
    ANALYTICS,
    METRIC_FIELDS,
    Bucket,
    Granularity,
    get_tweet_analytics,
)
from xpulse.clock import Clock, utc_now
from xpulse.store import metric_buckets
from xpulse.store.schema import SERIES_METRICS

assert ANALYTICS.id_batch is not None  # the endpoint takes a list of ids
BATCH: int = ANALYTICS.id_batch  # ids a request: the endpoint table's limit, not a copy
# analytics field -> series column (the same names; listed so a new X field is a choice)
_COLUMNS = {name: name for name in SERIES_METRICS}


@dataclass
class SeriesResult:
    requests: int = 0
    buckets: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def bucket_row(bucket: Bucket, fetched_at: datetime) -> dict[str, Any]:
    row: dict[str, Any] = {
        "post_id": bucket.post_id,
        "granularity": metric_buckets.GRANULARITY[bucket.granularity],
        "bucket_start": bucket.at,
        "source": metric_buckets.SOURCE_ANALYTICS,
        "fetched_at": fetched_at,
    }
    for name, value in bucket.metrics.items():
        column = _COLUMNS.get(name)
        if column is not None:
            row[column] = value
    return row


def collect_series(
    engine: Engine,
    transport: Transport,
    post_ids: Sequence[str],
    start: datetime,
    end: datetime,
    granularity: Granularity = "daily",
    fields: Iterable[str] = METRIC_FIELDS,
    clock: Clock = utc_now,
) -> SeriesResult:
    """Read and store the series of ``post_ids`` over ``[start, end)``."""
    wanted = tuple(fields)
    ids = list(dict.fromkeys(post_ids))
    result = SeriesResult()
    for i in range(0, len(ids), BATCH):
        page = get_tweet_analytics(transport, ids[i : i + BATCH], start, end, granularity, wanted)
        now = clock()
        with engine.begin() as conn:
            metric_buckets.upsert_buckets(conn, [bucket_row(b, now) for b in page.buckets])
        result.requests += 1
        result.buckets += len(page.buckets)
        result.errors.extend(page.errors)
    return result
