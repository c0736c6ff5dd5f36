"""The tasks workers run; each calls the same library code as the single-process commands.

* ``xpulse:collect`` (account): plan and collect one account (``xpulse collect --account``);
* ``xpulse:run`` (account, period): collect, report, deliver one account (``xpulse run``),
  then its alerts under a lock every worker shares, so each alert still goes out once;
* ``xpulse:alerts``: the month's budget alerts, every 15 minutes;
* ``xpulse:tick``: every minute, queues a run for each account whose cadence falls in that
  minute (in the account's time zone).

An account's collect and run share its lock (``account:NAME``), so one job of an account
runs at a time on all machines together: its token refresh and its checkpoints see one
process. X's rate-limit windows are kept in PostgreSQL per token and endpoint
(:mod:`xpulse.store.rate_windows`), so a job, or every job of the app bearer token at once,
waits for a window another worker spent instead of meeting a 429. A job that fails
records its error in one line (``xpulse_job_errors``, shown by ``xpulse workers status``);
one whose worker died is retried by another worker (see :mod:`xpulse.jobs.worker`) and
resumes from the checkpoints, as a killed ``xpulse collect`` does.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import procrastinate
from procrastinate import JobContext, RetryStrategy
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from xpulse.api import redact
from xpulse.api.ratelimit import SharedWindows
from xpulse.config.delivery import Cadence
from xpulse.config.paths import config_path
from xpulse.config.settings import Config, account_timezone, load_config
from xpulse.errors import JobFailed, StoreError, XpulseError
from xpulse.jobs.engine import QUEUE
from xpulse.jobs.queue import enqueue_async
from xpulse.store.db import safe_url
from xpulse.store.migrations import migrate
from xpulse.store.pg_locks import AdvisoryLock
from xpulse.store.rate_windows import WindowTable

log = logging.getLogger("xpulse.jobs")
blueprint = procrastinate.Blueprint()

# What a retry can mend: the database or the network of this machine. An error the library
# names (the budget, a sign-in, X's answer) is final for the job: the next run tries again.
RETRY = RetryStrategy(max_attempts=3, wait=10, retry_exceptions={SQLAlchemyError, OSError})
ALERTS_LOCK = "alerts"


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def store_engine(config: Config, concurrency: int = 8) -> Engine:
    """One engine per worker process, migrated once; its pool serves every job thread. A
    job uses one connection at a time, its refresh up to one a concurrent call of its
    token, and the process one more for the budget ledger's session: concurrency + 2 kept,
    at most 2 x concurrency + 2 (docs/workers.md: what PostgreSQL's max_connections must
    hold)."""
    url = config.db_url()
    with _engines_lock:
        if url not in _engines:
            engine = create_engine(
                url, pool_pre_ping=True, pool_size=concurrency + 2, max_overflow=concurrency
            )
            try:
                migrate(engine)
            except SQLAlchemyError as exc:
                engine.dispose()
                raise StoreError(
                    f"cannot open database {safe_url(url)}: {first_line(exc)}"
                ) from None
            _engines[url] = engine
        return _engines[url]


def first_line(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    text_ = str(orig if orig is not None else exc).strip()
    return text_.splitlines()[0] if text_ else type(exc).__name__


class SharedTransport(httpx.HTTPTransport):
    """One connection pool for every job of the worker: kept-alive connections to X are
    reused from one account to the next, and the TLS context (about 100 ms to load the CA
    bundle) is made once, not once per account. The clients of the jobs close it after
    each job; it stays open as long as the worker."""

    def close(self) -> None:
        pass


_transport: list[SharedTransport] = []


def shared_transport() -> SharedTransport:
    with _engines_lock:
        if not _transport:
            limits = httpx.Limits(max_connections=None, max_keepalive_connections=64)
            _transport.append(SharedTransport(limits=limits))
        return _transport[0]


def shared_windows(engine: Engine) -> Callable[[str], SharedWindows]:
    """A token's rate-limit windows as every worker sees them, by the token's key."""
    return WindowTable(engine).for_token


_config_cache: dict[str, tuple[float, Config]] = {}


def current_config() -> Config:
    """The config file, parsed again only when it changed (a worker runs many jobs; the
    file of an agency with thousands of accounts takes a while to read)."""
    path = config_path()
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return load_config()  # its error says what is wrong
    cached = _config_cache.get(str(path))
    if cached is None or cached[0] != stamp:
        cached = (stamp, load_config(path))
        _config_cache[str(path)] = cached
    return cached[1]


def record_error(engine: Engine, job_id: int, account: str | None, task: str, error: str) -> None:
    line = " ".join(error.split())[:500] or "error"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO xpulse_job_errors (job_id, account, task, error) "
                "VALUES (:j, :a, :t, :e)"
            ),
            {"j": job_id, "a": account, "t": task, "e": line},
        )


@contextmanager
def _recorded(context: JobContext, config: Config, account: str | None) -> Iterator[None]:
    job = context.job
    try:
        yield
    except Exception as exc:
        # A driver may echo a URL or a token: only redacted text is logged or stored.
        raw = str(exc) if isinstance(exc, XpulseError) else f"{type(exc).__name__}: {exc}"
        text_ = redact.text(raw)
        log.warning("job %s %s %s failed: %s", job.id, job.task_name, account or "", text_)
        try:
            record_error(store_engine(config), int(job.id or 0), account, job.task_name, text_)
        except SQLAlchemyError:
            log.exception("could not record the error of job %s", job.id)
        raise


@blueprint.task(name="collect", queue=QUEUE, pass_context=True, retry=RETRY)
def collect(context: JobContext, account: str) -> None:
    from xpulse.operations.collect import execute, prepare

    config = current_config()
    with _recorded(context, config, account):
        engine = store_engine(config)
        prepared = prepare(config, account, engine=engine)
        result = execute(
            prepared, exclusive=False, transport=shared_transport(), windows=shared_windows(engine)
        )
        log.info("%s: %s", account, result.summary())
        problems = [a.error for a in result.accounts if a.error]
        if result.stopped:
            problems.append(result.stopped)
        if problems:
            raise JobFailed("; ".join(dict.fromkeys(p for p in problems if p)))


@blueprint.task(name="run", queue=QUEUE, pass_context=True, retry=RETRY)
def run(context: JobContext, account: str, period: str | None = None) -> None:
    from xpulse.operations import alerts as al
    from xpulse.operations.outbox import Transports
    from xpulse.operations.run import Hooks, RunOptions, alert_run, run_job

    config = current_config()
    with _recorded(context, config, account):
        transports = Transports()
        sender = al.alert_channel(config, transports)  # its secrets checked first, as run's
        # Alerts are sent below, under a lock all workers share: a budget threshold crossed
        # by two accounts' runs at once is one event.
        delivery = config.delivery.model_copy(update={"alerts": None})
        quiet = config.model_copy(update={"delivery": delivery})
        options = RunOptions(accounts=(account,), period=period, exclusive=False)
        hooks = Hooks(
            api_transport=shared_transport(), api_windows=shared_windows(store_engine(config))
        )
        outcome = run_job(quiet, options, hooks)
        if sender is not None:
            engine = store_engine(config)
            with AdvisoryLock(engine, ALERTS_LOCK):
                outcome.alerts = alert_run(config, engine, sender, outcome, datetime.now(UTC))
        for line in outcome.lines():
            log.info("%s", line)
        if not outcome.ok:
            bad = [a.line() for a in outcome.accounts if not a.ok]
            raise JobFailed("; ".join(bad + (outcome.alerts.errors if outcome.alerts else [])))


@blueprint.periodic(cron="*/15 * * * *")
@blueprint.task(name="alerts", queue=QUEUE, pass_context=True, queueing_lock="alerts")
def alerts(context: JobContext, timestamp: int) -> None:
    """The month's spend against the budget, alerted once per threshold."""
    from xpulse.collect.planner import month_start, next_month_start
    from xpulse.collect.pricing import MICRO
    from xpulse.operations import alerts as al
    from xpulse.operations.outbox import Transports
    from xpulse.store import queries

    config = current_config()
    with _recorded(context, config, None):
        sender = al.alert_channel(config, Transports())
        if sender is None:
            return
        now = datetime.fromtimestamp(timestamp, UTC)
        engine = store_engine(config)
        with AdvisoryLock(engine, ALERTS_LOCK):
            with engine.connect() as conn:
                spent = queries.spent_micros(conn, month_start(now), next_month_start(now))
            budget = round(config.monthly_budget_usd * MICRO)
            found = al.budget_alerts(
                spent, budget, now.strftime("%Y-%m"), sender.rules.budget_percent
            )
            sent = al.dispatch(engine, found, sender.send, channel=sender.channel, now=now)
        if sent.errors:
            raise JobFailed("; ".join(sent.errors))


