"""The queries the rest of xpulse runs against the store (SQLAlchemy Core, both dialects).

For reports (at 1,000,000 posts / 10,000,000 observations):

- :func:`posts_in_period` ``(conn, account, start, end)``: one account's posts created in
  ``[start, end)``, oldest first; a range scan of ``ix_posts_account_created``.
- :func:`latest_observations` ``(conn, post_ids)``: ``{post_id: row}`` with each post's most
  recent observation (ties on ``observed_at`` broken by the later insert); one descent of
  ``ix_obs_post_observed`` per id, in chunks of 500 ids.
- :func:`observation_series` ``(conn, post_ids)``: every observation of those posts, in time
  order per post (lifecycle curves).

Writers (the collector) use the upsert/append functions inside one transaction per page.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Connection,
    Insert,
    RowMapping,
    Select,
    Table,
    Update,
    and_,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from xpulse.store.schema import (
    MEDIA_METRICS,
    OBSERVATION_METRICS,
    accounts,
    api_calls,
    billed_reads,
    checkpoints,
    media,
    media_observations,
    observations,
    posts,
)

CHUNK = 500  # ids per IN (...) list: well under SQLite's 32,766 bound variables


def _chunks(items: Sequence[str], size: int = CHUNK) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _upsert(conn: Connection, table: Table, rows: list[dict[str, Any]], keys: list[str]) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE every other column, on either dialect."""
    if not rows:
        return
    stmt = _upsert_stmt(conn.dialect.name, table, tuple(rows[0]), tuple(keys))
    conn.execute(stmt, rows)


@lru_cache(maxsize=64)
def _upsert_stmt(
    dialect_name: str, table: Table, columns: tuple[str, ...], keys: tuple[str, ...]
) -> Any:
    # Built once per shape: constructing the statement costs more than running it.
    dialect = sqlite if dialect_name == "sqlite" else postgresql
    stmt = dialect.insert(table)
    update = {c: stmt.excluded[c] for c in columns if c not in keys}
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=update)


