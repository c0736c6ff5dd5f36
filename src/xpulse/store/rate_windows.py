"""X's rate-limit windows shared by the workers (``xpulse_rate_windows``, PostgreSQL only).

A token's 15-minute windows are X's, per token and endpoint, whichever process spends
them: the next job of an account on another worker, and every job of the app bearer token
at once, use the same windows. Each answer that carried the headers is written here (one
upsert), and a process reads a window before its next call when its own copy is missing
or stale (:class:`xpulse.api.ratelimit.Pacer`), so a window spent by one process is waited
for by the others instead of being met with a 429.

Rows are keyed by the token's key (``user:NAME``, ``app-bearer``: the keys the collector's
concurrency bound uses), never by the token. Answers of one window arrive in any order, so
an upsert keeps the later window, or within the same window the lower ``remaining``.

Coordination state, not a record: a lost write costs at most a 429 that is then waited
for, so a database error here is logged and the call goes on; commits do not wait for the
disk.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Engine, Select, and_, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import Insert, insert
from sqlalchemy.exc import SQLAlchemyError

from xpulse.store.schema import ensure_shared, rate_windows

log = logging.getLogger("xpulse.store")


def ensure_table(engine: Engine) -> None:
    ensure_shared(engine, rate_windows)


Window = tuple[int, int, datetime]  # limit, remaining, reset (UTC, the server's clock)


def write_window(engine: Engine, token: str, endpoint: str, window: Window) -> None:
    """Upsert ``token``'s window for ``endpoint`` unless the stored one tells more."""
    limit, remaining, reset = window
    params = {"token": token, "endpoint": endpoint, "limit": limit, "remaining": remaining,
              "reset_at": reset}  # fmt: skip
    with engine.begin() as conn:
        conn.execute(_upsert_statement(), params)


def read_window(engine: Engine, token: str, endpoint: str) -> Window | None:
    with engine.connect() as conn:
        row = conn.execute(_read_statement(), {"token": token, "endpoint": endpoint}).one_or_none()
    if row is None:
        return None
    return int(row.limit), int(row.remaining), row.reset_at


# Built once (every call of every job writes one and may read one): the values are bound.
@lru_cache(maxsize=1)
def _upsert_statement() -> Insert:
    """The upsert, selecting its values from ``set_config``: the transaction's commit does
    not wait for the disk, in the same one statement."""
    c = rate_windows.c
    no_disk_wait = select(func.set_config("synchronous_commit", "off", True)).subquery()
    values = select(
        bindparam("token", type_=c.token.type),
        bindparam("endpoint", type_=c.endpoint.type),
        bindparam("limit", type_=c.limit.type),
        bindparam("remaining", type_=c.remaining.type),
        bindparam("reset_at", type_=c.reset_at.type),
        func.now(),
    ).select_from(no_disk_wait)
    stmt = insert(rate_windows).from_select(
        [c.token, c.endpoint, c.limit, c.remaining, c.reset_at, c.updated_at], values
    )
    return stmt.on_conflict_do_update(
        index_elements=[c.token, c.endpoint],
        set_={
            "limit": stmt.excluded.limit,
            "remaining": stmt.excluded.remaining,
            "reset_at": stmt.excluded.reset_at,
            "updated_at": func.now(),
        },
        where=or_(
            stmt.excluded.reset_at > c.reset_at,
            and_(stmt.excluded.reset_at == c.reset_at, stmt.excluded.remaining < c.remaining),
        ),
    )


@lru_cache(maxsize=1)
def _read_statement() -> Select[int, int, datetime]:
    c = rate_windows.c
    return select(c.limit, c.remaining, c.reset_at).where(
        c.token == bindparam("token"), c.endpoint == bindparam("endpoint")
    )


def _first_line(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    lines = str(orig if orig is not None else exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


class TokenWindows:
    """One token's shared windows (an :class:`xpulse.api.ratelimit.SharedWindows`)."""

    def __init__(self, engine: Engine, token: str) -> None:
        self.engine = engine
        self.token = token

    def read(self, endpoint: str) -> Window | None:
        try:
            return read_window(self.engine, self.token, endpoint)
        except SQLAlchemyError as exc:
            log.warning("%s %s: window not read: %s", self.token, endpoint, _first_line(exc))
            return None

    def write(self, endpoint: str, limit: int, remaining: int, reset: datetime) -> None:
        try:
            write_window(self.engine, self.token, endpoint, (limit, remaining, reset))
        except SQLAlchemyError as exc:
            log.warning("%s %s: window not written: %s", self.token, endpoint, _first_line(exc))


class WindowTable:
    """The workers' window table; :meth:`for_token` gives a token's view of it."""

    def __init__(self, engine: Engine) -> None:
        ensure_table(engine)
        self.engine = engine

    def for_token(self, token: str) -> TokenWindows:
        return TokenWindows(self.engine, token)
