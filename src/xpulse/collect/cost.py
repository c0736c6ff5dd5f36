"""Month-to-date cost from the call log: per account and endpoint, forecast, budget, cap.

Every figure comes from ``api_calls``, which holds X's bill for each call as the collector
computed it (the plan's prices: on pay-per-use a post $0.005, the app owner's own posts
$0.001, a user $0.010, a resource read again the same UTC day free). One-off reads (an
account's first sweep and user lookup) are kept apart from the recurring ones: the forecast
to the month's end is what was spent plus the *recurring* spend extrapolated over the rest
of the month, at its rate since collection started (the month's start, or the first call
ever when that is later).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from xpulse.collect.planner import USER_ENDPOINTS, month_start, next_month_start, post_reads
from xpulse.collect.pricing import DEFAULT_PRICES, MICRO, PriceTable, dollars
from xpulse.errors import UsageProblem
from xpulse.store import queries
from xpulse.store.queries import CostLine, cost_by_account_endpoint


@dataclass(frozen=True)
class CostReport:
    start: datetime
    end: datetime
    now: datetime
    lines_: list[CostLine]
    budget_micros: int
    prices: PriceTable = DEFAULT_PRICES
    backfill_micros: int = 0  # one-off reads this month
    backfill_reads: int = 0
    post_reads: int = 0  # what the plan's monthly cap counts
    since: datetime | None = None  # when recurring collection began, if inside the month

    @property
    def micros(self) -> int:
        return sum(line.cost_micros for line in self.lines_)

    @property
    def reads(self) -> int:
        return sum(line.reads for line in self.lines_)

    @property
    def recurring_micros(self) -> int:
        return self.micros - self.backfill_micros

    @property
    def forecast_micros(self) -> int | None:
        """Spend at the month's end if recurring reads go on at their rate so far (the
        actual, for a past month); None while there is no recurring rate to go on."""
        if self.now >= self.end:
            return self.micros
        began = max(self.start, self.since) if self.since is not None else self.start
        elapsed = (self.now - began).total_seconds()
        if elapsed < 3600 or (self.recurring_micros == 0 and self.backfill_micros > 0):
            return None  # under an hour of history, or only one-off reads: no rate yet
        rest = (self.end - self.now).total_seconds()
        return self.micros + round(self.recurring_micros * rest / elapsed)

    def cap_line(self) -> str:
        cap = self.prices.monthly_read_cap
        if cap is None:
            return f"plan {self.prices.plan}: {self.post_reads:,} post reads, cap by contract"
        left = max(cap - self.post_reads, 0)
        pct = 100 * self.post_reads / cap
        return (
            f"plan {self.prices.plan} cap: {self.post_reads:,} of {cap:,} post reads used "
            f"({pct:.1f}%), {left:,} left"
        )

    def by_account(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for line in self.lines_:
            reads, micros = out.get(line.account, (0, 0))
            out[line.account] = (reads + line.reads, micros + line.cost_micros)
        return out

    def lines(self) -> list[str]:
        month = self.start.strftime("%Y-%m")
        out = [f"cost {month} (UTC), to {self.now.strftime('%Y-%m-%d %H:%M')}:"]
        if not self.lines_:
            out.append("  no API calls recorded")
        for line in self.lines_:
            money = dollars(line.cost_micros)
            out.append(
                f"  {line.account:<16} {line.endpoint:<24} {line.calls:>6,} calls "
                f"{line.reads:>8,} reads {line.billable_reads:>8,} billed {money:>10}"
            )
        for account, (reads, micros) in self.by_account().items():
            out.append(f"  {account:<16} total: {reads:,} reads, {dollars(micros)}")
        out.append(
            f"one-off (first sweeps, user lookups): {self.backfill_reads:,} reads, "
            f"{dollars(self.backfill_micros)}; recurring: "
            f"{self.reads - self.backfill_reads:,} reads, {dollars(self.recurring_micros)}"
        )
        forecast = self.forecast_micros
        if forecast is None:
            ahead = "forecast to month end: not known yet (no recurring reads to go on)"
        else:
            ahead = f"forecast to month end {dollars(forecast)} (recurring rate only)" + (
                " (OVER BUDGET)" if forecast > self.budget_micros else ""
            )
        out.append(
            f"month to date: {self.reads:,} reads, {dollars(self.micros)}; {ahead}; budget "
            f"{dollars(self.budget_micros)}, {dollars(max(self.budget_micros - self.micros, 0))} "
            "left"
        )
        out.append(self.cap_line())
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "month": self.start.strftime("%Y-%m"),
            "as_of": self.now.isoformat(),
            "cost_usd": self.micros / MICRO,
            "reads": self.reads,
            "forecast_usd": None if self.forecast_micros is None else self.forecast_micros / MICRO,
            "forecast_basis": "recurring reads only",
            "backfill": {"reads": self.backfill_reads, "cost_usd": self.backfill_micros / MICRO},
            "recurring": {
                "reads": self.reads - self.backfill_reads,
                "cost_usd": self.recurring_micros / MICRO,
            },
            "budget_usd": self.budget_micros / MICRO,
            "budget_left_usd": max(self.budget_micros - self.micros, 0) / MICRO,
            "plan": self.prices.plan,
            "cap": {
                "post_reads": self.post_reads,
                "limit": self.prices.monthly_read_cap,
                "left": None
                if self.prices.monthly_read_cap is None
                else max(self.prices.monthly_read_cap - self.post_reads, 0),
            },
            "by_account": {
                a: {"reads": r, "cost_usd": m / MICRO} for a, (r, m) in self.by_account().items()
            },
            "lines": [
                {
                    "account": line.account,
                    "endpoint": line.endpoint,
                    "calls": line.calls,
                    "reads": line.reads,
                    "billable_reads": line.billable_reads,
                    "cost_usd": line.cost_micros / MICRO,
                }
                for line in self.lines_
            ],
        }


def cost_report(
    conn: Connection,
    budget_usd: float,
    *,
    month: str | None = None,
    now: datetime | None = None,
    prices: PriceTable = DEFAULT_PRICES,
) -> CostReport:
    now = (now or datetime.now(UTC)).astimezone(UTC)
    if month is None:
        start = month_start(now)
    else:
        try:
            start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
        except ValueError:
            raise UsageProblem(f"--month {month!r}: use YYYY-MM, e.g. 2026-05") from None
    end = next_month_start(start)
    as_of = min(now, end)
    backfill_micros, backfill_reads = queries.one_off_spend(conn, start, end)
    first = queries.first_call_at(conn)
    return CostReport(
        start,
        end,
        as_of,
        cost_by_account_endpoint(conn, start, end),
        round(budget_usd * MICRO),
        prices,
        backfill_micros,
        backfill_reads,
        post_reads(conn, start, end),
        first,
    )


USAGE_FIELDS = ("project_usage", "project_cap", "daily_project_usage")


@dataclass(frozen=True)
class DayUsage:
    day: str  # UTC date, ISO
    x_reads: int  # what GET /2/usage/tweets says the app consumed
    our_reads: int  # posts xpulse received that day

    @property
    def difference(self) -> int:
        return self.x_reads - self.our_reads


def reconcile(conn: Connection, usage: dict[str, Any], now: datetime) -> list[DayUsage]:
    """X's daily post consumption (``usage``, the ``data`` of ``GET /2/usage/tweets`` with
    ``daily_project_usage``) beside the posts xpulse received each of those UTC days."""
    series = (usage.get("daily_project_usage") or {}).get("usage") or []
    out = []
    for point in series:
        day = datetime.fromisoformat(str(point["date"]).replace("Z", "+00:00")).astimezone(UTC)
        start = day.replace(hour=0, minute=0, second=0, microsecond=0)
        ours = queries.answered_reads_between(
            conn, start, start + timedelta(days=1), excluding=USER_ENDPOINTS
        )
        out.append(DayUsage(start.date().isoformat(), int(point.get("usage") or 0), ours))
    return out


def reconcile_lines(days: list[DayUsage], usage: dict[str, Any]) -> list[str]:
    out = ["reconcile with GET /2/usage/tweets (post reads per UTC day, this app):"]
    for d in days:
        if d.x_reads == d.our_reads:
            note = "agrees"
        elif d.x_reads > d.our_reads:
            note = (
                f"X counts {d.difference:,} more: posts X sent that never arrived whole (a "
                "dropped connection or a timed-out answer), or reads by another client of "
                "the same app"
            )
        else:
            note = (
                f"xpulse counts {-d.difference:,} more: X's usage may lag the last hours, "
                "or the database holds reads of another app"
            )
        out.append(f"  {d.day}: X {d.x_reads:,}, xpulse {d.our_reads:,}: {note}")
    total_x = sum(d.x_reads for d in days)
    total_ours = sum(d.our_reads for d in days)
    cap = usage.get("project_cap")
    out.append(
        f"total: X {total_x:,}, xpulse {total_ours:,} post reads; X's month so far "
        f"{usage.get('project_usage', 'unknown')}"
        + (f" of a {cap:,} cap" if isinstance(cap, int) else "")
    )
    return out
