"""What a collect run will read and what it will cost, before any read.

Per account the plan counts:

- the user lookup (one user read) while the user id is not cached, and the profile counts
  once a UTC day (the same user: X bills it once that day);
- the timeline: new posts since the last one seen. Their number is unknown until read, so
  it is estimated from the account's posting rate over the last 7 days times the time since
  the last sweep; a first sweep is stated at its bound (X returns at most 3,200 posts) and
  its window (``history``, the part under :data:`BACKFILL` read with private fields);
- the refresh: exactly the posts the schedule says are due, in batches of 100 ids, minus
  those already read (and so already billed) today;
- the last private read (own accounts): posts whose private slot is due (the one between
  day 29 and 30 above all) and that the refresh does not already read with private fields
  (it does so only below :data:`PRIVATE_MARGIN`), read after the refresh; same billing.

The run does not start when month-to-date spend plus the plan exceeds the monthly budget,
unless the caller allows it. The runner also holds the budget call by call (see
:class:`xpulse.collect.runner.Budget`), since the timeline figure is an estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, select

from xpulse.collect.pricing import MICRO, PriceTable, billing_day, dollars
from xpulse.collect.private import LAST_PRIVATE_READ, due_private
from xpulse.collect.profile import profile_due
from xpulse.collect.schedule import HORIZON, due_ids
from xpulse.store import queries
from xpulse.store.schema import accounts, billed_reads

BACKFILL = timedelta(days=29)  # a day short of X's 30-day private-metrics window
TIMELINE_LIMIT = 3_200  # X serves only the newest 3,200 posts of a timeline
BATCH = 100  # ids per /2/tweets lookup
RATE_WINDOW = timedelta(days=7)
PRIVATE_MARGIN = LAST_PRIVATE_READ  # the refresh asks private fields only below this age


@dataclass(frozen=True)
class AccountSpec:
    """What the planner needs to know about a configured account."""

    name: str
    username: str
    own: bool  # user-context token of this account: its posts are priced as own


@dataclass(frozen=True)
class AccountPlan:
    name: str
    user_reads: int
    timeline_posts: int
    timeline_is_bound: bool  # a first sweep: the figure is X's limit, not an estimate
    refresh_ids: list[str] = field(default_factory=list)
    refresh_billable: int = 0
    micros: int = 0
    private_ids: list[str] = field(default_factory=list)
    private_billable: int = 0
    history: timedelta = BACKFILL  # how far a first sweep reaches back
    own: bool = False

    @property
    def first_window(self) -> str:
        """The first sweep's window as a person reads it."""
        days = self.history.days
        if self.own and self.history > BACKFILL:
            return f"last {days} days, private fields for the last {BACKFILL.days}"
        return f"last {days} days"

    @property
    def refresh_calls(self) -> int:
        return math.ceil(len(self.refresh_ids) / BATCH)

    @property
    def reads(self) -> int:
        return self.user_reads + self.timeline_posts + len(self.refresh_ids) + len(self.private_ids)


@dataclass(frozen=True)
class RunPlan:
    accounts: list[AccountPlan]
    month_to_date_micros: int
    budget_micros: int

    @property
    def micros(self) -> int:
        return sum(a.micros for a in self.accounts)

    @property
    def reads(self) -> int:
        return sum(a.reads for a in self.accounts)

    @property
    def over_budget(self) -> bool:
        return self.month_to_date_micros + self.micros > self.budget_micros

    def lines(self) -> list[str]:
        """The plan as a person reads it."""
        out = []
        for a in self.accounts:
            timeline = (
                f"up to {a.timeline_posts:,} posts (first sweep: {a.first_window})"
                if a.timeline_is_bound
                else f"~{a.timeline_posts:,} new posts (estimate)"
            )
            private = (
                f", last private read {len(a.private_ids):,} posts "
                f"({a.private_billable:,} billable)"
                if a.private_ids
                else ""
            )
            out.append(
                f"{a.name}: {a.user_reads} user lookup, {timeline}, refresh "
                f"{len(a.refresh_ids):,} posts in {a.refresh_calls} calls "
                f"({a.refresh_billable:,} billable){private} = {dollars(a.micros)}"
            )
        out.append(
            f"plan: {self.reads:,} reads, {dollars(self.micros)}; month to date "
            f"{dollars(self.month_to_date_micros)}; budget {dollars(self.budget_micros)}"
        )
        return out


