"""The month's API spend, checked and charged in PostgreSQL for every process at once.

One collect process holds the monthly budget call by call in memory: before a call it
reserves the most the call can cost, after it settles at what X billed. Several workers on
several machines each doing that against their own copy of "month to date" would together
overrun the budget, so on PostgreSQL the reservations live in the database:

* ``xpulse_budget_months``: per billing month (UTC), the spend and the post reads (what
  the plan's monthly cap counts) settled so far;
* ``xpulse_budget_holds``: the reservations of calls in flight (money and post reads),
  each tagged with the database session of the process that made it.

A reservation locks the month's row (``SELECT ... FOR UPDATE``), so reservations from every
process are checked one after another against ``settled + in flight + this call``: N
workers never pass the limit together. A hold whose session is gone (the process was
SIGKILLed, the machine lost) will never be settled: it is counted as spent at its full
amount (the call may have been billed and its posts read) and the month is marked for a
resync, which sets the settled spend and reads to the store's own month-to-date
(``api_calls``) the next time no call
is in flight anywhere, since then the two must agree.

The tables (in :mod:`xpulse.store.schema`) are PostgreSQL-only coordination state,
created on first use (as the job engine's are); SQLite has one writer and so one process,
where the in-memory budget holds.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Row, TextClause, event, text
from sqlalchemy.exc import DBAPIError

from xpulse.store.schema import budget_holds, budget_months, ensure_shared

# Ledgers created before the plan's monthly read cap was held lack its columns.
UPGRADES = (
    "ALTER TABLE xpulse_budget_months ADD COLUMN IF NOT EXISTS reads bigint NOT NULL DEFAULT 0",
    "ALTER TABLE xpulse_budget_holds ADD COLUMN IF NOT EXISTS reads bigint NOT NULL DEFAULT 0",
)
# Each step is one server-side function, so a reservation or a settlement is one statement
# (one round trip, one statement's work in the client) instead of seven. Coordination
# state, not a record: a database crash that loses the last of these commits also cut
# every holder's session, so their holds end as dead ones (charged in full, then resynced
# from the store); not waiting for the disk (synchronous_commit off, for the transaction)
# makes a call's reserve and settle about ten times cheaper.
FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION xpulse_budget_lock(p_month text,
    OUT settled bigint, OUT settled_reads bigint, OUT must_resync boolean,
    OUT in_flight bigint, OUT reads_in_flight bigint, OUT holds bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
    dead_n bigint;
    dead_micros bigint;
    dead_reads bigint;
BEGIN
    -- Lock the month's row; take in dead holds (sessions gone: charged in full).
    PERFORM set_config('synchronous_commit', 'off', true);
    INSERT INTO xpulse_budget_months (month) VALUES (p_month) ON CONFLICT DO NOTHING;
    SELECT m.spent_micros, m.reads, m.resync INTO settled, settled_reads, must_resync
        FROM xpulse_budget_months m WHERE m.month = p_month FOR UPDATE;
    WITH dead AS (
        DELETE FROM xpulse_budget_holds h WHERE h.month = p_month AND NOT EXISTS (
            SELECT 1 FROM pg_stat_activity a
            WHERE a.pid = h.holder_pid AND a.backend_start = h.holder_start)
        RETURNING h.micros, h.reads)
    SELECT count(*), coalesce(sum(dead.micros), 0), coalesce(sum(dead.reads), 0)
        INTO dead_n, dead_micros, dead_reads FROM dead;
    settled := settled + dead_micros;
    settled_reads := settled_reads + dead_reads;
    must_resync := must_resync OR dead_n > 0;
    UPDATE xpulse_budget_months m
        SET spent_micros = settled, reads = settled_reads, resync = must_resync
        WHERE m.month = p_month;
    SELECT count(*), coalesce(sum(h.micros), 0), coalesce(sum(h.reads), 0)
        INTO holds, in_flight, reads_in_flight
        FROM xpulse_budget_holds h WHERE h.month = p_month;
    -- A resync waits for a moment with nothing in flight; the caller then sets the
    -- month from the store (xpulse_budget_resync) and asks again.
    must_resync := must_resync AND holds = 0;
END
$fn$;

CREATE OR REPLACE FUNCTION xpulse_budget_resync(p_month text, p_spent bigint, p_reads bigint)
RETURNS void LANGUAGE sql AS $fn$
    UPDATE xpulse_budget_months SET spent_micros = p_spent, reads = p_reads, resync = false
    WHERE month = p_month;
$fn$;

CREATE OR REPLACE FUNCTION xpulse_budget_reserve(p_month text, p_micros bigint,
    p_reads bigint, p_limit bigint, p_cap bigint, p_pid integer, p_start timestamptz,
    OUT must_resync boolean, OUT hold bigint, OUT refused text, OUT settled bigint,
    OUT in_flight bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
    l record;
BEGIN
    l := xpulse_budget_lock(p_month);
    must_resync := l.must_resync;
    IF must_resync THEN
        RETURN;
    END IF;
    IF p_limit IS NOT NULL AND l.settled + l.in_flight + p_micros > p_limit THEN
        refused := 'micros'; settled := l.settled; in_flight := l.in_flight;
    ELSIF p_cap IS NOT NULL AND l.settled_reads + l.reads_in_flight + p_reads > p_cap THEN
        refused := 'reads'; settled := l.settled_reads; in_flight := l.reads_in_flight;
    ELSE
        INSERT INTO xpulse_budget_holds (month, micros, reads, holder_pid, holder_start)
            VALUES (p_month, p_micros, p_reads, p_pid, p_start) RETURNING id INTO hold;
    END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION xpulse_budget_settle(p_month text, p_hold bigint,
    p_micros bigint, p_reads bigint, OUT must_resync boolean)
LANGUAGE plpgsql AS $fn$
DECLARE
    l record;
    held bigint;
BEGIN
    l := xpulse_budget_lock(p_month);
    must_resync := l.must_resync;
    IF must_resync THEN
        RETURN;
    END IF;
    DELETE FROM xpulse_budget_holds WHERE id = p_hold RETURNING micros INTO held;
    -- Gone: another process took our session for dead and charged the hold in full
    -- (>= what the call cost and read), or a resync since counted the stored page.
    IF held IS NOT NULL THEN
        UPDATE xpulse_budget_months SET spent_micros = spent_micros + p_micros,
            reads = reads + p_reads WHERE month = p_month;
    END IF;
END
$fn$;
"""


