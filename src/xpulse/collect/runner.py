"""The collector: every account in parallel, each page stored with its checkpoint.

Per account, in order:

1. the user id, looked up once and cached in ``accounts``;
2. the timeline sweep: new posts since the last one seen (``since_id``), page by page. The
   checkpoint keeps the in-flight sweep (its ``since_id``, ``start_time`` and next
   ``pagination_token``), so a killed run resumes at the next page; ``since_id`` advances
   only when the sweep completes. A first sweep reaches back ``history`` (nothing older is
   read) in two windows, each read once: posts older than
   :data:`BACKFILL` first, without private fields (X hides a post 30 days old or more from
   a page that asks them), under their own checkpoint (``timeline:history``: its
   ``started_at`` fixes the window's end); then the recent window, with private fields,
   from that end on. Later sweeps go from ``since_id``, however long ago. Posts X leaves
   out of a page (temporarily unavailable, or hidden because private metrics were asked
   of a post 30 days old or more) are fetched by id at once;
3. the refresh: posts the schedule says are due, 100 ids a call. "Due" is computed from
   the stored observations, so a resumed run skips what the killed one already stored and
   a second run straight after reads nothing;
4. the profile counts (followers, ...), once a UTC day: :mod:`xpulse.collect.profile`.

Concurrency: accounts run in a thread pool; every API call holds its token's semaphore,
so no token has more than ``per_token`` calls in flight (app-only bearer accounts share
one token and so one semaphore). Clock and monotonic time are injected.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from xpulse.clock import Clock, utc_now
from xpulse.collect import profile
from xpulse.collect.budget import Budget
from xpulse.collect.calllog import CallLog
from xpulse.collect.planner import (
    BACKFILL,
    LIMIT_HINT,
    PRIVATE_MARGIN,
    TIMELINE_LIMIT,
    AccountSpec,
)
from xpulse.collect.pricing import PriceTable, billing_day, dollars
from xpulse.collect.private import BATCH
from xpulse.collect.refresh_slots import HORIZON, due_ids
from xpulse.collect.source import Fetched, Source, UserId
from xpulse.collect.store_page import (
    FIELD_DENIED,
    UNAVAILABLE,
    Stored,
    call_rows,
    ids_with,
    store_fetched,
)
from xpulse.errors import (
    ApiError,
    BudgetExceeded,
    CallsStopped,
    MonthlyCapReached,
    NeedsSignIn,
    XpulseError,
)
from xpulse.store import history, queries

HISTORY_JOB = "timeline:history"  # checkpoint of a first sweep's older window
UNREAD = object()  # a checkpoint not read yet
PAGE_SIZE = 100
UNAVAILABLE_RETRIES = 3


@dataclass(frozen=True)
class AccountJob:
    spec: AccountSpec
    source: Source
    token_key: str  # which token the calls use: accounts sharing one share its limit
    calls: CallLog | None = None  # the client's on_call sink, drained into each page


@dataclass
class AccountResult:
    name: str
    new_posts: int = 0
    refreshed: int = 0
    reads: int = 0
    billable: int = 0
    micros: int = 0
    error: str | None = None
    # True only for NeedsSignIn: callers (alerts) test this, never the message text
    needs_sign_in: bool = False
    notice: str | None = None  # e.g. X's 3,200-post limit cut the first sweep's window

    def add(self, stored: Stored) -> None:
        self.reads += stored.reads
        self.billable += stored.billable
        self.micros += stored.micros


@dataclass(frozen=True)
class RunResult:
    accounts: list[AccountResult]
    elapsed_s: float
    stopped: str | None = None  # why the whole run stopped early (monthly cap)

    @property
    def ok(self) -> bool:
        return self.stopped is None and all(a.error is None for a in self.accounts)

    def summary(self) -> str:
        new = sum(a.new_posts for a in self.accounts)
        upd = sum(a.refreshed for a in self.accounts)
        reads = sum(a.reads for a in self.accounts)
        micros = sum(a.micros for a in self.accounts)
        failed = sum(1 for a in self.accounts if a.error)
        tail = f", {failed} account(s) failed" if failed else ""
        notices = "".join(f"\n{a.notice}" for a in self.accounts if a.notice)
        return (
            f"collected {len(self.accounts)} account(s): {new:,} new posts, {upd:,} refreshed, "
            f"{reads:,} reads, {dollars(micros)}, {self.elapsed_s:.1f} s{tail}{notices}"
        )


@dataclass
class Runner:
    engine: Engine
    schedule: tuple[timedelta, ...]
    prices: PriceTable = field(default_factory=PriceTable)
    budget: Budget = field(default_factory=lambda: Budget(None, 0))
    clock: Clock = utc_now
    monotonic: Callable[[], float] = time.monotonic
    per_token: int = 4
    max_parallel_accounts: int = 16
    progress: Callable[[str, int], None] | None = None  # (account, reads just stored)
    account_done: Callable[[str], None] | None = None  # (account), when its collect ends
    # how far a first sweep reaches back (config ``history_days``; the service passes it)
    history: timedelta = BACKFILL

    def __post_init__(self) -> None:
        self._semaphores: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._stop_reason: str | None = None
        self._backfilling: set[str] = set()  # accounts in their first sweep: one-off reads

    # -- the run --------------------------------------------------------------------------

    def run(
        self, jobs: list[AccountJob], carried: dict[str, AccountResult] | None = None
    ) -> RunResult:
        """Collect every job; ``carried`` holds what was read for an account before (its
        user lookup), counted into its result."""
        started = self.monotonic()
        self._stop.clear()  # a runner may serve several runs (cron in one process)
        self._stop_reason = None
        carried = carried or {}
        results = [carried.get(j.spec.name) or AccountResult(j.spec.name) for j in jobs]
        workers = max(1, min(self.max_parallel_accounts, len(jobs)))

        def one(job: AccountJob, result: AccountResult) -> None:
            self._collect_safely(job, result)
            if self.account_done is not None:
                self.account_done(job.spec.name)

        if workers == 1:  # one account (a worker's job): in this thread, no pool to hand to
            for job, result in zip(jobs, results, strict=True):
                one(job, result)
        else:
            with ThreadPoolExecutor(workers, thread_name_prefix="collect") as pool:
                list(pool.map(one, jobs, results))
        return RunResult(results, self.monotonic() - started, self._stop_reason)

    def _collect_safely(self, job: AccountJob, result: AccountResult) -> None:
        try:
            self._collect(job, result)
        except MonthlyCapReached:
            self._flush_calls(job)
            with self._lock:
                self._stop_reason = (
                    "monthly read cap reached: X serves no more reads to this app until the "
                    "cap resets; what was read is stored (see `xpulse cost`)"
                )
            self._stop.set()
            result.error = "stopped: the app's monthly read cap is reached"
        except NeedsSignIn as exc:
            self._flush_calls(job)
            with self.engine.begin() as conn:
                queries.set_needs_sign_in(conn, job.spec.name, True, self.clock())
            result.error = str(exc)  # names the account and the command that fixes it
            result.needs_sign_in = True
        except CallsStopped:
            result.error = "stopped: the app's monthly read cap is reached"
        except (ApiError, BudgetExceeded, XpulseError) as exc:
            self._flush_calls(job)
            result.error = str(exc)
        except SQLAlchemyError as exc:  # e.g. the database stayed locked past the timeout
            orig = getattr(exc, "orig", None)
            text = str(orig if orig is not None else exc).strip().splitlines()
            result.error = f"database error: {text[0] if text else type(exc).__name__}"

    def _flush_calls(self, job: AccountJob) -> None:
        """Calls that failed without a page still cost rate limit: log them (no bill)."""
        records = job.calls.drain() if job.calls else []
        if records:
            with self.engine.begin() as conn:
                for row in call_rows(job.spec.name, records, None, 0, 0):
                    queries.record_call(conn, row)

    @contextmanager
    def _call(self, job: AccountJob, max_micros: int, max_reads: int = 0) -> Iterator[list[int]]:
        """One API call: stop flag, budget reservation (money and the plan's post reads),
        the token's concurrency bound. The caller sets ``[micros, post reads]`` done."""
        if self._stop.is_set():
            raise CallsStopped("monthly cap reached")
        with self._lock:
            sem = self._semaphores.setdefault(
                job.token_key, threading.BoundedSemaphore(self.per_token)
            )
        self.budget.reserve(max_micros, max_reads)
        actual = [0, 0]
        try:
            with sem:
                yield actual
        finally:
            self.budget.settle(max_micros, actual[0], max_reads, actual[1])

    def _drain(self, job: AccountJob) -> list[Any]:
        return job.calls.drain() if job.calls else []

    # -- one account ------------------------------------------------------------------------

    def look_up_users(self, jobs: list[AccountJob]) -> dict[str, tuple[UserId, AccountResult]]:
        """The user lookup of accounts not looked up yet, before the run is planned for
        good: it returns the post count that sizes a first sweep. The run makes this read
        anyway (and then skips it: the id is cached); failures are left for the run."""
        out: dict[str, tuple[UserId, AccountResult]] = {}
        for job in jobs:
            result = AccountResult(job.spec.name)
            try:
                with self.engine.begin() as conn:
                    queries.ensure_account(conn, job.spec.name, job.spec.username, self.clock())
                out[job.spec.name] = (self._lookup_user(job, result), result)
            except (ApiError, BudgetExceeded, XpulseError):
                self._flush_calls(job)
        return out

    def _collect(self, job: AccountJob, result: AccountResult) -> None:
        spec = job.spec
        with self.engine.begin() as conn:
            account = queries.ensure_account(conn, spec.name, spec.username, self.clock())
            # read now, not after a lookup: a user lookup writes no checkpoint
            cp = queries.get_checkpoint(conn, spec.name, "timeline")
        user_id = account["user_id"]
        if user_id is None:
            user_id = self._lookup_user(job, result).id
        first = cp is None or cp["since_id"] is None
        window_start = self.clock() - self.history
        if first:
            with self._lock:
                self._backfilling.add(spec.name)
        try:
            if self._sweep(job, user_id, result, cp):
                # that was an interrupted sweep finished; posts newer than it need a fresh one
                self._sweep(job, user_id, result)
        finally:
            with self._lock:
                self._backfilling.discard(spec.name)
        if first:
            result.notice = self._limit_notice(spec, window_start)
        self._refresh(job, user_id, result)
        self._profile(job, user_id, result)
        if account["needs_sign_in"]:
            with self.engine.begin() as conn:
                queries.set_needs_sign_in(conn, spec.name, False, self.clock())

    def _limit_notice(self, spec: AccountSpec, window_start: datetime) -> str | None:
        """After a first sweep: whether X's 3,200-post limit kept part of the window out."""
        with self.engine.connect() as conn:
            count, oldest = queries.post_count_and_oldest(conn, spec.name)
        if count < TIMELINE_LIMIT or oldest is None or oldest <= window_start:
            return None
        more = (
            f" (about {spec.post_count - count:,} of its {spec.post_count:,} posts)"
            if spec.post_count is not None and spec.post_count > count
            else ""
        )
        return (
            f"{spec.name}: X serves only the newest {TIMELINE_LIMIT:,} posts of a timeline: "
            f"posts from {window_start:%Y-%m-%d} to {oldest:%Y-%m-%d} are out of reach{more}. "
            f"{LIMIT_HINT}"
        )

    def _lookup_user(self, job: AccountJob, result: AccountResult) -> UserId:
        signed_in = getattr(job.source, "signed_in_user_id", None)
        known = signed_in() if signed_in is not None else None
        if known is not None:  # the sign-in's: no call, so nothing to hold in the budget
            with self.engine.begin() as conn:
                queries.set_user_id(conn, job.spec.name, known, self.clock())
            return UserId(known, 0)
        with self._call(job, self.prices.user_micros) as actual:
            found = job.source.user_id()
            now = self.clock()
            with self.engine.begin() as conn:
                queries.set_user_id(conn, job.spec.name, found.id, now)
                if found.counts is not None:
                    history.save_profile_counts(
                        conn, job.spec.name, found.id, found.counts, now, profile.LOOKUP
                    )
                priced = {f"user:{found.id}": self.prices.user_micros} if found.users_read else {}
                if self.prices.dedupe_same_utc_day:
                    billable, micros = queries.bill(conn, job.spec.name, billing_day(now), priced)
                else:
                    billable, micros = len(priced), sum(priced.values())
                records = self._drain(job)
                # looked up once: a one-off read, like a first sweep
                for row in call_rows(job.spec.name, records, None, billable, micros, True):
                    queries.record_call(conn, row)
            actual[0] = micros
        result.reads += found.users_read
        result.billable += billable
        result.micros += micros
        return found

    def _profile(self, job: AccountJob, user_id: str, result: AccountResult) -> None:
        """Today's profile counts, once a UTC day (see :mod:`xpulse.collect.profile`)."""
        read_profile = getattr(job.source, "profile", None)
        if read_profile is None:
            return  # a source that cannot read profiles (tests' fakes)
        with self.engine.connect() as conn:
            if not profile.profile_due(conn, job.spec.name, self.clock()):
                return
        with self._call(job, self.prices.user_micros) as actual:
            found: profile.ProfileRead = read_profile(user_id)
            now = self.clock()
            with self.engine.begin() as conn:
                history.save_profile_counts(
                    conn, job.spec.name, found.user_id, found.counts, now, profile.ENDPOINT
                )
                priced = {f"user:{found.user_id}": self.prices.user_micros}
                if self.prices.dedupe_same_utc_day:
                    billable, micros = queries.bill(conn, job.spec.name, billing_day(now), priced)
                else:
                    billable, micros = len(priced), sum(priced.values())
                for row in call_rows(job.spec.name, self._drain(job), None, billable, micros):
                    queries.record_call(conn, row)
            actual[0] = micros
        result.reads += found.users_read
        result.billable += billable
        result.micros += micros

    def _sweep(
        self, job: AccountJob, user_id: str, result: AccountResult, read: Any = UNREAD
    ) -> bool:
        """One timeline sweep, resumed from the checkpoint if one was cut short; returns
        whether it was such a resumed sweep. ``read``: the checkpoint as just read, if the
        caller did (one query fewer an account)."""
        spec = job.spec
        cp = read
        if cp is UNREAD:
            with self.engine.begin() as conn:
                cp = queries.get_checkpoint(conn, spec.name, "timeline")
        pending = list(cp["pending_ids"] or []) if cp is not None else []
        self._fill_gaps(job, user_id, pending, result)
        now = self.clock()
        resumed = cp is not None and cp["pagination_token"] is not None
        if cp is not None and resumed:
            since, start = cp["sweep_since_id"], cp["sweep_start_time"]
            token, newest = cp["pagination_token"], cp["sweep_newest_id"]
            started = cp["started_at"]
        else:
            since = cp["since_id"] if cp is not None else None
            # X lets since_id override start_time; the window only bounds a first sweep
            start, newest = None, None
            if since is None:
                start, newest = self._history(job, user_id, result)
            token, started = None, now
        last_since = cp["since_id"] if cp is not None else None
        pages = job.source.timeline(
            user_id, since_id=since, start_time=start, pagination_token=token, private=spec.own
        )
        price = self.prices.post(spec.owned_reads)
        while True:
            with self._call(job, PAGE_SIZE * price, PAGE_SIZE) as actual:
                fetched = next(pages, None)
                if fetched is None:
                    return resumed
                newest = _max_id(newest, _newest_id(fetched))
                done = fetched.next_token is None
                hidden = ids_with(fetched, FIELD_DENIED)
                gaps = ids_with(fetched, UNAVAILABLE) + hidden
                checkpoint = {
                    "job": "timeline",
                    # since_id moves only when the sweep is complete
                    "since_id": _max_id(since, newest) if done else last_since,
                    "sweep_since_id": None if done else since,
                    "sweep_start_time": None if done else start,
                    "sweep_newest_id": None if done else newest,
                    "pagination_token": fetched.next_token,
                    "pending_ids": gaps,
                    "started_at": started,
                    "updated_at": self.clock(),
                }
                stored = self._store(job, user_id, fetched, checkpoint)
                actual[0], actual[1] = stored.micros, stored.reads
            result.add(stored)
            result.new_posts += stored.new_posts
            self._fill_gaps(job, user_id, gaps, result, public=hidden)
            if done:
                return resumed

    def _history(
        self, job: AccountJob, user_id: str, result: AccountResult
    ) -> tuple[datetime, str | None]:
        """A first sweep's older window, ``[now - history, now - BACKFILL)``, read without
        private fields, page by page under its own checkpoint (resumed if cut short, skipped
        once complete). Returns where the recent window starts (this one's end, so the two
        meet with no gap and no overlap) and the newest post id it found."""
        now = self.clock()
        if self.history <= BACKFILL:
            return now - self.history, None
        spec = job.spec
        with self.engine.begin() as conn:
            cp = queries.get_checkpoint(conn, spec.name, HISTORY_JOB)
        if cp is not None:
            pending = list(cp["pending_ids"] or [])
            self._fill_gaps(job, user_id, pending, result, pending, HISTORY_JOB)
            if cp["pagination_token"] is None:  # complete
                return cp["started_at"] - BACKFILL, cp["since_id"]
            start, token = cp["sweep_start_time"], cp["pagination_token"]
            newest, started = cp["sweep_newest_id"], cp["started_at"]
        else:
            start, token, newest, started = now - self.history, None, None, now
        end = started - BACKFILL
        pages = job.source.timeline(
            user_id,
            since_id=None,
            start_time=start,
            end_time=end,
            pagination_token=token,
            private=False,
        )
        price = self.prices.post(spec.owned_reads)
        while True:
            with self._call(job, PAGE_SIZE * price, PAGE_SIZE) as actual:
                fetched = next(pages, None)
                if fetched is None:
                    return end, newest
                newest = _max_id(newest, _newest_id(fetched))
                done = fetched.next_token is None
                gaps = ids_with(fetched, UNAVAILABLE)
                checkpoint = {
                    "job": HISTORY_JOB,
                    "since_id": newest if done else None,
                    "sweep_start_time": start,
                    "sweep_newest_id": newest,
                    "pagination_token": fetched.next_token,
                    "pending_ids": gaps,
                    "started_at": started,
                    "updated_at": self.clock(),
                }
                stored = self._store(job, user_id, fetched, checkpoint)
                actual[0], actual[1] = stored.micros, stored.reads
            result.add(stored)
            result.new_posts += stored.new_posts
            self._fill_gaps(job, user_id, gaps, result, gaps, HISTORY_JOB)
            if done:
                return end, newest

    def _fill_gaps(
        self,
        job: AccountJob,
        user_id: str,
        ids: list[str],
        result: AccountResult,
        public: Iterable[str] = (),
        checkpoint_job: str = "timeline",
    ) -> None:
        """Posts a timeline page left out: "temporarily unavailable" ones, and ones X hid
        because a private field was asked of a post 30 days old or more (``since_id`` takes
        precedence over ``start_time``, so a sweep after a long pause reaches them). The
        sweep moves past them, so they are fetched by id now (the hidden ones without
        private fields). They stay in the checkpoint (``pending_ids``) until stored, so a
        run that dies or gives up here fetches them next time: no gap."""
        public_only = set(public)
        pending = list(ids)
        for _ in range(UNAVAILABLE_RETRIES + 1):
            if not pending:
                return
            private = [i for i in pending if job.spec.own and i not in public_only]
            rest = [i for i in pending if i not in set(private)]
            for group, with_private in ((private, True), (rest, False)):
                if not group:
                    continue
                with self._call(
                    job, len(group) * self.prices.post(job.spec.owned_reads), len(group)
                ) as actual:
                    fetched = job.source.lookup(group, private=with_private)
                    denied = ids_with(fetched, FIELD_DENIED) if with_private else []
                    public_only.update(denied)
                    left = [i for i in pending if i not in set(group)]
                    pending = left + ids_with(fetched, UNAVAILABLE) + denied
                    cp = {"job": checkpoint_job, "pending_ids": pending, "updated_at": self.clock()}
                    stored = self._store(job, user_id, fetched, cp)
                    actual[0], actual[1] = stored.micros, stored.reads
                result.add(stored)
                result.new_posts += stored.new_posts
        if pending:
            raise ApiError(
                f"X kept {len(pending)} post(s) unavailable ({', '.join(pending[:3])}); "
                "the next collect fetches them"
            )

    def _store(
        self, job: AccountJob, user_id: str, fetched: Fetched, checkpoint: dict[str, Any] | None
    ) -> Stored:
        now = self.clock()
        with self.engine.begin() as conn:
            stored = store_fetched(
                conn,
                account=job.spec.name,
                user_id=user_id,
                own_token=job.spec.owned_reads,
                fetched=fetched,
                now=now,
                prices=self.prices,
                records=self._drain(job),
                checkpoint=checkpoint,
                backfill=job.spec.name in self._backfilling,
            )
        if self.progress is not None:
            self.progress(job.spec.name, stored.reads)
        return stored

    def _refresh(self, job: AccountJob, user_id: str, result: AccountResult) -> None:
        now = self.clock()
        with self.engine.begin() as conn:
            candidates = queries.refresh_candidates(conn, job.spec.name, now - HORIZON)
        created = {c.post_id: c.created_at for c in candidates}
        due = due_ids(
            self.schedule, ((c.post_id, c.created_at, c.last_observed_at) for c in candidates), now
        )
        private = [i for i in due if job.spec.own and now - created[i] < PRIVATE_MARGIN]
        public = [i for i in due if i not in set(private)]
        batches = [(b, True) for b in _batches(private)] + [(b, False) for b in _batches(public)]
        if not batches:
            return
        lock = threading.Lock()

        def one(batch: tuple[list[str], bool]) -> None:
            ids, with_private = batch
            stored = self._lookup(job, user_id, ids, with_private)
            denied = stored.field_denied
            with lock:
                result.add(stored)
                result.refreshed += stored.observations
            if denied and with_private:  # X hid them for a private field: ask publicly
                again = self._lookup(job, user_id, denied, False)
                with lock:
                    result.add(again)
                    result.refreshed += again.observations

        workers = max(1, min(self.per_token, len(batches)))
        if workers == 1:
            for b in batches:
                one(b)
            return
        with ThreadPoolExecutor(workers, thread_name_prefix=f"refresh-{job.spec.name}") as pool:
            list(pool.map(one, batches))

    def _lookup(self, job: AccountJob, user_id: str, ids: list[str], private: bool) -> Stored:
        with self._call(job, len(ids) * self.prices.post(job.spec.owned_reads), len(ids)) as actual:
            fetched = job.source.lookup(ids, private=private)
            stored = self._store(job, user_id, fetched, None)
            actual[0], actual[1] = stored.micros, stored.reads
        return stored


def _batches(ids: list[str]) -> list[list[str]]:
    return [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]


def _newest_id(fetched: Fetched) -> str | None:
    newest = fetched.meta.get("newest_id")
    ids = [str(t["id"]) for t in fetched.data if "id" in t]
    if newest is not None:
        ids.append(str(newest))
    return max(ids, key=int) if ids else None


def _max_id(a: str | None, b: str | None) -> str | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if int(a) >= int(b) else b