def month_start(now: datetime) -> datetime:
    now = now.astimezone(UTC)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month_start(now: datetime) -> datetime:
    return (month_start(now) + timedelta(days=32)).replace(day=1)


def plan_account(
    conn: Connection,
    spec: AccountSpec,
    schedule: tuple[timedelta, ...],
    prices: PriceTable,
    now: datetime,
    history: timedelta = BACKFILL,
) -> AccountPlan:
    row = conn.execute(select(accounts).where(accounts.c.name == spec.name)).mappings().first()
    cached = row is not None and row["user_id"] is not None
    # the user id once; the profile counts once a UTC day (the same user: one read a day)
    user_reads = 0 if cached and not profile_due(conn, spec.name, now) else 1

    cp = queries.get_checkpoint(conn, spec.name, "timeline")
    if cp is None or (cp["since_id"] is None and cp["pagination_token"] is None):
        timeline, bound = TIMELINE_LIMIT, True
    else:
        recent = queries.newest_post_times(conn, spec.name, now - RATE_WINDOW)
        per_second = len(recent) / RATE_WINDOW.total_seconds()
        elapsed = max((now - cp["updated_at"]).total_seconds(), 0.0)
        timeline, bound = min(math.ceil(per_second * elapsed), TIMELINE_LIMIT), False

    candidates = queries.refresh_candidates(conn, spec.name, now - HORIZON)
    ids = due_ids(
        schedule, ((c.post_id, c.created_at, c.last_observed_at) for c in candidates), now
    )
    private: list[str] = []
    if spec.own and cached:
        created = {c.post_id: c.created_at for c in candidates}
        privately = {i for i in ids if now - created[i] < PRIVATE_MARGIN}
        due = due_private(conn, spec.name, schedule, now, row["user_id"] if row else None)
        private = sorted(i for i in due if i not in privately)
    billed_today = (
        _billed_today(conn, [*ids, *private], now) if prices.dedupe_same_utc_day else set()
    )
    billable = sum(1 for i in ids if i not in billed_today)
    # a post the refresh reads (publicly) today is billed once: the private read is free
    private_billable = sum(1 for i in private if i not in billed_today and i not in set(ids))
    post_price = prices.post(spec.own)
    reads = timeline + billable + private_billable
    micros = user_reads * prices.user_micros + reads * post_price
    return AccountPlan(
        spec.name,
        user_reads,
        timeline,
        bound,
        ids,
        billable,
        micros,
        private,
        private_billable,
        history,
        spec.own,
    )


def _billed_today(conn: Connection, ids: list[str], now: datetime) -> set[str]:
    day = billing_day(now)
    out: set[str] = set()
    keys = [f"post:{i}" for i in ids]
    for i in range(0, len(keys), 500):
        stmt = select(billed_reads.c.resource).where(
            billed_reads.c.day == day, billed_reads.c.resource.in_(keys[i : i + 500])
        )
        out.update(r.removeprefix("post:") for r in conn.execute(stmt).scalars())
    return out


def make_plan(
    conn: Connection,
    specs: list[AccountSpec],
    schedule: tuple[timedelta, ...],
    prices: PriceTable,
    budget_usd: float,
    now: datetime,
    history: timedelta = BACKFILL,
) -> RunPlan:
    plans = [plan_account(conn, s, schedule, prices, now, history) for s in specs]
    spent = queries.spent_micros(conn, month_start(now), next_month_start(now))
    return RunPlan(plans, spent, round(budget_usd * MICRO))
