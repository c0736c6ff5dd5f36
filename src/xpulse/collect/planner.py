"""What a collect run will read and what it will cost, before any read.

Per account the plan counts:

- the user lookup (one user read) while the user id is not cached, and the profile counts
  once a UTC day (the same user: X bills it once that day);
- the timeline: new posts since the last one seen. Their number is unknown until read, so
  it is an estimate with a range (see :func:`timeline_estimate`): a later sweep from the
  posting rate of the last 7 days times the time since the last sweep; a first sweep from
  the account's post count (``tweet_count``, read with the sign-in's one user read) and its
  window (``history``, the part under :data:`BACKFILL` read with private fields), never
  above X's limit of 3,200 posts;
- the refresh: exactly the posts the schedule says are due, in batches of 100 ids, minus
  those already read (and so already billed) today;
- the last private read (own accounts): posts whose private slot is due (the one between
  day 29 and 30 above all) and that the refresh does not already read with private fields
  (it does so only below :data:`PRIVATE_MARGIN`), read after the refresh; same billing.

The run does not start when month-to-date spend plus the guard's figure (the expected
cost, with a first sweep at its worst case: every post inside the window) exceeds the monthly
budget, or the plan's monthly read cap, unless the caller allows it (:mod:`.guard` says
what would fit). The runner also holds the budget call by call (see
:class:`xpulse.collect.budget.Budget`), since the timeline figure is an estimate: the worst
case never passes the budget either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection

from xpulse.collect import profile
from xpulse.collect.pricing import DEFAULT_PRICES, MICRO, PriceTable, billing_day, dollars
from xpulse.collect.private import BATCH, LAST_PRIVATE_READ, due_private
from xpulse.collect.profile import utc_day_start
from xpulse.collect.refresh_slots import HORIZON, due_ids
from xpulse.store import queries

BACKFILL = timedelta(days=29)  # a day short of X's 30-day private-metrics window
TIMELINE_LIMIT = 3_200  # X serves only the newest 3,200 posts of a timeline
RATE_WINDOW = timedelta(days=7)
PRIVATE_MARGIN = LAST_PRIVATE_READ  # the refresh asks private fields only below this age


@dataclass(frozen=True)
class AccountSpec:
    """What the planner needs to know about a configured account."""

    name: str
    username: str
    own: bool  # user-context token of this account: private fields are asked
    # the signed-in user owns the developer app: X prices their own posts as owned reads
    owns_app: bool = True
    post_count: int | None = None  # public_metrics.tweet_count read at sign-in
    created_at: datetime | None = None  # the account's creation, from the same read

    @property
    def owned_reads(self) -> bool:
        """Whether this account's own posts cost the owned-read price."""
        return self.own and self.owns_app


@dataclass(frozen=True)
class Estimate:
    """A count not known until read: the expected figure, a range, and the worst case."""

    expected: int
    low: int
    high: int  # the worst case the range allows
    mean: float | None = None  # unrounded, where ``expected`` rounds it (a rate times time)

    @property
    def exact(self) -> bool:
        return self.low == self.high

    def text(self) -> str:
        if self.exact:
            return f"{self.expected:,}"
        return f"~{self.expected:,} ({self.low:,}-{self.high:,})"


def timeline_estimate(
    spec: AccountSpec,
    first: bool,
    history: timedelta,
    now: datetime,
    recent_posts: int = 0,
    since_last: timedelta = timedelta(0),
) -> Estimate:
    """How many posts the timeline sweep will read.

    A first sweep reads every post of the last ``history`` days, at most X's 3,200. With
    the post count known, the expected figure is the posts that fall in the window at the
    account's average rate since it was created (``tweet_count`` times the window's share
    of the account's age); the range runs from two standard deviations below that (a
    Poisson count) to ``min(tweet_count, 3,200)``, the worst case: every post inside the
    window. Without the creation date the expected figure is that worst case; without the
    count, 0 to 3,200. A later sweep expects the last 7 days' rate times the time since
    the last sweep; the range is two standard deviations of a Poisson count."""
    if first:
        if spec.post_count is None:
            return Estimate(TIMELINE_LIMIT, 0, TIMELINE_LIMIT)
        high = min(spec.post_count, TIMELINE_LIMIT)
        if spec.created_at is None:
            return Estimate(high, high, high)
        age = max((now - spec.created_at).total_seconds(), 1.0)
        if age <= history.total_seconds():  # every post is inside the window
            return Estimate(high, high, high)
        mean = min(spec.post_count * min(history.total_seconds() / age, 1.0), float(high))
        low = max(0, math.floor(mean - 2 * math.sqrt(mean)))
        return Estimate(round(mean), min(low, round(mean)), high, mean)
    rate = recent_posts / RATE_WINDOW.total_seconds()
    mean = rate * max(since_last.total_seconds(), 0.0)
    spread = 2 * math.sqrt(mean)
    expected = min(round(mean), TIMELINE_LIMIT)
    low = max(0, math.floor(mean - spread))
    high = min(TIMELINE_LIMIT, math.ceil(mean + spread + 1))
    return Estimate(expected, min(low, expected), max(high, expected), mean)


