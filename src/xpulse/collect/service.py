"""``collect`` as one library call for the CLI: plan, check the budget, run.

prepared = prepare(config, account=None)      # opens the store, plans; no API call
prepared.plan.lines()                          # what the run will read and cost
result = execute(prepared, allow_over_budget=False)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from filelock import FileLock, Timeout
from sqlalchemy import Engine

from xpulse.api.errors import ApiError, NeedsSignIn
from xpulse.api.factory import open_client
from xpulse.api.transport import utc_now
from xpulse.collect.budget import Budget, BudgetExceeded
from xpulse.collect.calllog import CallLog
from xpulse.collect.planner import AccountSpec, RunPlan, make_plan
from xpulse.collect.pricing import DEFAULT_PRICES, PriceTable
from xpulse.collect.private import last_private_reads
from xpulse.collect.runner import AccountJob, AccountResult, Runner, RunResult
from xpulse.collect.schedule import slots
from xpulse.collect.source import XClientSource
from xpulse.config import AccountConfig, Config
from xpulse.errors import XpulseError
from xpulse.paths import state_dir
from xpulse.store import open_store

APP_TOKEN = "app-bearer"  # noqa: S105 - a key naming the shared app token, not a secret


def spec_for(account: AccountConfig) -> AccountSpec:
    return AccountSpec(account.name, account.username, account.auth == "oauth2" and account.own)


@dataclass
class Prepared:
    config: Config
    engine: Engine
    accounts: list[AccountConfig]
    plan: RunPlan
    prices: PriceTable = field(default_factory=PriceTable)
    history: timedelta = timedelta(days=90)  # how far a first sweep reaches back


def prepare(
    config: Config,
    account: str | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    prices: PriceTable = DEFAULT_PRICES,
    history_days: int | None = None,
) -> Prepared:
    """Open the store and plan the run; makes no API call. ``history_days`` overrides the
    config's for a first sweep (accounts already collected ignore it)."""
    if account is not None:
        chosen = [config.account(account)]
    else:
        chosen = list(config.accounts)
        if not chosen:
            raise XpulseError(f"{config.path}: no [[accounts]] configured; see `xpulse init`")
    history = timedelta(days=history_days or config.history_days)
    engine = open_store(config.db_url())
    if account is None:
        from xpulse.collect.competitors import competitor_accounts

        chosen += competitor_accounts(engine)  # collected apart, priced as others' posts
    with engine.connect() as conn:
        plan = make_plan(
            conn,
            [spec_for(a) for a in chosen],
            slots(config.refresh_schedule),
            prices,
            config.monthly_budget_usd,
            clock(),
            history,
        )
    return Prepared(config, engine, chosen, plan, prices, history)


def execute(
    prepared: Prepared,
    *,
    allow_over_budget: bool = False,
    clock: Callable[[], datetime] = utc_now,
    transport: httpx.BaseTransport | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> RunResult:
    """Run the plan. Refuses (BudgetExceeded) when it would pass the monthly budget."""
    plan = prepared.plan
    if plan.over_budget and not allow_over_budget:
        raise BudgetExceeded(
            "the run would pass the monthly budget "
            f"({plan.lines()[-1].removeprefix('plan: ')}); "
            "pass --allow-over-budget or raise monthly_budget_usd"
        )
    with _one_collect_at_a_time():
        return _execute(prepared, allow_over_budget, clock, transport, progress)


@contextmanager
def _one_collect_at_a_time() -> Iterator[None]:
    """Cron may start a run while the last one still goes: two sweeps of one account would
    read (and pay for) the same pages twice, so a second run refuses to start."""
    path = state_dir() / "collect.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise XpulseError(
            f"another `xpulse collect` is running (lock {path}); try again when it ends"
        ) from None
    try:
        yield
    finally:
        lock.release()


def _execute(
    prepared: Prepared,
    allow_over_budget: bool,
    clock: Callable[[], datetime],
    transport: httpx.BaseTransport | None,
    progress: Callable[[str, int], None] | None,
) -> RunResult:
    plan = prepared.plan
    budget = Budget(None if allow_over_budget else plan.budget_micros, plan.month_to_date_micros)
    runner = Runner(
        prepared.engine,
        slots(prepared.config.refresh_schedule),
        prices=prepared.prices,
        budget=budget,
        clock=clock,
        per_token=prepared.config.api.max_concurrency_per_token,
        progress=progress,
        history=prepared.history,
    )
    jobs: list[AccountJob] = []
    failed: list[AccountResult] = []
    clients = []
    for account in prepared.accounts:
        log = CallLog()
        try:
            client = open_client(
                prepared.config, account, on_call=log, transport=transport, clock=clock
            )
        except (ApiError, XpulseError) as exc:
            signed_out = isinstance(exc, NeedsSignIn)
            failed.append(AccountResult(account.name, error=str(exc), needs_sign_in=signed_out))
            continue
        clients.append(client)
        user_token = account.auth == "oauth2"
        source = XClientSource(client, account.username, user_token=user_token)
        key = f"user:{account.name}" if user_token else APP_TOKEN
        jobs.append(AccountJob(spec_for(account), source, key, log))
    try:
        result = runner.run(jobs)
        if result.stopped is None:
            # Issue 6: the last private read before day 30 (and promoted metrics).
            last_private_reads(prepared, jobs, result, clock, budget)
    finally:
        for client in clients:
            client.close()
    order = {a.name: i for i, a in enumerate(prepared.accounts)}
    merged = sorted([*result.accounts, *failed], key=lambda r: order[r.name])
    return RunResult(merged, result.elapsed_s, result.stopped)
