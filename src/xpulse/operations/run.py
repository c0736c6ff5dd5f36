"""``xpulse run``: the unit a schedule calls: collect, report, deliver, alert.

For each chosen account and the period (``delivery.period``, default last week):

1. destinations are resolved first, secrets included, so a bad webhook URL or a missing
   SMTP password stops the run before it reads or spends anything;
2. an account whose every destination already has this period is left alone (no reads);
3. the others are collected in one run (the budget guard of ``xpulse collect`` applies);
4. the report is made once, at the instant the collect ended (so it sees every read the
   run made), and kept in the outbox with its renderings;
5. each destination not yet sent for this account and period is sent, and recorded;
6. alerts (budget, spikes, sign-in, failures) go out once each.

A failed destination is retried by the next run, from the outbox; a sent one never again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import httpx
from filelock import FileLock, Timeout
from sqlalchemy import Engine

from xpulse.analytics import parse_period
from xpulse.analytics.document import Report
from xpulse.analytics.periods import Period
from xpulse.api.ratelimit import SharedWindows
from xpulse.clock import utc_now
from xpulse.collect.planner import month_start, next_month_start, post_reads
from xpulse.collect.pricing import MICRO, dollars, plan_prices
from xpulse.collect.runner import AccountResult
from xpulse.config.delivery import DESTINATIONS, DestinationName
from xpulse.config.paths import state_dir
from xpulse.config.settings import AccountConfig, Config, account_timezone
from xpulse.errors import ConfigError, DeliveryError, NoAccounts, RunBusy, XpulseError
from xpulse.operations import alerts as al
from xpulse.operations.outbox import Outbox, Transports
from xpulse.operations.report import make_report
from xpulse.operations.targets import AccountTargets, resolve_destinations
from xpulse.store import delivery_log as dlog
from xpulse.store import open_store, queries

Echo = Callable[[str], None]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOptions:
    accounts: tuple[str, ...] = ()  # () = every configured account
    period: str | None = None  # None = delivery.period
    only: tuple[DestinationName, ...] = ()  # () = every configured destination
    dry_run: bool = False
    allow_over_budget: bool = False
    # False: a job engine holds each account's lock, so no machine-wide run/collect lock
    exclusive: bool = True


@dataclass
class Hooks:
    """The outside world, injectable: the clock, the X API transport, the senders'."""

    clock: Callable[[], datetime] = utc_now
    api_transport: httpx.BaseTransport | None = None
    transports: Transports = field(default_factory=Transports)
    # a token's rate-limit windows shared with other processes (workers), by token key
    api_windows: Callable[[str], SharedWindows] | None = None


@dataclass
class AccountOutcome:
    name: str
    period: str
    collected: AccountResult | None = None
    sent: dict[str, list[str]] = field(default_factory=dict)  # destination -> files
    already: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # destination or "collect" -> error
    report: Report | None = None

    @property
    def ok(self) -> bool:
        return not self.failed

    def line(self) -> str:
        """One line: what happened to this account."""
        parts = []
        if self.collected is not None and self.collected.error is None:
            c = self.collected
            parts.append(
                f"collected {c.new_posts:,} new, {c.refreshed:,} refreshed ({dollars(c.micros)})"
            )
        parts += [f"{d} sent" for d in self.sent]
        parts += [f"{d} already sent" for d in self.already]
        parts += [f"{d} FAILED: {e}" for d, e in self.failed.items()]
        status = "ok" if self.ok else "FAILED"
        return f"{self.name} {self.period}: {status}: " + ("; ".join(parts) or "nothing to do")


@dataclass
class RunOutcome:
    accounts: list[AccountOutcome]
    cost_micros: int = 0
    alerts: al.Dispatched | None = None
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        alerts_ok = self.alerts is None or not self.alerts.errors
        return alerts_ok and all(a.ok for a in self.accounts)

    def lines(self) -> list[str]:
        out = [a.line() for a in self.accounts]
        if self.alerts is not None:
            out += [f"alert sent: {a.title}" for a in self.alerts.sent]
            out += self.alerts.errors
        if not self.dry_run:
            out.append(f"cost of this run: {dollars(self.cost_micros)}")
        return out


def _chosen(config: Config, names: tuple[str, ...]) -> list[AccountConfig]:
    if not names:
        if not config.accounts:
            raise NoAccounts(config.path)
        return list(config.accounts)
    return [config.account(n) for n in dict.fromkeys(names)]


def _targets(
    config: Config, accounts: list[AccountConfig], only: tuple[DestinationName, ...]
) -> dict[str, AccountTargets]:
    out = {}
    for account in accounts:
        out[account.name] = resolve_destinations(config, account, only or DESTINATIONS)
    if not any(t.names() for t in out.values()):
        what = " or ".join(only) + " " if only else ""
        raise ConfigError(
            f"{config.path}: no {what}destination is configured under [delivery] for "
            f"{', '.join(out)}; nothing to deliver"
        )
    return out