def ensure_schema(engine: Engine) -> None:
    ensure_shared(engine, budget_months, budget_holds, then=_upgrade_and_define)


def _upgrade_and_define(conn: Connection) -> None:
    for statement in UPGRADES:
        conn.execute(text(statement))
    # psycopg's own execute: no parameters, so the bodies' text stays as written
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.execute(FUNCTIONS)


@dataclass(frozen=True)
class Refused:
    """What stood in the way of a reservation: micro-dollars, or post reads (``reads``)."""

    settled: int
    in_flight: int
    asked: int
    limit: int
    reads: bool = False


class LedgerRefused(Exception):
    def __init__(self, refused: Refused) -> None:
        super().__init__(f"{refused}")
        self.refused = refused


class _ProcessSession:
    """The database session whose life marks this process's holds as live: one per
    process and engine, shared by every ledger of the process (a worker's jobs), so a
    worker of N jobs holds one connection for them, not N. Every step runs on it, each in
    a transaction of its own statement (autocommit), one step at a time: the month's row
    lock is then held for the function's work only, not also for a round trip to the
    client and its ``COMMIT`` (every process's steps queue on that lock anyway)."""

    def __init__(self, engine: Engine) -> None:
        # weakly: the engine keeps its session (through its disposal hook), not the reverse
        self._engine = weakref.ref(engine)
        self.mutex = threading.Lock()
        self.conn: Connection | None = None
        self.identity: tuple[int, object] | None = None

    def step(self, statement: TextClause, params: dict[str, Any], identified: bool) -> Row[Any]:
        """``statement`` run on the session (``identified``: with the session's identity
        as ``pid`` and ``start``). A session whose connection is lost is dropped: the next
        step opens another, and the old one's holds are then dead ones, as if the process
        had died (charged in full until the month is resynced)."""
        with self.mutex:
            if self.conn is None or self.identity is None:
                self.conn, self.identity = self._open()
            if identified:
                params = {**params, "pid": self.identity[0], "start": self.identity[1]}
            try:
                return self.conn.execute(statement, params).one()
            except DBAPIError:
                if self.conn.invalidated:  # SQLAlchemy saw the connection go
                    self._close_locked()
                raise

    def _open(self) -> tuple[Connection, tuple[int, object]]:
        engine = self._engine()
        assert engine is not None  # a ledger holds its engine
        conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        row = conn.execute(
            text("SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()")
        ).one()
        return conn, (int(row[0]), row[1])

    def close(self) -> None:
        with self.mutex:
            self._close_locked()

    def _close_locked(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):  # a broken session is dropped all the same
                # closed, not given back: the engine's pool may be disposed of already
                self.conn.invalidate()
                self.conn.close()
        self.conn, self.identity = None, None


