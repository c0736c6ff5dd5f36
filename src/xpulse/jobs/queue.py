"""Putting jobs on the queue, each with its account's lock and a queueing lock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued

from xpulse.config import AccountConfig
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
