"""Assemble the report: rows in, a :class:`Report` out, no I/O.

Typical use (the store fills the inputs for the windows the period needs)::

    period = parse_period("last-week", "Europe/Berlin", now)
    windows = report_windows(period, options.lookback_days)
    inputs = ReportInputs(account="acme", posts=..., observations=..., cost=...)
    report = build_report(inputs, period, options, generated_at=now)
    print(report.to_json())

Cost is O(n log n) in the rows given, plus spikes at O(candidates × references).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from xpulse.analytics.best_time import best_time
from xpulse.analytics.compare import compare
from xpulse.analytics.content_types import content_types
from xpulse.analytics.daily import daily_happened
from xpulse.analytics.document import (
    SCHEMA_ID,
    SCHEMA_VERSION,
    AccountInfo,
    Comparison,
    Cost,
    DailyPoint,
    EndpointCost,
    PeriodInfo,
    Report,
    TopPosts,
)
from xpulse.analytics.growth import build_series
from xpulse.analytics.inputs import CostRow, PostRow, ReportInputs
from xpulse.analytics.lifecycle import lifecycle
from xpulse.analytics.metrics import FORMULAS, interactions, post_entry, post_rate, totals
from xpulse.analytics.periods import Period, report_windows
from xpulse.analytics.spikes import find_spikes


@dataclass(frozen=True)
class ReportOptions:
    """Every threshold a report uses; each one is also written into the document."""

    top_n: int = 5
    min_impressions_for_rate: int = 100
    lookback_days: int = 90
    best_time_min_posts: int = 3
    best_time_prior_posts: float = 5.0
    best_slots: int = 5
    content_type_window: Literal["period", "lookback"] = "lookback"
    content_type_min_posts: int = 5
    confidence: float = 0.95
    spike_z: float = 2.0
    spike_min_ratio: float = 3.5
    spike_min_references: int = 10
    lifecycle_checkpoints_hours: tuple[float, ...] = (1.0, 24.0, 168.0)
    lifecycle_min_age_days: float = 7.0
    lifecycle_min_posts: int = 5

    def __post_init__(self) -> None:
        if not 0 < self.confidence < 1:
            raise ValueError("confidence must be between 0 and 1")
        if self.top_n < 0 or self.best_slots < 0 or self.lookback_days < 1:
            raise ValueError("top_n and best_slots must be >= 0, lookback_days >= 1")


def period_info(period: Period) -> PeriodInfo:
    return PeriodInfo(
        label=period.label,
        kind=period.kind,
        start=period.start,
        end=period.end,
        tz=period.tz,
        days=period.days,
        partial=period.partial,
    )


def _in(period: Period, posts: Sequence[PostRow]) -> list[PostRow]:
    start, end = period.start_utc, period.end_utc
    return [p for p in posts if start <= p.created_at < end]


def _cost(rows: Sequence[CostRow] | None) -> Cost | None:
    if rows is None:
        return None
    by_endpoint: dict[str, list[float]] = {}
    for row in rows:
        acc = by_endpoint.setdefault(row.endpoint, [0, 0, 0.0])
        acc[0] += row.calls
        acc[1] += row.reads
        acc[2] += row.usd
    endpoints = [
        EndpointCost(endpoint=name, calls=int(c), reads=int(r), usd=round(u, 6))
        for name, (c, r, u) in sorted(by_endpoint.items())
    ]
    return Cost(
        calls=sum(e.calls for e in endpoints),
        reads=sum(e.reads for e in endpoints),
        usd=round(sum(row.usd for row in rows), 6),
        by_endpoint=endpoints,
    )


def _daily(period: Period, posts: Sequence[PostRow]) -> list[DailyPoint]:
    zone = period.zone
    days = {d: [0, 0, 0] for d in period.local_dates()}
    for p in posts:
        acc = days.get(p.created_at.astimezone(zone).date())
        if acc is not None:
            acc[0] += 1
            acc[1] += p.impressions
            acc[2] += interactions(p)
    return [
        DailyPoint(date=d, posts=a[0], impressions=a[1], engagements=a[2]) for d, a in days.items()
    ]


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def build_report(
    inputs: ReportInputs,
    period: Period,
    options: ReportOptions | None = None,
    *,
    generated_at: datetime,
) -> Report:
    """The report of ``inputs.account`` for ``period`` (its time zone is the report's)."""
    if generated_at.tzinfo is None:
        raise ValueError("generated_at must be an aware datetime")
    opts = options or ReportOptions()
    zone = period.zone
    windows = report_windows(period, opts.lookback_days)
    # A post handed over twice (overlapping store reads) counts once: the last row wins.
    unique = list({p.id: p for p in inputs.posts}.values())
    own = [p for p in unique if p.content_type != "retweet"]
    in_period = sorted(_in(period, own), key=lambda p: (p.created_at, p.id))
    previous_posts = _in(windows.previous, own)
    lookback = [p for p in own if windows.lookback_start <= p.created_at < windows.lookback_end]
    retweets = sum(1 for p in _in(period, unique) if p.content_type == "retweet")

    current_totals = totals(in_period)
    previous_totals = totals(previous_posts)
    by_eng = sorted(in_period, key=lambda p: (-interactions(p), -p.impressions, p.id))
    rated = [p for p in in_period if p.impressions >= opts.min_impressions_for_rate]
    by_rate = sorted(rated, key=lambda p: (-(post_rate(p) or 0.0), -p.impressions, p.id))

    series = build_series(own, inputs.observations)
    if opts.content_type_window == "lookback":
        ct_start, ct_end = windows.lookback_start, windows.lookback_end
    else:
        ct_start, ct_end = period.start_utc, period.end_utc

    start = inputs.history_start
    collected = start is None or period.end_utc > start
    previous_collected = start is None or windows.previous.end_utc > start
    notes = []
    if not collected:
        notes.append(
            f"No data collected for {period.label}: this account's collected history starts "
            f"{start:%Y-%m-%d %H:%M} UTC."
        )
    elif not previous_collected:
        notes.append(
            f"No data collected for the previous period ({windows.previous.label}): nothing "
            "compared."
        )
    if not in_period and collected:
        notes.append(f"No posts in {period.label}.")
    if previous_totals.posts == 0 and previous_collected and collected:
        notes.append(
            f"No posts in the previous period ({windows.previous.label}): nothing to compare."
        )
    if period.partial:
        notes.append(
            f"{period.label} is partial: it had not ended when this report was computed, at "
            f"{period.end:%Y-%m-%d %H:%M} {period.tz}; figures are to that instant."
        )
    unread = sum(1 for p in in_period if p.observed_at is None)
    if unread:
        notes.append(
            f"{_n(unread, 'post')} of {period.label} not read yet: their metrics count as 0."
        )
    if retweets:
        notes.append(
            f"{_n(retweets, 'retweet')} of other accounts' posts left out of every figure."
        )

    return Report(
        schema=SCHEMA_ID,
        version=SCHEMA_VERSION,
        generated_at=generated_at.astimezone(UTC),
        account=AccountInfo(name=inputs.account, username=inputs.username, user_id=inputs.user_id),
        period=period_info(period),
        formulas=FORMULAS,
        totals=current_totals,
        previous=Comparison(
            period=period_info(windows.previous),
            totals=previous_totals,
            change=compare(current_totals, previous_totals)
            if previous_collected
            else compare(current_totals, totals([])),
            collected=previous_collected,
        ),
        collected=collected,
        history_start=start,
        posts=[post_entry(p, zone) for p in in_period],
        retweets_excluded=retweets,
        top_posts=TopPosts(
            limit=opts.top_n,
            min_impressions=opts.min_impressions_for_rate,
            by_engagements=[post_entry(p, zone) for p in by_eng[: opts.top_n]],
            by_engagement_rate=[post_entry(p, zone) for p in by_rate[: opts.top_n]],
        ),
        daily=_daily(period, in_period),
        daily_happened=daily_happened(
            period.local_dates(),
            zone,
            [p for p in own if p.created_at >= windows.fetch_start],  # what the store reads
            inputs.observations,
        ),
        best_time=best_time(
            lookback,
            zone,
            windows.lookback_start,
            windows.lookback_end,
            lookback_days=opts.lookback_days,
            min_posts=opts.best_time_min_posts,
            prior_posts=opts.best_time_prior_posts,
            slots=opts.best_slots,
        ),
        content_types=content_types(
            own,
            opts.content_type_window,
            ct_start,
            ct_end,
            opts.confidence,
            opts.content_type_min_posts,
        ),
        spikes=find_spikes(
            in_period,
            lookback,
            series,
            threshold=opts.spike_z,
            min_references=opts.spike_min_references,
            min_ratio=opts.spike_min_ratio,
        ),
        lifecycle=lifecycle(
            lookback,
            series,
            checkpoints_hours=opts.lifecycle_checkpoints_hours,
            min_age_days=opts.lifecycle_min_age_days,
            min_posts=opts.lifecycle_min_posts,
        ),
        cost=_cost(inputs.cost),
        notes=notes,
    )