_sessions: weakref.WeakKeyDictionary[Engine, _ProcessSession] = weakref.WeakKeyDictionary()
_sessions_lock = threading.Lock()


def _process_session(engine: Engine) -> _ProcessSession:
    with _sessions_lock:
        session = _sessions.get(engine)
        if session is None:
            session = _sessions[engine] = _ProcessSession(engine)
            # given back before the engine's pool is closed (tests, a worker's shutdown)
            event.listen(engine, "engine_disposed", lambda _engine: session.close())
        return session


class BudgetLedger:
    """This process's view of the shared monthly ledger for ``month``.

    ``truth(conn)`` is the store's month-to-date (spend, post reads), used when the
    month's row is new and at a resync. Holds are tagged with the process's session
    (:class:`_ProcessSession`), kept open from the first step until :meth:`close` or the
    engine's disposal.
    """

    def __init__(
        self, engine: Engine, month: str, truth: Callable[[Connection], tuple[int, int]]
    ) -> None:
        ensure_schema(engine)
        self.engine = engine
        self.month = month
        self.truth = truth
        self._session = _process_session(engine)

    def close(self) -> None:
        """Give the process's session back (every hold settled): later holds open a new
        one."""
        self._session.close()

    # -- reserve and settle ---------------------------------------------------------------

    def reserve(
        self, micros: int, limit: int | None, reads: int = 0, read_cap: int | None = None
    ) -> int:
        """Hold ``micros`` and ``reads`` post reads for a call; returns the hold's id.
        Raises LedgerRefused when settled + in flight + this call would pass ``limit`` or
        ``read_cap`` (None: no limit, still held, so that the others see it)."""
        params = {"m": self.month, "micros": micros, "reads": reads, "limit": limit,
                  "cap": read_cap}  # fmt: skip
        row = self._step(_RESERVE, params, identified=True)
        if row.refused is not None:
            by_reads = row.refused == "reads"
            asked, most = (reads, read_cap) if by_reads else (micros, limit)
            assert most is not None
            raise LedgerRefused(
                Refused(int(row.settled), int(row.in_flight), asked, most, reads=by_reads)
            )
        return int(row.hold)

    def settle(self, hold: int, micros: int, reads: int = 0) -> None:
        """The call is over, cost ``micros`` and read ``reads`` posts: the hold becomes
        settled spend and reads."""
        self._step(_SETTLE, {"m": self.month, "hold": hold, "micros": micros, "reads": reads})

    def spent(self) -> tuple[int, int]:
        """(settled, in flight) for the month, after taking in the holds of dead sessions."""
        row = self._month()
        return int(row.settled), int(row.in_flight)

    def reads(self) -> tuple[int, int]:
        """(settled, in flight) post reads for the month, as :meth:`spent`."""
        row = self._month()
        return int(row.settled_reads), int(row.reads_in_flight)

    def _month(self) -> Row[Any]:
        """The month's row, resynced if due; no session kept (it holds nothing)."""
        with self.engine.begin() as conn:
            row = conn.execute(_LOCK, {"m": self.month}).one()
            if row.must_resync:
                self._resync(conn)
                row = conn.execute(_LOCK, {"m": self.month}).one()
            return row

    def _step(self, step: TextClause, params: dict[str, Any], identified: bool = False) -> Row[Any]:
        """One step of the ledger on the session (``identified``: with the session's
        identity, which marks a hold as live). A step refused for a due resync (a dead
        hold was taken in, and nothing is in flight) runs again after it."""
        while True:
            row = self._session.step(step, params, identified)
            if not row.must_resync:
                return row
            with self.engine.begin() as conn:
                if conn.execute(_LOCK, {"m": self.month}).one().must_resync:
                    self._resync(conn)

    def _resync(self, conn: Connection) -> None:
        """Set the month's settled spend and reads to the store's (``truth``), in the
        caller's transaction, which holds the month's lock with nothing in flight."""
        spent, reads = self.truth(conn)
        conn.execute(_RESYNC, {"m": self.month, "spent": spent, "reads": reads})


_LOCK = text("SELECT * FROM xpulse_budget_lock(:m)")
_RESYNC = text("SELECT xpulse_budget_resync(:m, :spent, :reads)")
_RESERVE = text(
    "SELECT * FROM xpulse_budget_reserve(:m, :micros, :reads, :limit, :cap, :pid, :start)"
)
_SETTLE = text("SELECT * FROM xpulse_budget_settle(:m, :hold, :micros, :reads)")
