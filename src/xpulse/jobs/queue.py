"""Putting jobs on the queue, each with its account's lock and a queueing lock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued

from xpulse.config.settings import AccountConfig
from xpulse.jobs.engine import QUEUE

Kind = Literal["collect", "run"]
APP_TOKEN_LOCK = "token:app-bearer"  # noqa: S105 - a lock name, not a secret


def account_lock(account: AccountConfig) -> str:
    """One job at a time per token: an account's own, or the app bearer all bearer
    accounts share (its concurrency bound and rate-limit window are the app's)."""
    return APP_TOKEN_LOCK if account.auth == "bearer" else f"account:{account.name}"


@dataclass(frozen=True)
class Queued:
    account: str
    kind: Kind
    job_id: int | None  # None: one was already waiting

    def line(self) -> str:
        if self.job_id is None:
            return f"{self.account}: {self.kind} already queued"
        return f"{self.account}: {self.kind} queued (job {self.job_id})"


def _configure(
    app: procrastinate.App, kind: Kind, account: AccountConfig
) -> procrastinate.jobs.JobDeferrer:
    return app.configure_task(
        f"xpulse:{kind}",
        queue=QUEUE,
        lock=account_lock(account),
        queueing_lock=f"{kind}:{account.name}",
    )


def _args(kind: Kind, account: AccountConfig, period: str | None) -> dict[str, str | None]:
    return (
        {"account": account.name, "period": period} if kind == "run" else {"account": account.name}
    )


def enqueue(
    app: procrastinate.App, kind: Kind, account: AccountConfig, period: str | None = None
) -> Queued:
    """Queue one job (the app opened synchronously)."""
    try:
        job_id = _configure(app, kind, account).defer(**_args(kind, account, period))
    except AlreadyEnqueued:
        return Queued(account.name, kind, None)
    return Queued(account.name, kind, job_id)


async def enqueue_async(
    app: procrastinate.App, kind: Kind, account: AccountConfig, period: str | None = None
) -> Queued:
    """Queue one job from inside a worker (the app opened asynchronously)."""
    try:
        deferrer = _configure(app, kind, account)
        job_id = await deferrer.defer_async(**_args(kind, account, period))
    except AlreadyEnqueued:
        return Queued(account.name, kind, None)
    return Queued(account.name, kind, job_id)


# A batch this large changes what the job table holds enough to plan on new statistics.
ANALYSE_AFTER = 50
WAITING = (
    "SELECT queueing_lock FROM procrastinate_jobs "
    "WHERE status = 'todo' AND queueing_lock = ANY(%(locks)s)"
)


def enqueue_all(
    app: procrastinate.App,
    kind: Kind,
    accounts: list[AccountConfig],
    period: str | None = None,
) -> list[Queued]:
    """Queue a job per account in one statement (thousands of accounts: one round trip,
    not one each); accounts whose job of this kind is already waiting are left as they
    are. Should another process queue one meanwhile, each is queued on its own instead."""
    jobs = {
        a.name: _configure(app, kind, a).make_new_job(**_args(kind, a, period)) for a in accounts
    }
    locks = [job.queueing_lock for job in jobs.values()]
    rows = app.connector.get_sync_connector().execute_query_all(WAITING, locks=locks)
    waiting = {row["queueing_lock"] for row in rows}
    fresh = [a for a in accounts if jobs[a.name].queueing_lock not in waiting]
    if not fresh:
        return [Queued(a.name, kind, None) for a in accounts]
    try:
        deferred = app.job_manager.batch_defer_jobs([jobs[a.name] for a in fresh])
    except AlreadyEnqueued:
        return [enqueue(app, kind, a, period) for a in accounts]
    if len(fresh) >= ANALYSE_AFTER:
        # The workers' fetch of the next job checks each waiting job's lock against the
        # others; planned on statistics from before a batch of thousands, it read the whole
        # table each time (2,000 waiting: 65-99 ms a fetch, under 1 ms once analysed), until
        # autovacuum's analyse came round a minute or more later.
        app.connector.get_sync_connector().execute_query("ANALYZE procrastinate_jobs")
    ids = {a.name: job.id for a, job in zip(fresh, deferred, strict=True)}
    return [Queued(a.name, kind, ids.get(a.name)) for a in accounts]
