"""The monthly budget held call by call (:class:`Budget`), the one place spend is charged
(the check before a run is :mod:`xpulse.collect.guard`).

Before each call the runner reserves the most that call can cost (a full page at the
account's price); after it, the reservation is settled at what X actually billed. A call
that could take spend past the budget is not made.
"""

from __future__ import annotations

import threading

from xpulse.collect.pricing import MICRO, dollars, plan_prices
from xpulse.config.settings import Config
from xpulse.errors import BudgetExceeded


def cap_refusal(asked: int, used: int, in_flight: str, cap: int) -> str:
    return (
        f"stopped before a call that could read {asked:,} posts: {used:,} post reads this "
        f"month{in_flight} of the plan's monthly cap of {cap:,} (X refuses reads past it "
        "until it resets; pass --allow-over-budget to read up to it)"
    )


class Budget:
    """Money (micro-dollars) and the plan's post reads, each held call by call: a call
    reserves the most it can cost and read, and is settled at what it did."""

    def __init__(
        self,
        limit_micros: int | None,
        spent_micros: int,
        read_cap: int | None = None,
        reads: int = 0,
    ) -> None:
        self.limit = limit_micros  # None: --allow-over-budget
        self.spent = spent_micros
        self.read_cap = read_cap  # None: uncapped plan, or --allow-over-budget
        self.reads = reads
        self._reserved = 0
        self._reserved_reads = 0
        self._lock = threading.Lock()

    def reserve(self, micros: int, reads: int = 0) -> None:
        with self._lock:
            if self.limit is not None and self.spent + self._reserved + micros > self.limit:
                raise BudgetExceeded(
                    f"stopped before a call that could cost {dollars(micros)}: month-to-date "
                    f"{dollars(self.spent)} of a {dollars(self.limit)} budget "
                    "(raise monthly_budget_usd or pass --allow-over-budget)"
                )
            cap = self.read_cap
            if cap is not None and self.reads + self._reserved_reads + reads > cap:
                raise BudgetExceeded(cap_refusal(reads, self.reads, "", cap))
            self._reserved += micros
            self._reserved_reads += reads

    def settle(self, reserved: int, actual: int, reserved_reads: int = 0, reads: int = 0) -> None:
        with self._lock:
            self._reserved -= reserved
            self.spent += actual
            self._reserved_reads -= reserved_reads
            self.reads += reads


def spending_problems(config: Config) -> list[tuple[str, str]]:
    """(what, problem) for a plan, budget or account that cannot be priced as configured:
    ``config check`` lists them and ``collect`` stops on the budget ones before any read."""
    prices = plan_prices(config.plan)
    out: list[tuple[str, str]] = []
    cheapest = min(prices.own_post_micros, prices.other_post_micros)
    budget = round(config.monthly_budget_usd * MICRO)
    if prices.per_read and budget < cheapest:
        out.append(
            (
                "monthly budget",
                f"monthly_budget_usd = {config.monthly_budget_usd} is below one read "
                f"({dollars(cheapest)} on {prices.plan}): nothing could be collected; "
                "raise it in the config (e.g. monthly_budget_usd = 5.0)",
            )
        )
    for account in config.accounts:
        if account.auth == "oauth2" and account.own and account.owns_app is None:
            out.append((f"account {account.name} app ownership", ownership_unknown(account.name)))
    return out


def ownership_unknown(name: str) -> str:
    return (
        f"unknown whether account {name!r}'s sign-in owns the developer app (its own posts "
        "cost $0.001 only then, $0.005 otherwise; priced at $0.005 until stated): set "
        f"owns_app = true or false under the [[accounts]] entry named {name!r} in the config"
    )
