"""The reads a report needs, as the store's own records (the report use case turns them
into analytics inputs: :mod:`xpulse.operations.report_inputs`).

One account's report reads its posts created in the report's fetch window (the previous
period and the look-back), every observation of them up to the report instant, and the API
usage recorded while the period ran. A post's metrics are, per metric, the newest non-null
value observed at or before the report instant: a read that did not return a metric (NULL)
never turns an earlier count into 0. X's own ``engagements`` count also comes from the
``/2/tweets/analytics`` series where ``xpulse backfill`` stored it, when that was read after
the newest observation that carried the count.

The portfolio (every account at once) reads only the period and the one before it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Connection, RowMapping, exists, func, literal, or_, select

from xpulse.store.metric_buckets import analytics_engagements
from xpulse.store.schema import (
    accounts,
    api_calls,
    billed_reads,
    checkpoints,
    observations,
    posts,
)

CHUNK = 500  # ids per IN (...) list
METRICS = ("impressions", "likes", "reposts", "replies", "quotes", "bookmarks", "engagements")
_POST_COLUMNS = (
    posts.c.id,
    posts.c.account,
    posts.c.text,
    posts.c.created_at,
    posts.c.content_type,
)


@dataclass(frozen=True)
class StoredAccount:
    name: str
    username: str
    user_id: str | None


@dataclass(frozen=True)
class PostFigures:
    """A post with the newest non-null value of each of :data:`METRICS` at the instant
    (a metric never read is absent) and when it was last read (None: never)."""

    id: str
    account: str
    text: str
    created_at: datetime
    content_type: str
    figures: dict[str, int]
    observed_at: datetime | None


@dataclass(frozen=True)
class Reading:
    """One observation of a post: each of :data:`METRICS` as that read returned it (None:
    not returned)."""

    post_id: str
    observed_at: datetime
    figures: dict[str, int | None]


@dataclass(frozen=True)
class PostsRead:
    """An account's posts at the instant, with every observation of them up to it."""

    posts: list[PostFigures]
    readings: list[Reading]


@dataclass(frozen=True)
class EndpointUsage:
    endpoint: str
    calls: int
    reads: int  # billable
    micros: int


def stored_accounts(conn: Connection) -> dict[str, StoredAccount]:
    """Every account the store knows, by configured name."""
    rows = conn.execute(select(accounts.c.name, accounts.c.username, accounts.c.user_id))
    return {name: StoredAccount(name, username, uid) for name, username, uid in rows}


def collected_accounts(conn: Connection) -> set[str]:
    """Names of the accounts something was collected for: a post stored, or a timeline
    page read (an account whose timeline is empty has a checkpoint and no post). An
    account row alone is not enough: ``collect`` writes it before its first read, which
    may fail (no sign-in yet).

    One EXISTS per account on indexed keys, not a scan of the posts.
    """
    has_post = exists().where(posts.c.account == accounts.c.name)
    has_page = exists().where(checkpoints.c.account == accounts.c.name)
    return set(conn.execute(select(accounts.c.name).where(or_(has_post, has_page))).scalars())


def has_posts(conn: Connection) -> bool:
    """Whether the store holds any post (False: nothing was ever collected).

    One row, not ``count(*)``: counting a million posts costs tens of ms on every report.
    """
    return conn.execute(select(posts.c.id).limit(1)).first() is not None


def _observations(
    conn: Connection, post_ids: Sequence[str], as_of: datetime
) -> dict[str, list[RowMapping]]:
    """Each post's observations at or before ``as_of``, oldest first."""
    cols = [observations.c.post_id, observations.c.observed_at, observations.c.id]
    cols += [observations.c[m] for m in METRICS]
    out: dict[str, list[RowMapping]] = defaultdict(list)
    for i in range(0, len(post_ids), CHUNK):
        stmt = (
            select(*cols)
            .where(
                observations.c.post_id.in_(post_ids[i : i + CHUNK]),
                observations.c.observed_at <= as_of,
            )
            .order_by(observations.c.post_id, observations.c.observed_at, observations.c.id)
        )
        for row in conn.execute(stmt).mappings():
            out[row["post_id"]].append(row)
    return out


