"""``collect`` as one library call for the CLI: plan, check the budget, run, then the last
private reads of the own accounts.

prepared = prepare(config, account=None)      # opens the store, plans; no API call
prepared.plan.lines()                          # what the run will read and cost
result = execute(prepared, allow_over_budget=False)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import httpx
from filelock import FileLock, Timeout
from sqlalchemy import Connection, Engine

from xpulse.accounts.clients import open_client
from xpulse.accounts.tokens import TokenRecord, default_store
from xpulse.api.ratelimit import SharedWindows
from xpulse.clock import utc_now
from xpulse.collect.budget import Budget, spending_problems
from xpulse.collect.calllog import CallLog
from xpulse.collect.guard import admit
from xpulse.collect.ledger_budget import shared_budget
from xpulse.collect.planner import AccountSpec, RunPlan, make_plan, resize_first_sweeps
from xpulse.collect.pricing import PriceTable, billing_day, plan_prices
from xpulse.collect.private import collect_private
from xpulse.collect.refresh_slots import slots
from xpulse.collect.runner import AccountJob, AccountResult, Runner, RunResult
from xpulse.collect.source import XClientSource
from xpulse.config.paths import state_dir
from xpulse.config.settings import AccountConfig, Config
from xpulse.errors import ApiError, CollectBusy, ConfigError, NeedsSignIn, NoAccounts, XpulseError
from xpulse.store import open_store, queries

APP_TOKEN = "app-bearer"  # noqa: S105 - a key naming the shared app token, not a secret


def spec_for(account: AccountConfig, record: TokenRecord | None = None) -> AccountSpec:
    """What the planner and runner need of an account; ``record`` is its sign-in (the post
    count it read), when there is one."""
    own = account.auth == "oauth2" and account.own
    count = record.tweet_count if record is not None else None
    created = None
    if record is not None and record.user_created_at:
        created = datetime.fromisoformat(record.user_created_at.replace("Z", "+00:00"))
    return AccountSpec(
        account.name, account.username, own, account.prices_own_posts, count, created
    )


def _sign_in(account: AccountConfig) -> TokenRecord | None:
    """The account's stored sign-in, if any (read only for the post count)."""
    if account.auth != "oauth2":
        return None
    try:
        return default_store().load(account.name)
    except XpulseError:
        return None


SIGN_IN_READ = "/2/users/me"


def record_sign_in_read(
    conn: Connection, account: str, record: TokenRecord | None, prices: PriceTable
) -> None:
    """Put the sign-in's one user read (paid, made by ``auth login`` before any collect)
    in the call log and that UTC day's billed reads, once: ``cost`` then holds it as X's
    bill does, and a profile read of the same user that day is metered free, as X bills it.
    """
    if record is None or record.tweet_count_at is None or record.user_id is None:
        return
    at = datetime.fromisoformat(record.tweet_count_at)
    if queries.call_logged(conn, account, SIGN_IN_READ, at, timedelta(seconds=1)):
        return
    priced = {f"user:{record.user_id}": prices.user_micros}
    billable, micros = queries.bill(conn, account, billing_day(at), priced)
    queries.record_call(
        conn,
        {"at": at, "account": account, "endpoint": SIGN_IN_READ, "method": "GET",
         "status": 200, "reads": 0, "billable_reads": billable, "cost_micros": micros,
         "errors": 0, "backfill": True},
    )  # fmt: skip


@dataclass
class Prepared:
    config: Config
    engine: Engine
    accounts: list[AccountConfig]
    plan: RunPlan
    prices: PriceTable = field(default_factory=PriceTable)
    history: timedelta = timedelta(days=90)  # how far a first sweep reaches back
    notes: list[str] = field(default_factory=list)  # shown before any read
    # each account as planned (with its sign-in's post count), for the runner's jobs
    specs: dict[str, AccountSpec] = field(default_factory=dict)