@dataclass(frozen=True)
class AccountPlan:
    name: str
    user_reads: int
    timeline: Estimate
    first_sweep: bool
    refresh_ids: list[str] = field(default_factory=list)
    refresh_billable: int = 0
    post_micros: int = 0  # the price of one of this account's posts
    user_micros: int = 0
    private_ids: list[str] = field(default_factory=list)
    private_billable: int = 0
    history: timedelta = BACKFILL  # how far a first sweep reaches back
    own: bool = False
    post_count: int | None = None

    @property
    def timeline_posts(self) -> int:
        return self.timeline.expected

    @property
    def timeline_is_bound(self) -> bool:
        """A first sweep whose figure is X's limit, not an estimate (count unknown)."""
        return self.first_sweep and self.post_count is None

    @property
    def out_of_reach(self) -> int:
        """Posts a first sweep cannot read: X serves only the newest 3,200 of a timeline."""
        if not self.first_sweep or self.post_count is None:
            return 0
        return max(self.post_count - TIMELINE_LIMIT, 0)

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

    def _micros(self, timeline: int) -> int:
        posts = timeline + self.refresh_billable + self.private_billable
        return self.user_reads * self.user_micros + posts * self.post_micros

    @property
    def micros(self) -> int:
        """The expected cost."""
        return self._micros(self.timeline.expected)

    @property
    def low_micros(self) -> int:
        return self._micros(self.timeline.low)

    @property
    def guarded_timeline(self) -> int:
        """The timeline figure the budget guard decides on: a first sweep's worst case (the
        hold would cut a backfill short, leaving a partial history), a later sweep's
        expected figure (minutes of posts: what the hold may stop is read next run)."""
        return self.timeline.high if self.first_sweep else self.timeline.expected

    @property
    def guard_micros(self) -> int:
        return self._micros(self.guarded_timeline)

    @property
    def worst_micros(self) -> int:
        return self._micros(self.timeline.high)

    def _reads(self, timeline: int) -> int:
        return self.user_reads + timeline + len(self.refresh_ids) + len(self.private_ids)

    @property
    def reads(self) -> int:
        return self._reads(self.timeline.expected)

    @property
    def worst_reads(self) -> int:
        return self._reads(self.timeline.high)

    @property
    def post_reads(self) -> int:
        """What the plan's monthly cap counts: every post delivered, re-reads too (the
        guard's figure, as for the budget)."""
        return self._reads(self.guarded_timeline) - self.user_reads

    def line(self) -> str:
        if self.first_sweep:
            known = (
                f"@{self.name} has {self.post_count:,} posts"
                if self.post_count is not None
                else "post count unknown: collect reads it first, one user read"
            )
            timeline = f"first sweep ({self.first_window}): {self.timeline.text()} posts ({known})"
        else:
            timeline = f"{self.timeline.text()} new posts (estimate)"
        private = (
            f", last private read {len(self.private_ids):,} posts "
            f"({self.private_billable:,} billable)"
            if self.private_ids
            else ""
        )
        worst = "" if self.timeline.exact else f" (worst case {dollars(self.worst_micros)})"
        return (
            f"{self.name}: {self.user_reads} user lookup, {timeline}, refresh "
            f"{len(self.refresh_ids):,} posts in {self.refresh_calls} calls "
            f"({self.refresh_billable:,} billable){private} = {dollars(self.micros)}{worst}"
        )

    def limit_notice(self) -> str | None:
        """What X's 3,200-post timeline limit leaves out of a first sweep, if anything."""
        if not self.out_of_reach:
            return None
        return (
            f"{self.name}: X serves only the newest {TIMELINE_LIMIT:,} posts of a timeline: "
            f"about {self.out_of_reach:,} of its {self.post_count:,} posts are out of reach "
            f"if they fall in the {self.history.days}-day window. {LIMIT_HINT}"
        )