def run_job(
    config: Config, options: RunOptions, hooks: Hooks | None = None, echo: Echo | None = None
) -> RunOutcome:
    """Collect, report, deliver and alert as the module docstring says; one outcome line
    per account. Raises XpulseError only for what stops the whole run before it starts."""
    hooks = hooks or Hooks()
    say = echo or (lambda _line: None)
    accounts = _chosen(config, options.accounts)
    targets = _targets(config, accounts, options.only)
    # Checked up front. Alerts are not deliveries: `--only` does not hold them back.
    sender = al.alert_channel(config, hooks.transports)
    # The period is named once, at the start, so its delivery records and outbox match;
    # every figure is computed later, at the instant the run's own reads are stored.
    started = hooks.clock()
    spec = options.period or config.delivery.period
    periods = {a.name: parse_period(spec, account_timezone(config, a), started) for a in accounts}
    settled = SettledRun(config, options, hooks, say, accounts, targets, periods, sender)
    # A worker holds the job engine's per-account lock instead of the file lock.
    if not options.exclusive:
        engine = open_store(config.db_url())
        try:
            return _run(settled, engine)
        finally:
            engine.dispose()
    lock_path = state_dir() / "run.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(str(lock_path), timeout=0):
            engine = open_store(config.db_url())
            try:
                return _run(settled, engine)
            finally:
                engine.dispose()
    except Timeout:
        raise RunBusy("another `xpulse run` is in progress; try again when it ends") from None


@dataclass(frozen=True)
class SettledRun:
    """What a run settles before it opens the store: the chosen accounts, each one's
    destinations (secrets resolved) and period, and the alert channel."""

    config: Config
    options: RunOptions
    hooks: Hooks
    say: Echo
    accounts: list[AccountConfig]
    targets: dict[str, AccountTargets]
    periods: dict[str, Period]  # by account name
    sender: al.AlertSender | None  # None: no alert channel configured


def _run(settled: SettledRun, engine: Engine) -> RunOutcome:
    config, options, hooks = settled.config, settled.options, settled.hooks
    accounts, targets, periods = settled.accounts, settled.targets, settled.periods
    outcomes: dict[str, AccountOutcome] = {}
    pending: dict[str, list[DestinationName]] = {}
    for account in accounts:
        label = periods[account.name].label
        outcome = AccountOutcome(account.name, label)
        outcomes[account.name] = outcome
        with engine.connect() as conn:
            done = dlog.deliveries_for(conn, account.name, label)
        todo: list[DestinationName] = []
        for dest in targets[account.name].names():
            if dest in done and done[dest].status == dlog.SENT:
                outcome.already.append(dest)
            else:
                todo.append(dest)
        pending[account.name] = todo
    need_report = [a for a in accounts if pending[a.name]]
    # A period whose report already sits in the outbox is resent as it is: no new reads.
    to_collect = [a for a in need_report if Outbox(a.name, outcomes[a.name].period).load() is None]
    if options.dry_run:
        return _dry_run(settled, to_collect, need_report, outcomes, pending)

    result_micros = _collect(config, options, hooks, to_collect, outcomes)
    fresh: list[Report] = []
    for account in need_report:
        outcome = outcomes[account.name]
        if outcome.failed:
            continue
        outbox = Outbox(account.name, outcome.period)
        report = outbox.load()
        if report is None:
            try:
                # The label, not the spec: "last-week" read after midnight on Sunday
                # would name another week than the one the delivery records hold.
                spent = outcome.collected.micros if outcome.collected is not None else 0
                report = make_report(
                    config,
                    engine,
                    account=account.name,
                    period=outcome.period,
                    tz=None,
                    now=hooks.clock(),  # after the collect: the report sees its reads
                    run_micros=spent,
                )
            except XpulseError as exc:
                outcome.failed["report"] = str(exc)
                continue
            outbox.save(report)
            fresh.append(report)
        outcome.report = report
        for pending_dest in pending[account.name]:
            _deliver(engine, pending_dest, targets[account.name], report, outbox, hooks, outcome)
    outcome_list = [outcomes[a.name] for a in accounts]
    run = RunOutcome(outcome_list, result_micros)
    if settled.sender is not None:
        run.alerts = _alerts(config, engine, settled.sender, outcome_list, fresh, hooks.clock())
    return run


def _collect(
    config: Config,
    options: RunOptions,
    hooks: Hooks,
    accounts: list[AccountConfig],
    outcomes: dict[str, AccountOutcome],
) -> int:
    """Collect ``accounts``; failures go on their outcomes. Returns the micros spent."""
    if not accounts:
        return 0
    from xpulse.operations.collect import execute, prepare

    sub = config.model_copy(update={"accounts": accounts})
    try:
        # Competitors are collected with a run of every account, not with one account's run
        # (a worker's job): their figures feed each report's benchmark.
        prepared = prepare(sub, clock=hooks.clock, competitors=not options.accounts)
    except XpulseError as exc:
        for account in accounts:
            outcomes[account.name].failed["collect"] = str(exc)
        return 0
    try:
        result = execute(
            prepared,
            allow_over_budget=options.allow_over_budget,
            clock=hooks.clock,
            transport=hooks.api_transport,
            exclusive=options.exclusive,
            windows=hooks.api_windows,
        )
    except XpulseError as exc:  # e.g. the plan would pass the monthly budget
        for account in accounts:
            outcomes[account.name].failed["collect"] = str(exc)
        return 0
    finally:
        prepared.engine.dispose()
    for acc in result.accounts:
        outcome = outcomes.get(acc.name)
        if outcome is None:  # a competitor: its spend is in the total, it has no delivery
            if acc.error:
                log.warning("collect %s: %s", acc.name, acc.error)
            continue
        outcome.collected = acc
        if acc.error:
            outcome.failed["collect"] = acc.error
    if result.stopped:
        for account in accounts:
            outcomes[account.name].failed.setdefault("collect", result.stopped)
    return sum(a.micros for a in result.accounts)


