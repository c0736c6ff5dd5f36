"""``xpulse workers status``: the queue per account, and each failed job's error."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, text

COUNTS = """
SELECT coalesce(j.args->>'account', '(all)') AS account,
       count(*) FILTER (WHERE j.status = 'todo') AS queued,
       count(*) FILTER (WHERE j.status = 'doing') AS running,
       count(*) FILTER (WHERE j.status = 'succeeded') AS succeeded,
       count(*) FILTER (WHERE j.status = 'failed') AS failed,
       count(*) FILTER (WHERE j.attempts > 1 OR EXISTS (
           SELECT 1 FROM procrastinate_events e
           WHERE e.job_id = j.id AND e.type IN ('deferred_for_retry', 'retried'))) AS retried
  FROM procrastinate_jobs j
 GROUP BY 1 ORDER BY 1
"""

FAILED = """
SELECT j.id, j.task_name, coalesce(j.args->>'account', '') AS account, j.attempts,
       (SELECT e.error FROM xpulse_job_errors e WHERE e.job_id = j.id
         ORDER BY e.id DESC LIMIT 1) AS error,
       (SELECT max(ev.at) FROM procrastinate_events ev WHERE ev.job_id = j.id) AS at
  FROM procrastinate_jobs j
 WHERE j.status = 'failed'
 ORDER BY j.id DESC
 LIMIT :limit
"""


@dataclass(frozen=True)
class AccountLine:
    account: str
    queued: int
    running: int
    succeeded: int
    failed: int
    retried: int


@dataclass(frozen=True)
class FailedJob:
    job_id: int
    task: str
    account: str
    attempts: int
    error: str | None
    at: datetime | None

    def line(self) -> str:
        task = self.task.removeprefix("xpulse:")
        when = f" at {self.at:%Y-%m-%d %H:%M} UTC" if self.at else ""
        error = self.error or "no error recorded (the worker died; see its log)"
        who = f" {self.account}" if self.account else ""
        tries = f"{self.attempts} attempt(s)"
        return f"job {self.job_id} {task}{who} failed{when} after {tries}: {error}"


@dataclass
class Status:
    accounts: list[AccountLine] = field(default_factory=list)
    failed: list[FailedJob] = field(default_factory=list)
    workers: int = 0

    def lines(self) -> list[str]:
        out = [f"{self.workers} worker(s) alive"]
        if not self.accounts:
            return [*out, "no jobs"]
        width = max(len("account"), *(len(a.account) for a in self.accounts))
        out.append(f"{'account':<{width}}  queued  running  succeeded  failed  retried")
        for a in self.accounts:
            out.append(
                f"{a.account:<{width}}  {a.queued:>6}  {a.running:>7}  {a.succeeded:>9}  "
                f"{a.failed:>6}  {a.retried:>7}"
            )
        out += [f.line() for f in self.failed]
        return out


def read_status(engine: Engine, *, failed_limit: int = 20, stalled_after: float = 30.0) -> Status:
    with engine.connect() as conn:
        accounts = [AccountLine(*row) for row in conn.execute(text(COUNTS))]
        failed = [
            FailedJob(int(r.id), r.task_name, r.account, int(r.attempts), r.error, r.at)
            for r in conn.execute(text(FAILED), {"limit": failed_limit})
        ]
        workers = conn.execute(
            text(
                "SELECT count(*) FROM procrastinate_workers "
                "WHERE last_heartbeat > now() - make_interval(secs => :s)"
            ),
            {"s": stalled_after},
        ).scalar_one()
    return Status(accounts, failed, int(workers))
