"""``xpulse worker``: one procrastinate worker process, and the retry of dead workers' jobs.

A worker SIGKILLed (or on a machine that is lost) leaves its jobs ``doing`` and its
heartbeat stops. Every worker looks, every ``stalled_after / 2`` seconds, for jobs of
workers whose heartbeat (sent every second) is older than ``stalled_after``, and puts them
back on the queue: another worker takes them and resumes from the checkpoints. The
per-account lock is not in the way: procrastinate holds a lock through the job's ``doing``
row, which the retry turns back to ``todo``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import ThreadPoolExecutor

import procrastinate

from xpulse.accounts import tokens
from xpulse.accounts.token_table import DatabaseTokenStore
from xpulse.config.settings import Config
from xpulse.jobs.app import make_app
from xpulse.jobs.engine import QUEUE, conninfo, ensure_schema
from xpulse.jobs.tasks import store_engine
from xpulse.store.pg_locks import AdvisoryLock, LockTimeout

log = logging.getLogger("xpulse.jobs")
# Every worker beats this often whatever its --stalled-after, so that no worker, however
# short its own setting, takes a live one for dead (its job would then run twice).
HEARTBEAT = 1.0
MIN_STALLED_AFTER = 5.0


async def retry_stalled(app: procrastinate.App, stalled_after: float) -> int:
    """Put the jobs of workers silent for ``stalled_after`` seconds back on the queue."""
    stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after)
    count = 0
    for job in stalled:
        await app.job_manager.retry_job(job)
        log.warning("job %s (%s %s) lost its worker: queued again", job.id, job.task_name,
                    job.task_kwargs.get("account", ""))  # fmt: skip
        count += 1
    return count


async def _reaper(app: procrastinate.App, stalled_after: float) -> None:
    while True:
        await asyncio.sleep(stalled_after / 2)
        try:
            await retry_stalled(app, stalled_after)
        except Exception:  # a database blip: the next round tries again
            log.exception("looking for stalled jobs failed")


async def _work(
    app: procrastinate.App, concurrency: int, stalled_after: float, *, wait: bool = True
) -> None:
    """Work the queue (``wait=False``: until it is empty)."""
    # procrastinate runs a sync task in the event loop's default thread pool, which holds
    # min(32, cores + 4) threads: 6 on two cores, whatever --concurrency says. One thread
    # a job slot, and a few for the loop's own uses (name lookups).
    threads = ThreadPoolExecutor(concurrency + 4, thread_name_prefix="xpulse-job")
    asyncio.get_running_loop().set_default_executor(threads)
    async with app.open_async():
        reaper = asyncio.create_task(_reaper(app, stalled_after))
        try:
            await app.run_worker_async(
                queues=[QUEUE],
                concurrency=concurrency,
                wait=wait,
                update_heartbeat_interval=HEARTBEAT,
                stalled_worker_timeout=stalled_after,
                install_signal_handlers=wait,
            )
        finally:
            reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reaper


def share_token_refresh(config: Config) -> None:
    """Token refreshes of this process take a PostgreSQL advisory lock, which a worker on
    another machine sees (a file lock does not)."""
    engine = store_engine(config)

    def lock(account: str, timeout: float) -> AdvisoryLock:
        return AdvisoryLock(engine, f"token:{account}", timeout)

    tokens.share_refresh_lock(lock, LockTimeout)


def work(
    config: Config, *, concurrency: int, stalled_after: float = 30.0, shared_tokens: bool = False
) -> None:
    """Run a worker until SIGINT/SIGTERM (the jobs in hand finish first). ``shared_tokens``:
    every account's tokens live in the database, for workers on several machines."""
    conninfo(config.db_url())  # workers need PostgreSQL: one line when it is not
    engine = store_engine(config, concurrency)  # migrated here, once
    ensure_schema(engine)
    app = make_app(config.db_url())
    share_token_refresh(config)
    if shared_tokens:
        tokens.share_token_store(DatabaseTokenStore(engine))
    asyncio.run(_work(app, concurrency, stalled_after))
