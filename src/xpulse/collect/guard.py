"""The check before a run (:func:`admit`): the plan's guard figure against what is left of
the monthly budget and the plan's monthly cap, with advice on what would fit.

The hold call by call, which also stops a run that the estimate undersold, is
:class:`xpulse.collect.budget.Budget`.
"""

from __future__ import annotations

import math

from xpulse.collect.planner import RunPlan
from xpulse.collect.pricing import dollars
from xpulse.errors import BudgetExceeded

PAGE_RESERVE = 100  # posts a timeline page can hold: what a call reserves before it is made


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