def prepare(
    config: Config,
    account: str | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    prices: PriceTable | None = None,
    history_days: int | None = None,
    engine: Engine | None = None,
    competitors: bool | None = None,
) -> Prepared:
    """Open the store and plan the run; makes no API call. ``history_days`` overrides the
    config's for a first sweep (accounts already collected ignore it). ``engine``: an open
    store to use (a worker's, shared by its jobs) instead of opening one. ``competitors``:
    whether the competitor accounts are collected too (default: when no account is named)."""
    if account is not None:
        chosen = [config.account(account)]
    else:
        chosen = list(config.accounts)
        if not chosen:
            raise NoAccounts(config.path)
    history = timedelta(days=history_days or config.history_days)
    prices = prices or plan_prices(config.plan)
    notes = []
    for what, problem in spending_problems(config):
        if what == "monthly budget":
            raise ConfigError(f"{config.path}: {problem}")
        if any(what == f"account {a.name} app ownership" for a in chosen):
            notes.append(problem)
    engine = engine or open_store(config.db_url())
    if competitors is None:
        competitors = account is None
    if competitors:
        from xpulse.collect.competitors import competitor_accounts

        chosen += competitor_accounts(engine)  # collected apart, priced as others' posts
    signed = {a.name: _sign_in(a) for a in chosen}
    specs = {a.name: spec_for(a, signed[a.name]) for a in chosen}
    with engine.begin() as conn:  # one connection: a job prepares its account this way
        for name, record in signed.items():
            record_sign_in_read(conn, name, record, prices)
        plan = make_plan(
            conn,
            list(specs.values()),
            slots(config.refresh_schedule),
            prices,
            config.monthly_budget_usd,
            clock(),
            history,
        )
    return Prepared(config, engine, chosen, plan, prices, history, notes, specs)


def execute(
    prepared: Prepared,
    *,
    allow_over_budget: bool = False,
    clock: Callable[[], datetime] = utc_now,
    transport: httpx.BaseTransport | None = None,
    progress: Callable[[str, int], None] | None = None,
    show: Callable[[str], None] | None = None,
    exclusive: bool = True,
    account_done: Callable[[str], None] | None = None,
    windows: Callable[[str], SharedWindows] | None = None,
) -> RunResult:
    """Run the plan. Refuses (BudgetExceeded) when it would pass the monthly budget or the
    plan's cap. An account whose first sweep cannot be sized yet (no post count from a
    sign-in) has its user lookup made first; the run is then planned again and checked
    (``show`` gets the new plan's lines). ``progress(account, reads)`` follows each stored
    page; ``account_done(account)`` each account's end (a progress display then knows that
    account's real count). ``exclusive=False``: the caller already holds each
    account's lock (a job engine's), so this machine's one-collect-at-a-time file lock is
    not taken. ``windows(token_key)``: a token's rate-limit windows shared with other
    processes (workers); without it each client keeps its own."""
    if not prepared.plan.unsized:
        admit(prepared.plan, allow_over_budget)
    how = Execution(allow_over_budget, clock, transport, progress, show, account_done, windows)
    if not exclusive:
        return _execute(prepared, how)
    with _one_collect_at_a_time():
        return _execute(prepared, how)


@dataclass(frozen=True)
class Execution:
    """How one plan is run: the caller's budget choice, clock, HTTP transport (tests: an
    in-process xsim), the progress callbacks and the shared windows :func:`execute`
    documents."""

    allow_over_budget: bool
    clock: Callable[[], datetime]
    transport: httpx.BaseTransport | None
    progress: Callable[[str, int], None] | None
    show: Callable[[str], None] | None
    account_done: Callable[[str], None] | None
    windows: Callable[[str], SharedWindows] | None = None


def _size_first_sweeps(
    prepared: Prepared, runner: Runner, jobs: list[AccountJob], clock: Callable[[], datetime]
) -> tuple[list[AccountJob], dict[str, AccountResult]]:
    """Look up the users whose first sweep is unsized (the read the run makes anyway, now
    with the post count), then size those first sweeps in the plan (the other accounts'
    plans stay: a lookup changes nothing they were planned on)."""
    unsized = set(prepared.plan.unsized)
    found = runner.look_up_users([j for j in jobs if j.spec.name in unsized])
    sized = []
    for job in jobs:
        if job.spec.name in found:
            user = found[job.spec.name][0]
            job = replace(
                job, spec=replace(job.spec, post_count=user.post_count, created_at=user.created_at)
            )
        sized.append(job)
    with prepared.engine.connect() as conn:
        prepared.plan = resize_first_sweeps(
            conn,
            prepared.plan,
            [j.spec for j in sized if j.spec.name in found],
            slots(prepared.config.refresh_schedule),
            clock(),
        )
    return sized, {name: result for name, (_, result) in found.items()}


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
        raise CollectBusy(
            f"another `xpulse collect` is running (lock {path}); try again when it ends"
        ) from None
    try:
        yield
    finally:
        lock.release()