def _deliver(
    engine: Engine,
    dest: DestinationName,
    targets: AccountTargets,
    report: Report,
    outbox: Outbox,
    hooks: Hooks,
    outcome: AccountOutcome,
) -> None:
    error: str | None = None
    files: list[str] = []
    try:
        files = targets.destinations[dest].send(report, outbox, hooks.transports)
    except DeliveryError as exc:
        error = str(exc).removeprefix(f"{dest}: ")
    except (XpulseError, ValueError, OSError) as exc:
        error = str(exc) or type(exc).__name__
    with engine.begin() as conn:
        dlog.record_delivery(
            conn,
            outcome.name,
            outcome.period,
            dest,
            now=hooks.clock(),
            error=error,
            artifacts=files or None,
        )
    if error is None:
        outcome.sent[dest] = files
    else:
        outcome.failed[dest] = f"{error} (the report stays in {outbox.folder}; rerun to retry)"


def _dry_run(
    settled: SettledRun,
    to_collect: list[AccountConfig],
    need_report: list[AccountConfig],
    outcomes: dict[str, AccountOutcome],
    pending: dict[str, list[DestinationName]],
) -> RunOutcome:
    """Print what would be read, spent and sent; change nothing."""
    config, hooks, say, targets = settled.config, settled.hooks, settled.say, settled.targets
    if to_collect:
        from xpulse.operations.collect import prepare

        prepared = prepare(config.model_copy(update={"accounts": to_collect}), clock=hooks.clock)
        try:
            for line in prepared.plan.lines():
                say(f"would read: {line}")
        finally:
            prepared.engine.dispose()
    else:
        say("would read: nothing (every report needed is already made)")
    for account in need_report:
        outcome = outcomes[account.name]
        report = Outbox(account.name, outcome.period).load()
        for dest in pending[account.name]:
            where = targets[account.name].destinations[dest].describe(report)
            say(f"would send {account.name} {outcome.period}: {where}")
    for name, outcome in outcomes.items():
        for done in outcome.already:
            say(f"already sent {name} {outcome.period} to {done}: skipped")
    return RunOutcome([], 0, None, dry_run=True)


def alert_run(
    config: Config, engine: Engine, sender: al.AlertSender, outcome: RunOutcome, now: datetime
) -> al.Dispatched:
    """The alerts of a finished run, sent once each: the budget and the plan's cap, the
    spikes of the reports the run holds, sign-ins and failed accounts. For a caller that
    ran :func:`run_job` with alerts left out (a worker sends them under a lock every
    worker shares, so a threshold crossed by two runs at once is one event)."""
    reports = [a.report for a in outcome.accounts if a.report is not None]
    return _alerts(config, engine, sender, outcome.accounts, reports, now)


def _alerts(
    config: Config,
    engine: Engine,
    sender: al.AlertSender,
    outcomes: list[AccountOutcome],
    fresh: list[Report],
    now: datetime,
) -> al.Dispatched:
    conf = sender.rules
    found: list[al.Alert] = []
    with engine.connect() as conn:
        spent = queries.spent_micros(conn, month_start(now), next_month_start(now))
    budget = round(config.monthly_budget_usd * MICRO)
    found += al.budget_alerts(spent, budget, now.strftime("%Y-%m"), conf.budget_percent)
    prices = plan_prices(config.plan)  # the plan's read cap, alerted like the budget
    with engine.connect() as conn:
        reads = post_reads(conn, month_start(now), next_month_start(now))
    cap = prices.monthly_read_cap
    found += al.cap_alerts(reads, cap, prices.plan, now.strftime("%Y-%m"), conf.budget_percent)
    if conf.spikes:
        for report in fresh:
            found += al.spike_alerts(report)
    for outcome in outcomes:
        collected = outcome.collected
        if collected is not None and collected.needs_sign_in:  # the flag, not the text
            if conf.sign_in:
                found.append(al.sign_in_alert(outcome.name, outcome.failed.get("collect", "")))
        elif collected is not None and collected.error is None:
            al.resolve_sign_in(engine, outcome.name, now)
        if outcome.failed and conf.failed_runs:
            problems = [f"{d}: {e}" for d, e in outcome.failed.items()]
            found.append(al.run_failed_alert(outcome.name, outcome.period, problems))
    return al.dispatch(engine, found, sender.send, channel=sender.channel, now=now)


__all__ = ["DESTINATIONS", "Hooks", "RunOptions", "RunOutcome", "alert_run", "run_job"]
