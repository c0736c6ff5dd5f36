"""The budget held in PostgreSQL when the store is there (see :mod:`xpulse.store.budget_ledger`).

Same interface as :class:`~xpulse.collect.budget.Budget` (reserve before a call, settle
after), so the runner does not know whether one process or a hundred share the month.
"""

from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import Connection, Engine

from xpulse.collect.budget import Budget, cap_refusal
from xpulse.collect.planner import month_start, month_to_date
from xpulse.collect.pricing import dollars
from xpulse.errors import BudgetExceeded
from xpulse.store.budget_ledger import BudgetLedger, LedgerRefused


class LedgerBudget(Budget):
    """Reservations go to the shared ledger; ``limit`` and ``read_cap`` None still record
    them."""

    def __init__(
        self, engine: Engine, limit_micros: int | None, now: datetime, read_cap: int | None = None
    ) -> None:
        super().__init__(limit_micros, 0, read_cap)
        start = month_start(now)

        def truth(conn: Connection) -> tuple[int, int]:
            return month_to_date(conn, now)

        self.ledger = BudgetLedger(engine, start.strftime("%Y-%m"), truth)
        self._holds: dict[int, list[int]] = {}  # thread id -> its open holds (a stack)
        self._holds_lock = threading.Lock()

    def reserve(self, micros: int, reads: int = 0) -> None:
        try:
            hold = self.ledger.reserve(micros, self.limit, reads, self.read_cap)
        except LedgerRefused as exc:
            r = exc.refused
            if r.reads:
                flight = f" and {r.in_flight:,} in flight (all workers)"
                raise BudgetExceeded(cap_refusal(r.asked, r.settled, flight, r.limit)) from None
            raise BudgetExceeded(
                f"stopped before a call that could cost {dollars(micros)}: month-to-date "
                f"{dollars(r.settled)} and {dollars(r.in_flight)} in flight (all workers) of "
                f"a {dollars(r.limit)} budget (raise monthly_budget_usd or pass "
                "--allow-over-budget)"
            ) from None
        with self._holds_lock:
            self._holds.setdefault(threading.get_ident(), []).append(hold)

    def settle(self, reserved: int, actual: int, reserved_reads: int = 0, reads: int = 0) -> None:
        # The runner settles a call in the thread that reserved it, last in first out.
        with self._holds_lock:
            hold = self._holds[threading.get_ident()].pop()
        self.ledger.settle(hold, actual, reads)
        with self._lock:
            self.spent += actual
            self.reads += reads


def shared_budget(engine: Engine, local: Budget, now: datetime) -> Budget:
    """On PostgreSQL, ``local``'s limit and read cap held in the database for every process; else
    ``local`` itself (SQLite: one writer, one process)."""
    if engine.dialect.name != "postgresql":
        return local
    return LedgerBudget(engine, local.limit, now, local.read_cap)