def _execute(prepared: Prepared, how: Execution) -> RunResult:
    plan = prepared.plan
    allow_over_budget, clock = how.allow_over_budget, how.clock
    budget = shared_budget(
        prepared.engine,
        Budget(
            None if allow_over_budget else plan.budget_micros,
            plan.month_to_date_micros,
            None if allow_over_budget else plan.prices.monthly_read_cap,
            plan.month_to_date_reads,
        ),
        clock(),
    )
    runner = Runner(
        prepared.engine,
        slots(prepared.config.refresh_schedule),
        prices=prepared.prices,
        budget=budget,
        clock=clock,
        per_token=prepared.config.api.max_concurrency_per_token,
        progress=how.progress,
        account_done=how.account_done,
        history=prepared.history,
    )
    jobs: list[AccountJob] = []
    failed: list[AccountResult] = []
    clients = []
    for account in prepared.accounts:
        log = CallLog()
        user_token = account.auth == "oauth2"
        key = f"user:{account.name}" if user_token else APP_TOKEN
        try:
            client = open_client(
                prepared.config, account, on_call=log, transport=how.transport, clock=clock,
                shared_windows=how.windows(key) if how.windows else None,
            )  # fmt: skip
        except (ApiError, XpulseError) as exc:
            signed_out = isinstance(exc, NeedsSignIn)
            failed.append(AccountResult(account.name, error=str(exc), needs_sign_in=signed_out))
            continue
        clients.append(client)
        source = XClientSource(client, account.username, user_token=user_token)
        spec = prepared.specs.get(account.name) or spec_for(account)
        jobs.append(AccountJob(spec, source, key, log))
    try:
        carried: dict[str, AccountResult] = {}
        if plan.unsized:
            jobs, carried = _size_first_sweeps(prepared, runner, jobs, clock)
            admit(prepared.plan, allow_over_budget)
            if how.show is not None:
                for line in prepared.plan.lines():
                    how.show(line)
        result = runner.run(jobs, carried)
        if result.stopped is None:
            # The last private read before day 30 (and promoted metrics).
            last_private_reads(prepared, jobs, result, clock, budget)
    finally:
        for client in clients:
            client.close()
    order = {a.name: i for i, a in enumerate(prepared.accounts)}
    merged = sorted([*result.accounts, *failed], key=lambda r: order[r.name])
    return RunResult(merged, result.elapsed_s, result.stopped)


def last_private_reads(
    prepared: Prepared,
    jobs: Sequence[AccountJob],
    result: RunResult,
    clock: Callable[[], datetime],
    budget: Budget | None = None,
) -> None:
    """After a collect run: each own account's posts whose private slot is due (the last
    one between day 29 and 30), read with every private field X allows, under the run's
    ``budget``. Counted into the account's result; an error is that account's error, as
    in the runner."""
    by_name = {r.name: r for r in result.accounts}
    schedule = slots(prepared.config.refresh_schedule)
    own = [j.spec.name for j in jobs if j.spec.own]
    if not own:
        return
    with prepared.engine.connect() as conn:
        user_ids = queries.cached_user_ids(conn, own)  # the run looked up and cached each one
    for job in jobs:
        outcome = by_name.get(job.spec.name)
        client = getattr(job.source, "client", None)
        if not job.spec.own or outcome is None or outcome.error or client is None:
            continue
        user_id = user_ids.get(job.spec.name)
        if user_id is None:
            continue
        try:
            done = collect_private(
                prepared.engine, client, job.spec.name, user_id, user_context=True,
                schedule=schedule, clock=clock, calls=job.calls, prices=prepared.prices,
                budget=budget, owned_reads=job.spec.owned_reads,
            )  # fmt: skip
        except XpulseError as exc:
            outcome.error = f"private metrics: {exc}"
            outcome.needs_sign_in = isinstance(exc, NeedsSignIn)
            continue
        outcome.refreshed += done.observations
        outcome.micros += done.micros
