"""Schema migrations, run in order when the store opens.

Why not alembic's script directory: xpulse opens its store from cron and from a wheel, with
no ``alembic.ini`` or ``env.py`` to find; the whole need is "apply numbered steps once, in
order, recorded in a table", which this module does in ~60 lines (the sqlite-utils pattern).
Steps that alter tables use alembic's :class:`~alembic.operations.Operations`, bound to the
open connection, so ALTERs are portable (SQLite batch mode included).

A fresh database gets the current schema from :mod:`xpulse.store.schema` in one
``create_all`` and every step is recorded as applied (alembic's "create_all, then stamp
head"). An existing database runs only the steps it lacks. So: when you change
``schema.py``, append a step here that brings an existing database to the same shape.

The views for BI tools (:mod:`xpulse.store.views`) are derived objects, not history: a
fresh database gets them after ``create_all``; step 7 adds them to an older one; and any
migration drops them first and creates them again after its steps, so a step that rebuilds
a table (SQLite batch mode renames tables) never trips on a view that names it.

Concurrent openers are serialised: on PostgreSQL by an advisory lock, on SQLite by the
``BEGIN IMMEDIATE`` every transaction of our engine starts with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, Connection, Engine, select, text

from xpulse.store import views
from xpulse.store.migrations import sources
from xpulse.store.schema import (
    alerts,
    api_calls,
    deliveries,
    metadata,
    metric_refusals,
    metric_series,
    schema_migrations,
)

if TYPE_CHECKING:
    # alembic is imported only when a step must run: importing it costs every command
    # ~0.13 s of CPU (mako, the PostgreSQL dialect), a third of `xpulse report`'s imports.
    from alembic.operations import Operations


@dataclass(frozen=True)
class Step:
    version: int
    name: str
    apply: Callable[[Operations], None]


def _initial(ops: Operations) -> None:
    # Only ever reached by a database created before steps existed; fresh ones are created
    # from schema.py directly (see the module docstring).
    metadata.create_all(ops.get_bind())


def _delivery_log(ops: Operations) -> None:
    bind = ops.get_bind()
    for table in (deliveries, alerts):
        table.create(bind, checkfirst=True)


def _series(ops: Operations) -> None:
    bind = ops.get_bind()
    for table in (metric_series, metric_refusals):
        table.create(bind, checkfirst=True)


def _calls_by_account(ops: Operations) -> None:
    # The report's cost section reads one account's calls in a period; with only
    # ix_calls_at it scanned every account's calls of the period (bench/report_speed.py).
    index = next(ix for ix in api_calls.indexes if ix.name == "ix_calls_account_at")
    index.create(ops.get_bind(), checkfirst=True)


def _bi_views(ops: Operations) -> None:
    views.create_views(ops.get_bind())


def _calls_backfill(ops: Operations) -> None:
    from sqlalchemy import Boolean, false

    column = Column("backfill", Boolean, nullable=False, server_default=false())
    ops.add_column("api_calls", column)


STEPS: tuple[Step, ...] = (
    Step(1, "initial schema", _initial),
    Step(2, "deliveries and alerts", _delivery_log),
    Step(3, "metric series and refusals", _series),
    Step(4, "api_calls index by account and time", _calls_by_account),
    Step(5, "observation provenance, imports, profile counts, competitors", sources.apply),
    Step(6, "api_calls.backfill: one-off reads apart from recurring ones", _calls_backfill),
    Step(7, "views for BI tools", _bi_views),
)

PG_LOCK_KEY = 0x78707573  # "xpus": an arbitrary constant shared by every xpulse process


def current_version() -> int:
    return STEPS[-1].version


def migrate(engine: Engine) -> list[int]:
    """Bring the database to the current version; returns the versions applied now."""
    applied_now: list[int] = []
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})
        schema_migrations.create(conn, checkfirst=True)
        done = set(conn.execute(select(schema_migrations.c.version)).scalars())
        if not done and not _has_tables(conn):
            metadata.create_all(conn)
            views.create_views(conn)
            _stamp(conn, STEPS)
            return [s.version for s in STEPS]
        pending = [step for step in STEPS if step.version not in done]
        if not pending:
            return applied_now
        from alembic.operations import Operations
        from alembic.runtime.migration import MigrationContext

        ops = Operations(MigrationContext.configure(conn))
        views.drop_views(conn)
        for step in pending:
            step.apply(ops)
            _stamp(conn, (step,))
            applied_now.append(step.version)
        views.create_views(conn)
    return applied_now


def _has_tables(conn: Connection) -> bool:
    names = {t.name for t in metadata.sorted_tables if t is not schema_migrations}
    existing = set(conn.dialect.get_table_names(conn))
    return bool(names & existing)


def _stamp(conn: Connection, steps: tuple[Step, ...]) -> None:
    now = datetime.now(UTC)
    conn.execute(
        schema_migrations.insert(),
        [{"version": s.version, "name": s.name, "applied_at": now} for s in steps],
    )