def _post_figures(
    post: RowMapping, series: list[RowMapping], analytics: tuple[datetime, int] | None = None
) -> PostFigures:
    latest: dict[str, int] = {}
    engagements_at: datetime | None = None
    for obs in series:  # oldest first: later non-null values win
        for metric in METRICS:
            value = obs[metric]
            if value is not None:
                latest[metric] = int(value)
        if obs["engagements"] is not None:
            engagements_at = obs["observed_at"]
    if analytics is not None and (engagements_at is None or analytics[0] > engagements_at):
        latest["engagements"] = analytics[1]  # read after the newest observation that had it
    return PostFigures(
        id=post["id"],
        account=post["account"],
        text=post["text"],
        created_at=post["created_at"],
        content_type=post["content_type"],
        figures=latest,
        observed_at=series[-1]["observed_at"] if series else None,
    )


def _posts(
    conn: Connection, names: Iterable[str], start: datetime, end: datetime
) -> list[RowMapping]:
    stmt = (
        select(*_POST_COLUMNS)
        .where(
            posts.c.account.in_(list(names)),
            posts.c.created_at >= start,
            posts.c.created_at < end,
        )
        .order_by(posts.c.account, posts.c.created_at, posts.c.id)
    )
    return list(conn.execute(stmt).mappings())


def endpoint_usage(
    conn: Connection, account: str, start: datetime, end: datetime
) -> list[EndpointUsage]:
    """API usage for ``account`` in ``[start, end)``, per endpoint."""
    c = api_calls.c
    stmt = (
        select(
            c.endpoint,
            func.count(),
            func.coalesce(func.sum(c.billable_reads), 0),
            func.coalesce(func.sum(c.cost_micros), 0),
        )
        .where(c.account == account, c.at >= start, c.at < end)
        .group_by(c.endpoint)
        .order_by(c.endpoint)
    )
    return [EndpointUsage(e, int(n), int(r), int(m)) for e, n, r, m in conn.execute(stmt)]


def period_data_cost(
    conn: Connection, account: str, start: datetime, end: datetime, as_of: datetime
) -> tuple[int, int]:
    """(billed reads, micros) of ``account``'s posts created in ``[start, end)``, read at any
    time up to ``as_of``: what the period's data cost to collect (X bills per post, so the
    bill of each post read is known, not only of each call)."""
    b = billed_reads.c
    stmt = (
        select(func.count(), func.coalesce(func.sum(b.cost_micros), 0))
        .select_from(billed_reads.join(posts, b.resource == literal("post:") + posts.c.id))
        .where(
            posts.c.account == account,
            posts.c.created_at >= start,
            posts.c.created_at < end,
            b.day <= as_of.date().isoformat(),
        )
    )
    reads, micros = conn.execute(stmt).one()
    return int(reads), int(micros)


def account_posts(
    conn: Connection, account: str, start: datetime, end: datetime, as_of: datetime
) -> PostsRead:
    """``account``'s posts created in ``[start, min(as_of, end))`` with their figures at the
    instant ``as_of``, and every observation of them up to it."""
    rows = _posts(conn, [account], start, min(as_of, end))
    ids = [r["id"] for r in rows]
    series = _observations(conn, ids, as_of)
    x_counts = analytics_engagements(conn, ids, as_of)
    readings = [
        Reading(o["post_id"], o["observed_at"], {m: o[m] for m in METRICS})
        for pid in series
        for o in series[pid]
    ]
    return PostsRead(
        [_post_figures(r, series.get(r["id"], []), x_counts.get(r["id"])) for r in rows],
        readings,
    )


def history_start(conn: Connection, account: str) -> datetime | None:
    """When the oldest post collected for ``account`` was created (an index range scan)."""
    stmt = select(func.min(posts.c.created_at)).where(posts.c.account == account)
    value = conn.execute(stmt).scalar()
    return cast(datetime | None, value)


def posts_as_of(
    conn: Connection, names: Sequence[str], start: datetime, end: datetime, as_of: datetime
) -> dict[str, list[PostFigures]]:
    """Posts with their figures at ``as_of`` for many accounts at once, by account name."""
    rows = _posts(conn, names, start, min(as_of, end))
    ids = [r["id"] for r in rows]
    series = _observations(conn, ids, as_of)
    x_counts = analytics_engagements(conn, ids, as_of)
    out: dict[str, list[PostFigures]] = {name: [] for name in names}
    for row in rows:
        out[row["account"]].append(
            _post_figures(row, series.get(row["id"], []), x_counts.get(row["id"]))
        )
    return out
