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

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

from xpulse.store.schema import budget_holds, budget_months, create_shared

# Ledgers created before the plan's monthly read cap was held lack its columns.
UPGRADES = (
    "ALTER TABLE xpulse_budget_months ADD COLUMN IF NOT EXISTS reads bigint NOT NULL DEFAULT 0",
    "ALTER TABLE xpulse_budget_holds ADD COLUMN IF NOT EXISTS reads bigint NOT NULL DEFAULT 0",
)

_created: set[str] = set()
_created_lock = threading.Lock()


def ensure_schema(engine: Engine) -> None:
    key = engine.url.render_as_string(hide_password=True)
    with _created_lock:
        if key in _created:
            return
        with engine.begin() as conn:
            create_shared(conn, budget_months, budget_holds)
            for statement in UPGRADES:
                conn.execute(text(statement))
        _created.add(key)


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


class BudgetLedger:
    """One process's (or one job's) view of the shared monthly ledger.

    ``truth(conn)`` is the store's month-to-date (spend, post reads), used when the
    month's row is new and at a resync. From its first reservation until :meth:`close` (or
    until it is garbage-collected) it keeps one database session checked out: that
    session's life is what tells the other processes that its holds are live.
    """

    def __init__(
        self, engine: Engine, month: str, truth: Callable[[Connection], tuple[int, int]]
    ) -> None:
        ensure_schema(engine)
        self.engine = engine
        self.month = month
        self.truth = truth
        self._mutex = threading.Lock()
        self._session: Connection | None = None
        self._identity: tuple[int, object] | None = None
        self._finalizer: Callable[[], None] | None = None

    # -- the session that marks our holds as live ---------------------------------------

    def _acquire_session(self) -> tuple[int, object]:
        with self._mutex:
            if self._identity is None:
                session = self.engine.connect()
                row = session.execute(
                    text(
                        "SELECT pid, backend_start FROM pg_stat_activity "
                        "WHERE pid = pg_backend_pid()"
                    )
                ).one()
                session.commit()
                self._session, self._identity = session, (int(row[0]), row[1])
                self._finalizer = weakref.finalize(self, session.close)
            return self._identity

    def close(self) -> None:
        """Give the session back (every hold settled): later holds open a new one."""
        with self._mutex:
            if self._finalizer is not None:
                self._finalizer()
            self._session, self._identity, self._finalizer = None, None, None

    # -- reserve and settle ---------------------------------------------------------------

    def reserve(
        self, micros: int, limit: int | None, reads: int = 0, read_cap: int | None = None
    ) -> int:
        """Hold ``micros`` and ``reads`` post reads for a call; returns the hold's id.
        Raises LedgerRefused when settled + in flight + this call would pass ``limit`` or
        ``read_cap`` (None: no limit, still held, so that the others see it)."""
        pid, started = self._acquire_session()
        with self.engine.begin() as conn:
            settled, settled_reads = self._lock_month(conn)
            in_flight, reads_in_flight = self._in_flight(conn)
            if limit is not None and settled + in_flight + micros > limit:
                raise LedgerRefused(Refused(settled, in_flight, micros, limit))
            if read_cap is not None and settled_reads + reads_in_flight + reads > read_cap:
                raise LedgerRefused(
                    Refused(settled_reads, reads_in_flight, reads, read_cap, reads=True)
                )
            hold = conn.execute(
                text(
                    "INSERT INTO xpulse_budget_holds"
                    " (month, micros, reads, holder_pid, holder_start)"
                    " VALUES (:m, :micros, :reads, :pid, :start) RETURNING id"
                ),
                {"m": self.month, "micros": micros, "reads": reads, "pid": pid, "start": started},
            ).scalar_one()
            return int(hold)

    def settle(self, hold: int, micros: int, reads: int = 0) -> None:
        """The call is over, cost ``micros`` and read ``reads`` posts: the hold becomes
        settled spend and reads."""
        with self.engine.begin() as conn:
            self._lock_month(conn)
            gone = conn.execute(
                text("DELETE FROM xpulse_budget_holds WHERE id = :id RETURNING micros"),
                {"id": hold},
            ).scalar_one_or_none()
            # Gone: another process took our session for dead and charged the hold in
            # full (>= what the call cost and read), or a resync since counted the stored page.
            live = gone is not None
            conn.execute(
                text(
                    "UPDATE xpulse_budget_months SET spent_micros = spent_micros + :d, "
                    "reads = reads + :r WHERE month = :m"
                ),
                {"d": micros if live else 0, "r": reads if live else 0, "m": self.month},
            )

    def spent(self) -> tuple[int, int]:
        """(settled, in flight) for the month, after taking in the holds of dead sessions."""
        with self.engine.begin() as conn:
            settled, _reads = self._lock_month(conn)
            return settled, self._in_flight(conn)[0]

    def reads(self) -> tuple[int, int]:
        """(settled, in flight) post reads for the month, as :meth:`spent`."""
        with self.engine.begin() as conn:
            _spent, settled = self._lock_month(conn)
            return settled, self._in_flight(conn)[1]

    def _in_flight(self, conn: Connection) -> tuple[int, int]:
        micros, reads = conn.execute(
            text(
                "SELECT coalesce(sum(micros), 0), coalesce(sum(reads), 0)"
                " FROM xpulse_budget_holds WHERE month = :m"
            ),
            {"m": self.month},
        ).one()
        return int(micros), int(reads)

    def _lock_month(self, conn: Connection) -> tuple[int, int]:
        """Lock the month's row; take in dead holds; resync when nothing is in flight.
        Returns the settled (spend, post reads)."""
        # Coordination state, not a record: a database crash that loses the last of these
        # commits also cut every holder's session, so their holds end as dead ones (charged
        # in full, then resynced from the store). Not waiting for the disk makes a call's
        # reserve and settle ~10 times cheaper.
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        conn.execute(
            text("INSERT INTO xpulse_budget_months (month) VALUES (:m) ON CONFLICT DO NOTHING"),
            {"m": self.month},
        )
        spent, reads, resync = conn.execute(
            text(
                "SELECT spent_micros, reads, resync FROM xpulse_budget_months"
                " WHERE month = :m FOR UPDATE"
            ),
            {"m": self.month},
        ).one()
        dead = conn.execute(
            text(
                "DELETE FROM xpulse_budget_holds h WHERE h.month = :m AND NOT EXISTS ("
                " SELECT 1 FROM pg_stat_activity a"
                " WHERE a.pid = h.holder_pid AND a.backend_start = h.holder_start)"
                " RETURNING micros, reads"
            ),
            {"m": self.month},
        ).all()
        spent = int(spent) + sum(int(m) for m, _ in dead)
        reads = int(reads) + sum(int(r) for _, r in dead)
        resync = bool(resync) or bool(dead)
        if resync:
            live = conn.execute(
                text("SELECT count(*) FROM xpulse_budget_holds WHERE month = :m"),
                {"m": self.month},
            ).scalar_one()
            if live == 0:
                (spent, reads), resync = self.truth(conn), False
        conn.execute(
            text(
                "UPDATE xpulse_budget_months SET spent_micros = :s, reads = :n, resync = :r"
                " WHERE month = :m"
            ),
            {"s": spent, "n": reads, "r": resync, "m": self.month},
        )
        return spent, reads