def _insert_ignore(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    conn.execute(dialect.insert(table).on_conflict_do_nothing(), rows)


# -- accounts ---------------------------------------------------------------------------


def ensure_account(conn: Connection, name: str, username: str, now: datetime) -> RowMapping:
    """The account's row, created (or its username updated) as configured."""
    row = conn.execute(_account_statement(), {"name": name}).mappings().first()
    stmt: Insert | Update
    if row is None:
        stmt = accounts.insert().values(
            name=name, username=username, needs_sign_in=False, created_at=now, updated_at=now
        )
    elif row["username"].lower() != username.lower():
        # A different handle: the cached user id belonged to the old one.
        stmt = (
            accounts.update()
            .where(accounts.c.name == name)
            .values(username=username, user_id=None, updated_at=now)
        )
    else:
        return row
    return conn.execute(stmt.returning(*accounts.c)).mappings().one()


@lru_cache(maxsize=1)
def _account_statement() -> Select[Any]:
    return select(accounts).where(accounts.c.name == bindparam("name"))


def set_user_id(conn: Connection, name: str, user_id: str, now: datetime) -> None:
    conn.execute(
        accounts.update().where(accounts.c.name == name).values(user_id=user_id, updated_at=now)
    )


def cached_user_ids(conn: Connection, names: Sequence[str] | None = None) -> dict[str, str]:
    """Account name -> the X user id a collect looked up and cached (of ``names`` only,
    when given: a job of one account need not read every account's)."""
    stmt = select(accounts.c.name, accounts.c.user_id).where(accounts.c.user_id.isnot(None))
    if names is not None:
        stmt = stmt.where(accounts.c.name.in_(list(names)))
    return {str(name): str(uid) for name, uid in conn.execute(stmt)}


def set_needs_sign_in(conn: Connection, name: str, flag: bool, now: datetime) -> None:
    conn.execute(
        accounts.update().where(accounts.c.name == name).values(needs_sign_in=flag, updated_at=now)
    )


# -- posts, media, observations ----------------------------------------------------------


def upsert_posts(conn: Connection, rows: list[dict[str, Any]]) -> int:
    """Insert or update posts; ``first_seen_at`` keeps its first value. Returns new ones."""
    if not rows:
        return 0
    ids = [r["id"] for r in rows]
    known: dict[str, datetime] = {}
    for chunk in _chunks(ids):
        stmt = select(posts.c.id, posts.c.first_seen_at).where(posts.c.id.in_(chunk))
        for post_id, first_seen in conn.execute(stmt):
            known[post_id] = first_seen
    for r in rows:
        if r["id"] in known:
            r["first_seen_at"] = known[r["id"]]
    _upsert(conn, posts, rows, ["id"])
    return sum(1 for r in rows if r["id"] not in known)


def mark_unavailable(conn: Connection, post_ids: Iterable[str], now: datetime) -> None:
    ids = list(post_ids)
    for chunk in _chunks(ids):
        conn.execute(posts.update().where(posts.c.id.in_(chunk)).values(unavailable_at=now))


def upsert_media(conn: Connection, rows: list[dict[str, Any]]) -> None:
    _upsert(conn, media, rows, ["media_key"])


def append_observations(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Append one row per post read; a metric missing from a row is stored as NULL."""
    if rows:
        blank = {**dict.fromkeys(OBSERVATION_METRICS), "provenance": "api", "import_id": None}
        conn.execute(observations.insert(), [{**blank, **r} for r in rows])


def append_media_observations(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        blank = dict.fromkeys(MEDIA_METRICS)
        conn.execute(media_observations.insert(), [{**blank, **r} for r in rows])


def available_posts_since(
    conn: Connection, account: str, since: datetime
) -> list[tuple[str, datetime, list[str]]]:
    """(id, created_at, media keys) of the account's posts created since ``since`` that X
    still serves, oldest first."""
    stmt = (
        select(posts.c.id, posts.c.created_at, posts.c.media_keys)
        .where(posts.c.account == account, posts.c.created_at >= since)
        .where(posts.c.unavailable_at.is_(None))
        .order_by(posts.c.created_at, posts.c.id)
    )
    return [(str(pid), at, [str(k) for k in keys or []]) for pid, at, keys in conn.execute(stmt)]


def video_keys(conn: Connection) -> set[str]:
    """Media keys of the stored videos (GIFs included: X plays them as video)."""
    stmt = select(media.c.media_key).where(media.c.type.in_(("video", "animated_gif")))
    return {str(key) for key in conn.execute(stmt).scalars()}


def posts_in_period(
    conn: Connection, account: str, start: datetime, end: datetime
) -> list[RowMapping]:
    """One account's posts created in ``[start, end)`` (aware datetimes), oldest first."""
    stmt = (
        select(posts)
        .where(posts.c.account == account, posts.c.created_at >= start, posts.c.created_at < end)
        .order_by(posts.c.created_at, posts.c.id)
    )
    return list(conn.execute(stmt).mappings())


def latest_observations(conn: Connection, post_ids: Sequence[str]) -> dict[str, RowMapping]:
    """Each post's most recent observation, by post id; posts never observed are absent."""
    out: dict[str, RowMapping] = {}
    for chunk in _chunks(list(post_ids)):
        ranked = (
            select(
                observations,
                func.row_number()
                .over(
                    partition_by=observations.c.post_id,
                    order_by=(observations.c.observed_at.desc(), observations.c.id.desc()),
                )
                .label("rank"),
            )
            .where(observations.c.post_id.in_(chunk))
            .subquery()
        )
        cols = [ranked.c[c.name] for c in observations.columns]
        for row in conn.execute(select(*cols).where(ranked.c.rank == 1)).mappings():
            out[row["post_id"]] = row
    return out


def observation_series(conn: Connection, post_ids: Sequence[str]) -> list[RowMapping]:
    """Every observation of these posts, ordered by post then time."""
    rows: list[RowMapping] = []
    for chunk in _chunks(list(post_ids)):
        stmt = (
            select(observations)
            .where(observations.c.post_id.in_(chunk))
            .order_by(observations.c.post_id, observations.c.observed_at, observations.c.id)
        )
        rows.extend(conn.execute(stmt).mappings())
    return rows


@dataclass(frozen=True)
class RefreshCandidate:
    post_id: str
    created_at: datetime
    last_observed_at: datetime | None


def refresh_candidates(
    conn: Connection, account: str, created_after: datetime
) -> list[RefreshCandidate]:
    """The account's available posts created after ``created_after``, with their last read."""
    rows = conn.execute(_refresh_statement(), {"account": account, "after": created_after})
    return [RefreshCandidate(i, c, o) for i, c, o in rows]


@lru_cache(maxsize=1)
def _refresh_statement() -> Select[str, datetime, datetime | None]:
    """Built once (a collect job runs it twice): the values are bound parameters."""
    account: BindParameter[str] = bindparam("account")
    after: BindParameter[datetime] = bindparam("after")
    # A subquery per post, not a join with a grouped read of the observations: it reads
    # each post's through the (post_id, observed_at) index whatever the planner knows of
    # the table, where the grouped read scanned every observation of a fresh database.
    last = (
        select(func.max(observations.c.observed_at))
        .where(
            observations.c.post_id == posts.c.id,
            observations.c.provenance == "api",  # an imported file is not a read
        )
        .scalar_subquery()
    )
    return (
        select(posts.c.id, posts.c.created_at, last)
        .where(
            posts.c.account == account,
            posts.c.created_at > after,
            posts.c.unavailable_at.is_(None),
        )
        .order_by(posts.c.created_at, posts.c.id)
    )


def newest_post_times(conn: Connection, account: str, since: datetime) -> list[datetime]:
    """Creation times of the account's posts since ``since`` (the planner's posting rate)."""
    stmt = select(posts.c.created_at).where(posts.c.account == account, posts.c.created_at >= since)
    return list(conn.execute(stmt).scalars())


def post_count_and_oldest(conn: Connection, account: str) -> tuple[int, datetime | None]:
    """How many posts of the account are stored and the oldest one's time (one statement)."""
    count, oldest = conn.execute(_count_statement(), {"account": account}).one()
    return int(count), oldest


@lru_cache(maxsize=1)
def _count_statement() -> Select[int, datetime | None]:
    mine = posts.c.account == bindparam("account")
    # not min(): the ordered row keeps the column's UTC type
    first = select(posts.c.created_at).where(mine).order_by(posts.c.created_at).limit(1)
    return select(func.count(), first.scalar_subquery()).select_from(posts).where(mine)


# -- billing and calls --------------------------------------------------------------------


def bill(conn: Connection, account: str, day: str, priced: Mapping[str, int]) -> tuple[int, int]:
    """Record the resources read on UTC ``day`` (``{"post:ID": micros}``); X bills each once a
    day, so only those not yet billed that day count. Returns (billable reads, micros).
    One statement: the insert that skips the day's billed ones says which it wrote."""
    if not priced:
        return 0, 0
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    stmt = dialect.insert(billed_reads).on_conflict_do_nothing().returning(billed_reads.c.resource)
    rows = [{"resource": k, "day": day, "account": account, "cost_micros": v}
            for k, v in priced.items()]  # fmt: skip
    fresh = set(conn.execute(stmt, rows).scalars())
    return len(fresh), sum(priced[k] for k in fresh)


def record_call(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(api_calls.insert(), [row])


def answered_since(
    conn: Connection, account: str, since: datetime, endpoints: Sequence[str]
) -> bool:
    """Whether a call of the account to one of ``endpoints`` was answered (200) since then."""
    params = {"account": account, "since": since, "endpoints": list(endpoints)}
    return conn.execute(_answered_statement(), params).first() is not None


@lru_cache(maxsize=1)
def _answered_statement() -> Select[int]:
    c = api_calls.c
    return (
        select(c.id)
        .where(
            c.account == bindparam("account"),
            c.at >= bindparam("since"),
            c.endpoint.in_(bindparam("endpoints", expanding=True)),
            c.status == 200,
        )
        .limit(1)
    )


@dataclass(frozen=True)
class CostLine:
    account: str
    endpoint: str
    calls: int
    reads: int
    billable_reads: int
    cost_micros: int


def cost_by_account_endpoint(conn: Connection, start: datetime, end: datetime) -> list[CostLine]:
    """Calls, reads and money in ``[start, end)`` per account and endpoint."""
    c = api_calls.c
    stmt = (
        select(
            c.account,
            c.endpoint,
            func.count(),
            func.coalesce(func.sum(c.reads), 0),
            func.coalesce(func.sum(c.billable_reads), 0),
            func.coalesce(func.sum(c.cost_micros), 0),
        )
        .where(and_(c.at >= start, c.at < end))
        .group_by(c.account, c.endpoint)
        .order_by(c.account, c.endpoint)
    )
    return [
        CostLine(a, e, int(n), int(r), int(b), int(m)) for a, e, n, r, b, m in conn.execute(stmt)
    ]


def spent_micros(conn: Connection, start: datetime, end: datetime) -> int:
    stmt = select(func.coalesce(func.sum(api_calls.c.cost_micros), 0)).where(
        api_calls.c.at >= start, api_calls.c.at < end
    )
    return int(conn.execute(stmt).scalar_one())


def reads_between(
    conn: Connection, start: datetime, end: datetime, *, excluding: Sequence[str] = ()
) -> int:
    """Resources the calls in ``[start, end)`` returned, but those of the ``excluding``
    endpoints."""
    c = api_calls.c
    stmt = select(func.coalesce(func.sum(c.reads), 0)).where(
        c.at >= start, c.at < end, c.endpoint.not_in(list(excluding))
    )
    return int(conn.execute(stmt).scalar_one())


def month_spend(
    conn: Connection, start: datetime, end: datetime, *, excluding: Sequence[str] = ()
) -> tuple[int, int]:
    """:func:`spent_micros` and :func:`reads_between` of ``[start, end)`` in one statement:
    (micros, reads but those of the ``excluding`` endpoints)."""
    params = {"start": start, "end": end, "excluding": list(excluding)}
    micros, reads = conn.execute(_month_statement(), params).one()
    return int(micros), int(reads)


@lru_cache(maxsize=1)
def _month_statement() -> Select[int, int]:
    c = api_calls.c
    counted = c.endpoint.not_in(bindparam("excluding", expanding=True))
    return select(
        func.coalesce(func.sum(c.cost_micros), 0),
        func.coalesce(func.sum(c.reads).filter(counted), 0),
    ).where(c.at >= bindparam("start"), c.at < bindparam("end"))


def answered_reads_between(
    conn: Connection, start: datetime, end: datetime, *, excluding: Sequence[str] = ()
) -> int:
    """As :func:`reads_between`, counting only the calls X answered with a 2xx."""
    c = api_calls.c
    stmt = select(func.coalesce(func.sum(c.reads), 0)).where(
        c.at >= start,
        c.at < end,
        c.endpoint.not_in(list(excluding)),
        c.status >= 200,
        c.status < 300,
    )
    return int(conn.execute(stmt).scalar_one())


def one_off_spend(conn: Connection, start: datetime, end: datetime) -> tuple[int, int]:
    """(micros, reads) of the one-off calls (``backfill``) in ``[start, end)``."""
    c = api_calls.c
    stmt = select(
        func.coalesce(func.sum(c.cost_micros), 0), func.coalesce(func.sum(c.reads), 0)
    ).where(c.at >= start, c.at < end, c.backfill.is_(True))
    micros, reads = conn.execute(stmt).one()
    return int(micros), int(reads)


def first_call_at(conn: Connection) -> datetime | None:
    """When the call log begins (None: no call yet)."""
    at: datetime | None = conn.execute(
        select(api_calls.c.at).order_by(api_calls.c.at).limit(1)
    ).scalar()
    return at


def call_logged(
    conn: Connection, account: str, endpoint: str, at: datetime, within: timedelta
) -> bool:
    """Whether the log holds a call of ``account`` to ``endpoint`` within ``within`` of
    ``at``."""
    c = api_calls.c
    stmt = select(func.count()).where(
        c.account == account, c.endpoint == endpoint, c.at >= at - within, c.at <= at + within
    )
    return bool(conn.execute(stmt).scalar_one())


def billed_on(conn: Connection, day: str, resources: Sequence[str]) -> set[str]:
    """Which of ``resources`` were billed on the UTC ``day`` (ISO)."""
    out: set[str] = set()
    for chunk in _chunks(resources):
        stmt = select(billed_reads.c.resource).where(
            billed_reads.c.day == day, billed_reads.c.resource.in_(chunk)
        )
        out.update(conn.execute(stmt).scalars())
    return out


@dataclass(frozen=True)
class PlanState:
    """What a collect plan reads of one account before any call (see :func:`plan_state`)."""

    user_id: str | None  # the X user id a collect cached (None: not yet)
    answered_today: bool  # a call to one of the given user endpoints answered since then
    since_id: str | None  # the timeline checkpoint (all None: no sweep yet)
    pagination_token: str | None
    checkpoint_at: datetime | None


def plan_state(
    conn: Connection, account: str, since: datetime, user_endpoints: Sequence[str]
) -> PlanState:
    """The X user id a collect cached for ``account``, :func:`answered_since` and the
    timeline checkpoint's position, in one statement."""
    params = {"account": account, "since": since, "endpoints": list(user_endpoints)}
    user_id, answered_today, since_id, token, at = conn.execute(_plan_statement(), params).one()
    return PlanState(
        None if user_id is None else str(user_id), bool(answered_today), since_id, token, at
    )


@lru_cache(maxsize=1)
def _plan_statement() -> Select[Any, bool, Any, Any, Any]:
    """Built once (every collect job plans): the values are bound parameters."""
    account: BindParameter[str] = bindparam("account")
    k = checkpoints.c
    cp = select(checkpoints).where(k.account == account, k.job == "timeline")
    c = api_calls.c
    answered = select(c.id).where(
        c.account == account,
        c.at >= bindparam("since"),
        c.endpoint.in_(bindparam("endpoints", expanding=True)),
        c.status == 200,
    )
    return select(
        select(accounts.c.user_id).where(accounts.c.name == account).scalar_subquery(),
        answered.exists(),
        cp.with_only_columns(k.since_id).scalar_subquery(),
        cp.with_only_columns(k.pagination_token).scalar_subquery(),
        cp.with_only_columns(k.updated_at).scalar_subquery(),
    )


# -- checkpoints --------------------------------------------------------------------------


def get_checkpoint(conn: Connection, account: str, job: str) -> RowMapping | None:
    params = {"account": account, "job": job}
    return conn.execute(_checkpoint_statement(), params).mappings().first()


@lru_cache(maxsize=1)
def _checkpoint_statement() -> Select[Any]:
    k = checkpoints.c
    return select(checkpoints).where(k.account == bindparam("account"), k.job == bindparam("job"))


def save_checkpoint(conn: Connection, account: str, job: str, **values: Any) -> None:
    _upsert(conn, checkpoints, [{"account": account, "job": job, **values}], ["account", "job"])


# -- export -------------------------------------------------------------------------------


def iter_posts(conn: Connection, account: str | None) -> Iterator[RowMapping]:
    stmt = select(posts).order_by(posts.c.account, posts.c.created_at, posts.c.id)
    if account is not None:
        stmt = stmt.where(posts.c.account == account)
    yield from conn.execute(stmt.execution_options(yield_per=1000)).mappings()


def iter_observations(conn: Connection, account: str | None) -> Iterator[RowMapping]:
    stmt = (
        select(posts.c.account, observations)
        .join(posts, posts.c.id == observations.c.post_id)
        .order_by(
            posts.c.account, observations.c.post_id, observations.c.observed_at, observations.c.id
        )
    )
    if account is not None:
        stmt = stmt.where(posts.c.account == account)
    yield from conn.execute(stmt.execution_options(yield_per=1000)).mappings()
