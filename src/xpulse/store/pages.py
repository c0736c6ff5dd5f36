"""One page of X's answer into the store: posts, media, observations, the day's billing,
posts gone, the call log and the checkpoint, written in the caller's transaction (so a run
killed at any instant leaves either the whole page, with the checkpoint that says it was
stored, or none of it).

The collector hands over rows (:class:`PageRows`); the SQL is here. On PostgreSQL each
table's rows go in one statement, as one JSON array (``INSERT ... SELECT FROM
json_to_recordset(...)``): one round trip and one parameter however many rows, where
an ``executemany`` pays the driver and SQLAlchemy once per row. On SQLite (one process,
in-process calls) the plain statements of :mod:`xpulse.store.queries` do.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, DateTime, Table, TextClause, text
from sqlalchemy.engine import Dialect

from xpulse.store import queries
from xpulse.store.schema import (
    MEDIA_METRICS,
    OBSERVATION_METRICS,
    billed_reads,
    media,
    media_observations,
    observations,
    posts,
)

Row = dict[str, Any]


@dataclass(frozen=True)
class PageRows:
    account: str
    posts: list[Row]
    media: list[Row]
    observations: list[Row]
    media_observations: list[Row]
    priced: Mapping[str, int]  # {"post:ID": micros} X billed for this answer
    billing_day: str | None  # the UTC day the read is billed on; None: every read is billed
    gone: list[str]  # post ids X says are deleted or out of reach


@dataclass(frozen=True)
class Written:
    new_posts: int
    billable: int  # resources not billed yet that UTC day
    micros: int


def write_page(conn: Connection, page: PageRows, now: Any) -> Written:
    """Write the page's rows; returns the new posts and what the page costs."""
    pg = conn.dialect.name == "postgresql"
    new = (_upsert_posts_pg if pg else queries.upsert_posts)(conn, page.posts)
    if pg:
        _bulk(conn, media, page.media, conflict=("media_key",))
        _bulk(conn, observations, _filled(page.observations, _OBSERVATION_BLANK))
        _bulk(conn, media_observations, _filled(page.media_observations, _MEDIA_BLANK))
    else:
        queries.upsert_media(conn, page.media)
        queries.append_observations(conn, page.observations)
        queries.append_media_observations(conn, page.media_observations)
    if page.billing_day is None:
        billable, micros = len(page.priced), sum(page.priced.values())
    else:
        bill = _bill_pg if pg else queries.bill
        billable, micros = bill(conn, page.account, page.billing_day, page.priced)
    queries.mark_unavailable(conn, page.gone, now)
    return Written(new, billable, micros)


def record_calls(conn: Connection, rows: list[Row]) -> None:
    """The page's API calls (``api_calls`` rows), in the page's transaction."""
    for row in rows:
        queries.record_call(conn, row)


def save_checkpoint(conn: Connection, account: str, **values: Any) -> None:
    queries.save_checkpoint(conn, account, **values)


# -- PostgreSQL: a table's rows as one statement of one JSON array ------------------------

_OBSERVATION_BLANK: Row = {
    **dict.fromkeys(OBSERVATION_METRICS),
    "provenance": "api",
    "import_id": None,
}
_MEDIA_BLANK: Row = dict.fromkeys(MEDIA_METRICS)


def _filled(rows: list[Row], blank: Row) -> list[Row]:
    """Every column in every row, as the plain inserts write them (a missing metric NULL)."""
    return [{**blank, **r} for r in rows]


def _upsert_posts_pg(conn: Connection, rows: list[Row]) -> int:
    """As :func:`queries.upsert_posts`: ``first_seen_at`` keeps its first value; returns
    the new posts."""
    if not rows:
        return 0
    found = conn.execute(_KNOWN_POSTS, {"ids": [r["id"] for r in rows]})
    known: dict[str, Any] = {str(i): first for i, first in found}
    for r in rows:
        if r["id"] in known:
            r["first_seen_at"] = known[r["id"]]
    _bulk(conn, posts, rows, conflict=("id",))
    return sum(1 for r in rows if r["id"] not in known)


