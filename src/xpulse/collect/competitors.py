"""Competitors: other accounts collected through their public metrics, never with your own.

A competitor is stored in the ``competitors`` table (not the config) and collected by
``xpulse collect`` like an ``auth = "bearer"`` account named ``competitor_<handle>``: the
app bearer token (``XPULSE_BEARER_TOKEN``), public metrics only, each post priced at X's
rate for others' posts. Its profile counts are read once a UTC day like an own account's.

Before one is added, its monthly cost is estimated from its own numbers (one user lookup
and its 20 newest posts, $0.110, recorded and billed like every read): its posting rate
over those posts, times the reads each post gets (the first, then one per refresh slot),
at the others'-posts price, plus a user read a day for its profile counts; and the one-off
first sweep of ``history_days``. ``bench/competitor_cost.py`` measures the estimate against
what a month then cost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from xpulse.accounts.clients import open_client
from xpulse.api.client import XClient
from xpulse.collect.calllog import CallLog
from xpulse.collect.pricing import DEFAULT_PRICES, PriceTable, billing_day, dollars
from xpulse.collect.profile import counts_of
from xpulse.collect.refresh_slots import slots
from xpulse.collect.store_page import call_rows
from xpulse.config.settings import AccountConfig, Config
from xpulse.errors import UsageProblem
from xpulse.store import history, open_store, queries
from xpulse.store.history import competitor_account

HANDLE = re.compile(r"@?[A-Za-z0-9_]{1,15}")
MONTH = timedelta(days=30)
TIMELINE_LIMIT = 3_200
LOOKUP_FIELDS = ("id", "username", "created_at", "public_metrics")
SAMPLE = 20  # newest posts read to measure its posting rate ($0.10 at others' prices)


def check_handle(handle: str) -> str:
    if not HANDLE.fullmatch(handle):
        raise UsageProblem(f"{handle!r} is not an X username (letters, digits, _; up to 15)")
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
            f"@{handle}: ~{self.posts_per_month:,.0f} posts a month (from its newest posts) "
            f"× {self.reads_per_post} reads each at others'-posts prices, plus its "
            f"profile counts once a day",
            f"estimated cost: ~{dollars(self.monthly_micros)} a month, and "
            f"~{dollars(self.first_sweep_micros)} once for its first "
            f"{history_days} days (~{self.first_sweep_posts:,} posts); "
            f"looking it up cost {dollars(self.lookup_micros)}",
        ]


def _time(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def estimate(
    user: dict[str, object],
    now: datetime,
    schedule: tuple[timedelta, ...],
    prices: PriceTable,
    history_days: int,
    recent: list[datetime] | None = None,
) -> CostEstimate:
    """The monthly cost of following ``user`` (an X user object with public_metrics).

    The posting rate comes from ``recent`` (creation times of its newest posts) when there
    are at least two: (n - 1) posts over the span from the oldest to now. Else from its
    lifetime average (``tweet_count`` since ``created_at``), which misses a recent change.
    """
    stamps = sorted(recent or [])
    if len(stamps) >= 2:
        span = max(now - stamps[0], timedelta(hours=1))
        per_month = (len(stamps) - 1) / (span / MONTH)
    else:
        posts = counts_of(dict(user)).get("tweet_count") or 0
        created = _time(user.get("created_at")) or now - 365 * timedelta(days=1)
        per_month = posts / max((now - created) / MONTH, 1.0)
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
            user_id = str(user["id"])
            name = competitor_account(handle)
            with engine.begin() as conn:
                queries.ensure_account(conn, name, str(user.get("username") or handle), now)
                queries.set_user_id(conn, name, user_id, now)
                _bill(conn, name, log, {f"user:{user_id}": prices.user_micros}, now)
            # its newest posts give its posting rate now (billed once today: the first
            # sweep reads them again for free)
            posts = sample_posts(client, user_id)
            with engine.begin() as conn:
                priced = {f"post:{p['id']}": prices.other_post_micros for p in posts}
                sampled = _bill(conn, name, log, priced, now)
                counts = counts_of(user)
                history.save_profile_counts(conn, name, user_id, counts, now, "competitors add")
    finally:
        engine.dispose()
    schedule = slots(config.refresh_schedule)
    recent = post_times(posts)
    cost = estimate(user, now, schedule, prices, config.history_days, recent)
    cost = replace(cost, lookup_micros=cost.lookup_micros + sampled)
    return Candidate(str(user.get("username") or handle), user_id, cost, counts)


def sample_posts(client: XClient, user_id: str) -> list[dict[str, Any]]:
    """The user's newest posts (one page of ``SAMPLE``): their times give its rate now."""
    fields = ("id", "created_at")
    pages = client.iter_user_tweets(user_id, fields=fields, max_results=SAMPLE, max_pages=1)
    page = next(pages, None)
    return page.data if page is not None else []


def post_times(posts: list[dict[str, Any]]) -> list[datetime]:
    return [t for p in posts if (t := _time(p.get("created_at"))) is not None]


def _bill(conn: Connection, name: str, log: CallLog, priced: dict[str, int], now: datetime) -> int:
    billable, micros = queries.bill(conn, name, billing_day(now), priced)
    for row in call_rows(name, log.drain(), None, billable, micros):
        queries.record_call(conn, row)
    return micros


def add(config: Config, candidate: Candidate, group: str, now: datetime) -> None:
    engine = open_store(config.db_url())
    try:
        with engine.begin() as conn:
            known = {c.handle for c in history.list_competitors(conn)}
            if candidate.handle.lower() in known:
                raise UsageProblem(
                    f"@{candidate.handle} is already a competitor; "
                    f"`xpulse competitors remove {candidate.handle}` first to change its group"
                )
            if any(a.username.lower() == candidate.handle.lower() for a in config.accounts):
                raise UsageProblem(f"@{candidate.handle} is one of your own accounts")
            history.add_competitor(conn, candidate.handle, group, candidate.user_id, now)
    finally:
        engine.dispose()


def competitor_accounts(engine: Engine) -> list[AccountConfig]:
    """Every competitor as a bearer account for the collector."""
    with engine.connect() as conn:
        return [as_account(c.display_handle) for c in history.list_competitors(conn)]
