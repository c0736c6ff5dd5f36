"""Competitors: other accounts collected through their public metrics, never with your own.

A competitor is stored in the ``competitors`` table (not the config) and collected by
``xpulse collect`` like an ``auth = "bearer"`` account named ``competitor_<handle>``: the
app bearer token (``XPULSE_BEARER_TOKEN``), public metrics only, each post priced at X's
rate for others' posts. Its profile counts are read once a UTC day like an own account's.

Before one is added, its monthly cost is estimated from its own numbers (one user lookup,
one user read): its average posting rate since it joined, times the reads each post gets
(the first, then one per refresh slot), at the others'-posts price, plus a user read a day
for its profile counts; and the one-off first sweep of ``history_days``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from xpulse.api.factory import open_client
from xpulse.collect.calllog import CallLog
from xpulse.collect.pricing import DEFAULT_PRICES, PriceTable, billing_day, dollars
from xpulse.collect.profile import counts_of
from xpulse.collect.schedule import slots
from xpulse.collect.store_page import call_rows
from xpulse.config import AccountConfig, Config
from xpulse.errors import XpulseError
from xpulse.store import history, open_store, queries
from xpulse.store.history import competitor_account

HANDLE = re.compile(r"@?[A-Za-z0-9_]{1,15}")
MONTH = timedelta(days=30)
TIMELINE_LIMIT = 3_200
LOOKUP_FIELDS = ("id", "username", "created_at", "public_metrics")


def check_handle(handle: str) -> str:
    if not HANDLE.fullmatch(handle):
        raise XpulseError(f"{handle!r} is not an X username (letters, digits, _; up to 15)")
    return handle.removeprefix("@")


def as_account(handle: str) -> AccountConfig:
    """The competitor as the collector sees it: a bearer account, not owned."""
    return AccountConfig(name=competitor_account(handle), username=handle, auth="bearer", own=False)


@dataclass(frozen=True)
class CostEstimate:
    posts_per_month: float
    reads_per_post: int
    monthly_micros: int
    first_sweep_posts: int
    first_sweep_micros: int
    lookup_micros: int

    def lines(self, handle: str, history_days: int) -> list[str]:
        return [
            f"@{handle}: ~{self.posts_per_month:,.0f} posts a month (its average since it "
            f"joined) × {self.reads_per_post} reads each at others'-posts prices, plus its "
            f"profile counts once a day",
            f"estimated cost: ~{dollars(self.monthly_micros)} a month, and "
            f"~{dollars(self.first_sweep_micros)} once for its first "
            f"{history_days} days (~{self.first_sweep_posts:,} posts); "
            f"this lookup cost {dollars(self.lookup_micros)}",
        ]


def estimate(
    user: dict[str, object],
    now: datetime,
    schedule: tuple[timedelta, ...],
    prices: PriceTable,
    history_days: int,
) -> CostEstimate:
    """The monthly cost of following ``user`` (an X user object with public_metrics)."""
    posts = counts_of(dict(user)).get("tweet_count") or 0
    created_raw = str(user.get("created_at") or "")
    try:
        created = datetime.fromisoformat(created_raw.replace("Z", "+00:00"))
    except ValueError:
        created = now - 365 * timedelta(days=1)
    months = max((now - created) / MONTH, 1.0)
    per_month = posts / months
    reads_per_post = 1 + len(schedule)
    monthly = round(per_month * reads_per_post * prices.other_post_micros + 30 * prices.user_micros)
    first = min(round(per_month * history_days / 30), TIMELINE_LIMIT)
    return CostEstimate(
        posts_per_month=per_month,
        reads_per_post=reads_per_post,
        monthly_micros=monthly,
        first_sweep_posts=first,
        first_sweep_micros=first * prices.other_post_micros,
        lookup_micros=prices.user_micros,
    )


# -- the use cases behind `xpulse competitors` ---------------------------------------------


@dataclass(frozen=True)
class Candidate:
    handle: str  # as X spells it
    user_id: str
    estimate: CostEstimate
    counts: dict[str, int | None]


def look_up(
    config: Config, handle: str, now: datetime, prices: PriceTable = DEFAULT_PRICES
) -> Candidate:
    """One user lookup with the app bearer token, recorded and billed like every read."""
    handle = check_handle(handle)
    engine = open_store(config.db_url())
    log = CallLog()
    try:
        with open_client(config, as_account(handle), on_call=log) as client:
            user = client.get_user_by_username(handle, LOOKUP_FIELDS)
        name = competitor_account(handle)
        user_id = str(user["id"])
        with engine.begin() as conn:
            queries.ensure_account(conn, name, str(user.get("username") or handle), now)
            queries.set_user_id(conn, name, user_id, now)
            priced = {f"user:{user_id}": prices.user_micros}
            billable, micros = queries.bill(conn, name, billing_day(now), priced)
            for row in call_rows(name, log.drain(), None, billable, micros):
                queries.record_call(conn, row)
            counts = counts_of(user)
            history.save_profile_counts(conn, name, user_id, counts, now, "competitors add")
    finally:
        engine.dispose()
    schedule = slots(config.refresh_schedule)
    cost = estimate(user, now, schedule, prices, config.history_days)
    return Candidate(str(user.get("username") or handle), user_id, cost, counts)


def add(config: Config, candidate: Candidate, group: str, now: datetime) -> None:
    engine = open_store(config.db_url())
    try:
        with engine.begin() as conn:
            known = {c.handle for c in history.list_competitors(conn)}
            if candidate.handle.lower() in known:
                raise XpulseError(
                    f"@{candidate.handle} is already a competitor; "
                    f"`xpulse competitors remove {candidate.handle}` first to change its group"
                )
            if any(a.username.lower() == candidate.handle.lower() for a in config.accounts):
                raise XpulseError(f"@{candidate.handle} is one of your own accounts")
            history.add_competitor(conn, candidate.handle, group, candidate.user_id, now)
    finally:
        engine.dispose()


def competitor_accounts(engine: Engine) -> list[AccountConfig]:
    """Every competitor as a bearer account for the collector."""
    with engine.connect() as conn:
        return [as_account(c.display_handle) for c in history.list_competitors(conn)]
