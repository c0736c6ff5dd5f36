"""The monthly budget: the check before a run (:func:`admit`) and the hold call by call
(:class:`Budget`), the one place spend is checked and charged.

Before each call the runner reserves the most that call can cost (a full page at the
account's price); after it, the reservation is settled at what X actually billed. A call
that could take spend past the budget is not made.
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING

from xpulse.collect.pricing import MICRO, dollars, plan_prices
from xpulse.config.settings import Config
from xpulse.errors import BudgetExceeded

if TYPE_CHECKING:
    from xpulse.collect.planner import RunPlan

PAGE_RESERVE = 100  # posts a timeline page can hold: what a call reserves before it is made


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


def admit(plan: RunPlan, allow_over_budget: bool) -> list[str]:
    """The check before a run: refuse (BudgetExceeded) when the guard's figure (the expected
    cost, first sweeps at their worst case: :attr:`AccountPlan.guarded_timeline`) does not fit
    what is left of the monthly budget, or the expected reads the plan's monthly cap,
    saying what would fit and the exact flag; otherwise the notes to show (the worst case
    passing the budget: the call-by-call hold then stops the run at the budget)."""
    notes: list[str] = []
    if allow_over_budget:
        return notes
    if plan.over_budget:
        left = plan.budget_micros - plan.month_to_date_micros
        raise BudgetExceeded(
            f"the run would pass the monthly budget: {_guarded(plan)}, "
            f"{dollars(max(left, 0))} left of {dollars(plan.budget_micros)}. "
            + " ".join(_what_fits(plan, left))
        )
    if plan.over_cap:
        cap = plan.prices.monthly_read_cap
        raise BudgetExceeded(
            f"the run would pass the {plan.prices.plan} plan's monthly cap: "
            f"{plan.month_to_date_reads:,} of {cap:,} post reads used, this run ~"
            f"{plan.post_reads:,}. X refuses reads past the cap until it resets; "
            "pass --allow-over-budget to read up to it"
        )
    page = max((PAGE_RESERVE * a.post_micros for a in plan.accounts), default=0)
    if plan.worst_over_budget:
        notes.append(
            f"the worst case ({dollars(plan.worst_micros)}) would pass the budget: the run "
            "stops before any call that would pass it"
        )
    elif plan.month_to_date_micros + plan.guard_micros + page > plan.budget_micros:
        notes.append(
            f"less than a page ({dollars(page)}) of budget would be left: before each call "
            "the most it can cost is held, so the last pages may wait for the next month "
            "or a higher monthly_budget_usd"
        )
    return notes


def _what_fits(plan: RunPlan, left: int) -> list[str]:
    """Advice: a shorter first-sweep window, or the accounts that fit alone, then the flag."""
    out: list[str] = []
    first = [a for a in plan.accounts if a.first_sweep and a.timeline.high > 0]
    if first and left > 0:
        fixed = plan.guard_micros - sum(a.timeline.high * a.post_micros for a in first)
        days = max(a.history.days for a in first)
        per_day = sum(a.timeline.high * a.post_micros / a.history.days for a in first)
        fit = math.floor((left - fixed) / per_day) if per_day > 0 else 0
        if 1 <= fit < days:
            out.append(f"A shorter first collect fits: --history-days {fit}.")
    alone = [a for a in plan.accounts if a.guard_micros <= left]
    if alone and len(alone) < len(plan.accounts):
        names = ", ".join(f"--account {a.name} ({dollars(a.guard_micros)})" for a in alone)
        out.append(f"These fit alone: {names}.")
    out.append(
        "To run it all: pass --allow-over-budget, or raise monthly_budget_usd "
        f"to at least {dollars(plan.month_to_date_micros + plan.guard_micros)}."
    )
    return out


def _guarded(plan: RunPlan) -> str:
    """The guard's figure as the refusal states it."""
    if plan.guard_micros == plan.micros:
        return f"expected {dollars(plan.micros)}"
    return (
        f"up to {dollars(plan.guard_micros)} with every post of the first sweep's window "
        f"(expected {dollars(plan.micros)})"
    )


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
