"""Totals of an account over recent weeks and months, for the dashboard's trend charts.

Each week's or month's totals are :func:`xpulse.analytics.metrics.totals` of the same post
rows a report of that period reads, so a point equals ``xpulse report --period LABEL``'s
totals at the same instant. A period that ended before the account's data begins has no
totals (``None``: "no data collected", never a zero). The data begins where the first
collect reached back (its first API call less ``history_days``) or at the oldest stored
post, whichever is earlier (an import or ``--history-days`` may reach further).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from xpulse.analytics import parse_period
from xpulse.analytics.figures import Totals
from xpulse.analytics.metrics import totals
from xpulse.analytics.periods import Period
from xpulse.config.settings import Config
from xpulse.operations.report_inputs import cost_rows, portfolio_posts
from xpulse.store.schema import api_calls, posts

WEEKS: Final = 12
MONTHS: Final = 6


@dataclass(frozen=True)
class TrendPoint:
    """One period's totals; ``partial`` when the period has not ended yet."""

    label: str
    partial: bool
    totals: Totals | None  # None: the period ended before the account's data begins
    cost_usd: float | None  # API spend in the period (ledger); None likewise
    data_from: datetime | None = None  # set when the data begins inside this period


def _weeks(now: datetime, tz: str) -> list[Period]:
    monday = parse_period("this-week", tz, now).start.date()
    labels = []
    for back in range(WEEKS - 1, -1, -1):
        iso = (monday - timedelta(days=7 * back)).isocalendar()
        labels.append(f"{iso.year}-W{iso.week:02d}")
    return [parse_period(label, tz, now) for label in labels]


def _months(now: datetime, tz: str) -> list[Period]:
    out = [parse_period("this-month", tz, now)]
    while len(out) < MONTHS:
        first = out[-1].start.date().replace(day=1) - timedelta(days=1)
        out.append(parse_period(first.strftime("%Y-%m"), tz, now))
    return list(reversed(out))


def data_start(conn: Connection, config: Config, account: str) -> datetime | None:
    """Where the account's collected data begins; None when nothing was collected."""
    first_call = conn.execute(
        select(func.min(api_calls.c.at)).where(api_calls.c.account == account)
    ).scalar()
    oldest_post = conn.execute(
        select(func.min(posts.c.created_at)).where(posts.c.account == account)
    ).scalar()
    starts = [t for t in (oldest_post,) if t is not None]
    if first_call is not None:
        starts.append(first_call - timedelta(days=config.history_days))
    return min(starts) if starts else None


def account_trends(
    conn: Connection, config: Config, account: str, now: datetime, tz: str
) -> tuple[list[TrendPoint], list[TrendPoint]]:
    """The last :data:`WEEKS` weeks and :data:`MONTHS` months (the current ones so far)."""
    weeks, months = _weeks(now, tz), _months(now, tz)
    start = min(weeks[0].start_utc, months[0].start_utc)
    rows = portfolio_posts(conn, [account], start, now, now)[account]
    own = [p for p in rows if p.content_type != "retweet"]

    own.sort(key=lambda x: x.created_at)
    created = [x.created_at for x in own]
    begins = data_start(conn, config, account)

    def points(periods: list[Period]) -> list[TrendPoint]:
        # The periods are consecutive: each one's posts are a slice of the sorted posts.
        out = []
        for p in periods:
            if begins is None or p.end_utc <= begins:
                out.append(TrendPoint(p.label, p.partial, None, None))
                continue
            first = bisect_left(created, p.start_utc)
            last = bisect_left(created, p.end_utc)
            spent = sum(r.usd for r in cost_rows(conn, account, p.start_utc, min(p.end_utc, now)))
            inside = begins.astimezone(ZoneInfo(tz)) if p.start_utc < begins else None
            out.append(TrendPoint(p.label, p.partial, totals(own[first:last]), spent, inside))
        return out

    return points(weeks), points(months)
