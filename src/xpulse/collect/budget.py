"""Holding the monthly budget call by call, across the run's threads.

Before each call the runner reserves the most that call can cost (a full page at the
account's price); after it, the reservation is settled at what X actually billed. A call
that could take spend past the budget is not made.
"""

from __future__ import annotations

import threading

from xpulse.collect.pricing import dollars
from xpulse.errors import XpulseError


class BudgetExceeded(XpulseError):
    """The next call could take month-to-date spend past the monthly budget."""


class Budget:
    def __init__(self, limit_micros: int | None, spent_micros: int) -> None:
        self.limit = limit_micros  # None: --allow-over-budget
        self.spent = spent_micros
        self._reserved = 0
        self._lock = threading.Lock()

    def reserve(self, micros: int) -> None:
        with self._lock:
            if self.limit is not None and self.spent + self._reserved + micros > self.limit:
                raise BudgetExceeded(
                    f"stopped before a call that could cost {dollars(micros)}: month-to-date "
                    f"{dollars(self.spent)} of a {dollars(self.limit)} budget "
                    "(raise monthly_budget_usd or pass --allow-over-budget)"
                )
            self._reserved += micros

    def settle(self, reserved: int, actual: int) -> None:
        with self._lock:
            self._reserved -= reserved
            self.spent += actual
