"""Export the store: posts with their latest metrics, or every observation; JSONL or CSV.

CSV cells are safe to open in a spreadsheet: text starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return gets a leading ``'`` so it cannot run as a formula (OWASP's
advice for CSV injection). Numbers are written as numbers.

Files are written atomically: a temp file in the same folder, fsynced, then renamed over
the target; on any error the temp file is removed and the target is untouched.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Literal

from sqlalchemy import Connection, RowMapping

from xpulse.store import queries
from xpulse.store.schema import OBSERVATION_METRICS

Format = Literal["jsonl", "csv"]
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
    *OBSERVATION_METRICS,
)
OBSERVATION_COLUMNS = ("account", "post_id", "observed_at", "source", *OBSERVATION_METRICS)
_RISKY = ("=", "+", "-", "@", "\t", "\r")
BATCH = 1000


def safe_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as text, never evaluates."""
    if isinstance(value, str) and value.startswith(_RISKY):
        return "'" + value
    return value


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
    latest = queries.latest_observations(conn, [r["id"] for r in batch])
    for post in batch:
        obs = latest.get(post["id"])
        record: dict[str, Any] = {c: post[c] for c in POST_COLUMNS[:11]}
        record["url"] = f"https://x.com/i/status/{post['id']}"
        record["observed_at"] = obs["observed_at"] if obs else None
        for m in OBSERVATION_METRICS:
            record[m] = obs[m] if obs else None
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
            writer.writerow([safe_cell(_plain(r[c])) for c in columns])
            count += 1
    else:
        for r in records:
            out.write(json.dumps({c: _plain(r[c]) for c in columns}, ensure_ascii=False) + "\n")
            count += 1
    return count


@contextmanager
def atomic_text(path: Path) -> Iterator[IO[str]]:
    """A text file that appears at ``path`` complete, or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
