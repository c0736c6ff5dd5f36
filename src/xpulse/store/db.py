"""Open the store: an engine from a URL, SQLite tuned for a concurrent collector, migrated.

SQLite (the default) gets, on every connection: WAL (readers never block the writer),
foreign keys on, a 30 s busy timeout, and ``synchronous=NORMAL`` (with WAL a committed
transaction survives a killed process; only a power cut may lose the last commits).

Every SQLite transaction starts with ``BEGIN IMMEDIATE``: the collector's threads read then
write in one transaction, and a deferred transaction that upgrades to a write lock fails at
once with "database is locked" instead of waiting; taking the write lock up front makes the
busy timeout apply. pysqlite's own transaction handling is switched off for that, as the
SQLAlchemy docs recommend.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from xpulse.errors import StoreError
from xpulse.store.migrations import migrate

BUSY_TIMEOUT_MS = 30_000


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


def safe_url(url: str) -> str:
    """The URL with any password hidden, fit for a message."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable database URL>"


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (SQLite file or PostgreSQL), not yet migrated."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"invalid database URL: {safe_url(url)}") from exc
    try:
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:":
                folder = Path(database).parent
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                except OSError as exc:  # e.g. under /proc, or no permission
                    raise StoreError(
                        f"cannot open database {safe_url(url)}: cannot create {folder}: "
                        f"{exc.strerror or exc}"
                    ) from None
            engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
            _tune_sqlite(engine)
            return engine
        if parsed.get_backend_name() == "postgresql":
            return create_engine(parsed, pool_pre_ping=True)
    except (NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"no driver for database URL {safe_url(url)}: {exc}") from exc
    raise StoreError(
        f"unsupported database {parsed.get_backend_name()!r} in {safe_url(url)}: "
        "use sqlite:///FILE or postgresql+psycopg://..."
    )


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def open_store(url: str) -> Engine:
    """An engine for ``url`` with the schema migrated to the current version.

    Raises :class:`StoreError` with one line (password hidden) when the database cannot be
    reached or migrated.
    """
    engine = make_engine(url)
    try:
        migrate(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        orig = getattr(exc, "orig", None)
        reason = str(orig) if orig is not None else str(exc)
        first = reason.strip().splitlines()[0] if reason.strip() else type(exc).__name__
        raise StoreError(f"cannot open database {safe_url(url)}: {first}") from None
    return engine