def cadence_due(cadence: Cadence, tz: str, at: datetime) -> bool:
    """Whether the cadence's time falls in the minute starting at ``at`` (in ``tz``)."""
    local = at.astimezone(ZoneInfo(tz))
    if (local.hour, local.minute) != (cadence.hour, cadence.minute):
        return False
    if cadence.weekdays:
        return local.weekday() in cadence.weekdays
    if cadence.day_of_month is not None:
        return local.day == cadence.day_of_month
    return True


@blueprint.periodic(cron="* * * * *")
@blueprint.task(name="tick", queue=QUEUE, pass_context=True, queueing_lock="tick")
async def tick(context: JobContext, timestamp: int) -> None:
    """Queue the runs the cadence asks for in this minute (each deferred once, by
    procrastinate's periodic bookkeeping, however many workers run)."""
    config = current_config()
    cadence = config.delivery.cadence_spec()
    at = datetime.fromtimestamp(timestamp, UTC)
    for account in config.accounts:
        if cadence_due(cadence, account_timezone(config, account), at):
            queued = await enqueue_async(context.app, "run", account)
            log.info("cadence: %s", queued.line())


@blueprint.periodic(cron="17 3 * * *")
@blueprint.task(name="cleanup", queue=QUEUE, pass_context=True, queueing_lock="cleanup")
async def cleanup(context: JobContext, timestamp: int) -> None:
    """Succeeded jobs older than a week go; failed ones stay until looked at."""
    await context.app.job_manager.delete_old_jobs(nb_hours=7 * 24)