_KNOWN_POSTS = text("SELECT id, first_seen_at FROM posts WHERE id = ANY(CAST(:ids AS text[]))")


def _bill_pg(
    conn: Connection, account: str, day: str, priced: Mapping[str, int]
) -> tuple[int, int]:
    """As :func:`queries.bill`: each resource billed once a UTC day; the ones this page
    is the first to read that day are what it costs. The insert says which those are."""
    if not priced:
        return 0, 0
    rows = [{"resource": k, "day": day, "account": account, "cost_micros": v}
            for k, v in priced.items()]  # fmt: skip
    fresh = _bulk(conn, billed_reads, rows, conflict=(), returning="resource")
    return len(fresh), sum(priced[k] for k in fresh)


def _bulk(
    conn: Connection,
    table: Table,
    rows: Sequence[Row],
    conflict: tuple[str, ...] | None = None,
    returning: str | None = None,
) -> list[Any]:
    """INSERT the rows (each with the same columns) in one statement. ``conflict``: the
    key whose rows are updated in place (``()``: kept as they are); ``returning``: the
    column of the rows inserted, returned."""
    if not rows:
        return []
    columns = tuple(rows[0])
    stmt, convert = _statement(conn.dialect, table, columns, conflict, returning)
    if convert:  # copies: the caller's rows stay as they were
        copied = []
        for row in rows:
            out = dict(row)
            for column, write in convert:
                out[column] = write(out[column])
            copied.append(out)
        rows = copied
    result = conn.execute(stmt, {"rows": json.dumps(rows)})
    return list(result.scalars()) if returning else []


Convert = Callable[[Any], Any]


@lru_cache(maxsize=64)
def _statement(
    dialect: Dialect,
    table: Table,
    columns: tuple[str, ...],
    conflict: tuple[str, ...] | None,
    returning: str | None,
) -> tuple[TextClause, list[tuple[str, Convert]]]:
    """The statement for one shape of rows: the rows travel as one JSON array, read back
    into typed columns by ``json_to_recordset`` (one parameter, serialised by the json
    module's C encoder); with the conversions some columns need first: times to UTC ISO
    text as the column type writes them, JSON columns as their JSON text (so that None is
    JSON null, as SQLAlchemy's JSON type writes it, not SQL NULL)."""
    defs, selected = [], []
    convert: list[tuple[str, Convert]] = []
    for name in columns:
        col = table.c[name]
        kind = col.type.compile(dialect=dialect)
        if kind in ("JSON", "JSONB"):
            defs.append(f'"{name}" TEXT')
            selected.append(f'CAST(x."{name}" AS {kind})')
            convert.append((name, json.dumps))
            continue
        defs.append(f'"{name}" {kind}')
        selected.append(f'x."{name}"')
        process = col.type.bind_processor(dialect)
        if isinstance(getattr(col.type, "impl", col.type), DateTime):
            convert.append((name, _iso(process)))
        elif process is not None:
            convert.append((name, process))
    # Every name comes from the schema's Table (a row's unknown key fails at table.c
    # above); the values travel as one bound parameter.
    names = ", ".join(f'"{c}"' for c in columns)
    sql = (
        f"INSERT INTO {table.name} ({names}) SELECT {', '.join(selected)} "  # noqa: S608
        f"FROM json_to_recordset(CAST(:rows AS json)) AS x({', '.join(defs)})"
    )
    if conflict is not None:
        keys = ", ".join(conflict) if conflict else ", ".join(c.name for c in table.primary_key)
        update = [f'"{c}" = EXCLUDED."{c}"' for c in columns if c not in conflict]
        action = f"DO UPDATE SET {', '.join(update)}" if conflict and update else "DO NOTHING"
        sql += f" ON CONFLICT ({keys}) {action}"
    if returning is not None:
        sql += f" RETURNING {returning}"
    return text(sql), convert


def _iso(process: Convert | None) -> Convert:
    def iso(value: Any) -> Any:
        value = process(value) if process is not None else value
        return None if value is None else value.isoformat()

    return iso