LIMIT_HINT = (
    "Older posts can come only from an X data archive or the Engagement API "
    "(`xpulse backfill --help`)."
)


@dataclass(frozen=True)
class RunPlan:
    accounts: list[AccountPlan]
    month_to_date_micros: int
    budget_micros: int
    prices: PriceTable = DEFAULT_PRICES
    month_to_date_reads: int = 0  # post reads this month: what the plan's cap counts

    @property
    def micros(self) -> int:
        return sum(a.micros for a in self.accounts)

    @property
    def low_micros(self) -> int:
        return sum(a.low_micros for a in self.accounts)

    @property
    def guard_micros(self) -> int:
        """What the budget guard decides on: first sweeps at their worst case."""
        return sum(a.guard_micros for a in self.accounts)

    @property
    def worst_micros(self) -> int:
        return sum(a.worst_micros for a in self.accounts)

    @property
    def reads(self) -> int:
        return sum(a.reads for a in self.accounts)

    @property
    def post_reads(self) -> int:
        return sum(a.post_reads for a in self.accounts)

    @property
    def worst_reads(self) -> int:
        return sum(a.worst_reads for a in self.accounts)

    @property
    def unsized(self) -> list[str]:
        """Accounts whose first sweep has no post count yet (no sign-in read it)."""
        return [a.name for a in self.accounts if a.timeline_is_bound]

    @property
    def over_budget(self) -> bool:
        """The guard's figure does not fit what is left of the monthly budget."""
        return self.month_to_date_micros + self.guard_micros > self.budget_micros

    @property
    def worst_over_budget(self) -> bool:
        return self.month_to_date_micros + self.worst_micros > self.budget_micros

    @property
    def over_cap(self) -> bool:
        cap = self.prices.monthly_read_cap
        return cap is not None and self.month_to_date_reads + self.post_reads > cap

    def cap_text(self) -> str:
        cap = self.prices.monthly_read_cap
        if cap is None:
            return f"{self.month_to_date_reads:,} post reads this month (cap by contract)"
        left = max(cap - self.month_to_date_reads, 0)
        return f"cap {self.month_to_date_reads:,} of {cap:,} post reads used, {left:,} left"

    def lines(self) -> list[str]:
        """The plan as a person reads it."""
        out = [a.line() for a in self.accounts]
        out += [n for n in (a.limit_notice() for a in self.accounts) if n]
        spread = (
            ""
            if self.low_micros == self.worst_micros
            else f" (range {dollars(self.low_micros)}-{dollars(self.worst_micros)}, "
            f"worst case {self.worst_reads:,} reads {dollars(self.worst_micros)})"
        )
        out.append(
            f"plan: {self.reads:,} reads, {dollars(self.micros)}{spread}; month to date "
            f"{dollars(self.month_to_date_micros)}; budget {dollars(self.budget_micros)}; "
            f"{self.prices.plan} {self.cap_text()}"
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
    state = queries.plan_state(conn, spec.name, utc_day_start(now), profile.USER_ENDPOINTS)
    first = state.since_id is None and state.pagination_token is None
    if first:
        timeline = timeline_estimate(spec, True, history, now)
    else:
        assert state.checkpoint_at is not None
        recent = queries.newest_post_times(conn, spec.name, now - RATE_WINDOW)
        since_last = now - state.checkpoint_at
        timeline = timeline_estimate(spec, False, history, now, len(recent), since_last)

    candidates = queries.refresh_candidates(conn, spec.name, now - HORIZON)
    ids = due_ids(
        schedule, ((c.post_id, c.created_at, c.last_observed_at) for c in candidates), now
    )
    private = _last_private_read(conn, spec, state, schedule, now, ids)
    billed_today = (
        _billed_today(conn, [*ids, *private], now) if prices.dedupe_same_utc_day else set()
    )
    billable = sum(1 for i in ids if i not in billed_today)
    # a post the refresh reads (publicly) today is billed once: the private read is free
    private_billable = sum(1 for i in private if i not in billed_today and i not in set(ids))
    return AccountPlan(
        spec.name,
        _user_reads(spec, state),
        timeline,
        first,
        ids,
        billable,
        prices.post(spec.owned_reads),
        prices.user_micros,
        private,
        private_billable,
        history,
        spec.own,
        spec.post_count,
    )


def _user_reads(spec: AccountSpec, state: queries.PlanState) -> int:
    """The user id once (a sign-in that stored it, or read the post count, needs no
    lookup); the profile counts once a UTC day (the same user: one read a day)."""
    looked_up = state.user_id is not None or spec.post_count is not None
    return 0 if looked_up and state.answered_today else 1


def _last_private_read(
    conn: Connection,
    spec: AccountSpec,
    state: queries.PlanState,
    schedule: tuple[timedelta, ...],
    now: datetime,
    refresh_ids: list[str],
) -> list[str]:
    """The own posts whose private slot is due and that the refresh does not already read
    with private fields (those below :data:`PRIVATE_MARGIN`)."""
    if not spec.own or state.user_id is None:
        return []
    due = due_private(conn, spec.name, schedule, now, state.user_id)
    privately = {i for i in refresh_ids if i in due and now - due[i] < PRIVATE_MARGIN}
    return sorted(i for i in due if i not in privately)


def resize_first_sweep(
    conn: Connection,
    plan: AccountPlan,
    spec: AccountSpec,
    schedule: tuple[timedelta, ...],
    prices: PriceTable,
    now: datetime,
) -> AccountPlan:
    """``plan`` after the account's user lookup (``spec`` with the post count it read): the
    first sweep's estimate sized, the user reads and last private read as the lookup left
    them (the user id cached, the day's user call answered). The refresh stays as
    planned: a lookup reads no post."""
    state = queries.plan_state(conn, spec.name, utc_day_start(now), profile.USER_ENDPOINTS)
    private = _last_private_read(conn, spec, state, schedule, now, plan.refresh_ids)
    billed_today = _billed_today(conn, private, now) if prices.dedupe_same_utc_day else set()
    refreshed = set(plan.refresh_ids)
    return replace(
        plan,
        user_reads=_user_reads(spec, state),
        timeline=timeline_estimate(spec, True, plan.history, now),
        private_ids=private,
        private_billable=sum(1 for i in private if i not in billed_today and i not in refreshed),
        post_count=spec.post_count,
    )


def _billed_today(conn: Connection, ids: list[str], now: datetime) -> set[str]:
    billed = queries.billed_on(conn, billing_day(now), [f"post:{i}" for i in ids])
    return {r.removeprefix("post:") for r in billed}


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
    spent, reads = month_to_date(conn, now)
    return RunPlan(plans, spent, round(budget_usd * MICRO), prices, reads)


def resize_first_sweeps(
    conn: Connection,
    plan: RunPlan,
    looked_up: list[AccountSpec],
    schedule: tuple[timedelta, ...],
    now: datetime,
) -> RunPlan:
    """``plan`` once the unsized first sweeps' user lookups were made (``looked_up``: those
    that answered, with the post counts they read): those accounts sized and the month to
    date read again; no other account is planned again (nothing they plan on changed)."""
    specs = {s.name: s for s in looked_up}
    accounts = [
        resize_first_sweep(conn, a, specs[a.name], schedule, plan.prices, now)
        if a.name in specs
        else a
        for a in plan.accounts
    ]
    spent, reads = month_to_date(conn, now)
    return replace(plan, accounts=accounts, month_to_date_micros=spent, month_to_date_reads=reads)


USER_ENDPOINTS = ("/2/users/me", "/2/users/:id", "/2/users/by/username/:username")


def month_to_date(conn: Connection, now: datetime) -> tuple[int, int]:
    """The month's spend (micros) and post reads (what a plan's cap counts), in one read."""
    return queries.month_spend(
        conn, month_start(now), next_month_start(now), excluding=USER_ENDPOINTS
    )


def post_reads(conn: Connection, start: datetime, end: datetime) -> int:
    """Posts delivered in ``[start, end)``, re-reads included: what a plan's cap counts."""
    return queries.reads_between(conn, start, end, excluding=USER_ENDPOINTS)
