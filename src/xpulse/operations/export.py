"""Export the store: posts with their latest metrics, or every observation; JSONL or CSV.

A post's metrics are, per metric, the newest value any read returned (a later read that did
not carry a metric never blanks it), as in the report. X's own engagements count is the
column ``x_engagements``, the name the report CSV gives the same figure; ``engagements``
there means likes + reposts + replies + quotes. Where ``xpulse backfill --source
tweets-analytics`` stored the ``/2/tweets/analytics`` series, its count fills
``x_engagements`` when it was read after the newest observation that carried one.

CSV cells go through :func:`xpulse.render.cells.csv_cell`, the guard the report's CSV uses:
text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
``'`` so it cannot run as a formula (OWASP's advice for CSV injection), and control and
bidi-override characters are dropped. Numbers are written as numbers.

Files are written with :func:`xpulse.fsutil.atomic_writer`: complete, or not at all.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any, Literal

from sqlalchemy import Connection, RowMapping

from xpulse.render.cells import csv_cell
from xpulse.store import metric_buckets, queries
from xpulse.store.schema import OBSERVATION_METRICS

Format = Literal["jsonl", "csv"]
# X's own count: one name for one figure in every file xpulse writes.
_RENAMED = {"engagements": "x_engagements"}
POST_METRIC_COLUMNS = tuple(_RENAMED.get(m, m) for m in OBSERVATION_METRICS)
POST_COLUMNS = (
    "id",
    "account",
    "created_at",
    "content_type",
    "text",
    "lang",
    "conversation_id",
    "replied_to_id",
    "quoted_id",
    "retweeted_id",
    "is_promoted",
    "url",
    "observed_at",
    *POST_METRIC_COLUMNS,
)
OBSERVATION_COLUMNS = (
    "account", "post_id", "observed_at", "source", "provenance", *OBSERVATION_METRICS,
)  # fmt: skip
# Whole numbers in a typed (xlsx) export, under both names a count goes by: a post's
# columns say x_engagements where an observation's say engagements.
COUNT_COLUMNS = frozenset((*OBSERVATION_METRICS, *POST_METRIC_COLUMNS))
BATCH = 1000


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value


def post_records(conn: Connection, account: str | None) -> Iterator[dict[str, Any]]:
    """Each stored post with its latest observation's metrics (None: never observed)."""
    batch: list[RowMapping] = []
    for row in queries.iter_posts(conn, account):
        batch.append(row)
        if len(batch) >= BATCH:
            yield from _with_latest(conn, batch)
            batch = []
    yield from _with_latest(conn, batch)


def _with_latest(conn: Connection, batch: list[RowMapping]) -> Iterator[dict[str, Any]]:
    if not batch:
        return
    reads: dict[str, list[RowMapping]] = {}
    ids = [r["id"] for r in batch]
    for row in queries.observation_series(conn, ids):
        reads.setdefault(row["post_id"], []).append(row)
    x_counts = metric_buckets.analytics_engagements(conn, ids)
    for post in batch:
        series = reads.get(post["id"], [])
        record: dict[str, Any] = {c: post[c] for c in POST_COLUMNS[:11]}
        record["url"] = f"https://x.com/i/status/{post['id']}"
        record["observed_at"] = series[-1]["observed_at"] if series else None
        for metric, column in zip(OBSERVATION_METRICS, POST_METRIC_COLUMNS, strict=True):
            values = [r[metric] for r in series if r[metric] is not None]
            record[column] = values[-1] if values else None  # oldest first: the newest
        analytics = x_counts.get(post["id"])
        if analytics is not None:
            read = [r["observed_at"] for r in series if r["engagements"] is not None]
            if not read or analytics[0] > read[-1]:
                record["x_engagements"] = analytics[1]
        yield record


def observation_records(conn: Connection, account: str | None) -> Iterator[dict[str, Any]]:
    for row in queries.iter_observations(conn, account):
        yield {c: row[c] for c in OBSERVATION_COLUMNS}


def write_records(
    records: Iterable[dict[str, Any]], columns: tuple[str, ...], fmt: Format, out: IO[str]
) -> int:
    count = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(columns)
        for r in records:
            writer.writerow([csv_cell(_plain(r[c])) for c in columns])
            count += 1
    else:
        for r in records:
            out.write(json.dumps({c: _plain(r[c]) for c in columns}, ensure_ascii=False) + "\n")
            count += 1
    return count


def export(
    conn: Connection,
    fmt: Format,
    out: IO[str],
    *,
    observations: bool = False,
    account: str | None = None,
) -> int:
    """Write the export to ``out``; returns the number of records."""
    if observations:
        return write_records(observation_records(conn, account), OBSERVATION_COLUMNS, fmt, out)
    return write_records(post_records(conn, account), POST_COLUMNS, fmt, out)
