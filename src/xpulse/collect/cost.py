"""Month-to-date cost from the call log: per account and endpoint, forecast, budget.

Every figure comes from ``api_calls``, which holds X's bill for each call as the collector
computed it (post $0.001 own / $0.005 others', user $0.010, a resource read again the same
UTC day free). The forecast is a straight line: spend so far divided by the share of the
month elapsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from xpulse.collect.planner import month_start, next_month_start
from xpulse.collect.pricing import MICRO, dollars
from xpulse.errors import XpulseError
from xpulse.store.queries import CostLine, cost_by_account_endpoint


@dataclass(frozen=True)
class CostReport:
    start: datetime
    end: datetime
    now: datetime
    lines_: list[CostLine]
    budget_micros: int

    @property
    def micros(self) -> int:
        return sum(line.cost_micros for line in self.lines_)

    @property
    def reads(self) -> int:
        return sum(line.reads for line in self.lines_)

    @property
    def forecast_micros(self) -> int:
        """Spend at the month's end if it goes on as so far (the actual, for a past month)."""
        if self.now >= self.end:
            return self.micros
        elapsed = (self.now - self.start).total_seconds()
        if elapsed <= 0:
            return self.micros
        return round(self.micros * (self.end - self.start).total_seconds() / elapsed)

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
            f"month to date: {self.reads:,} reads, {dollars(self.micros)}; forecast to month end "
            f"{dollars(self.forecast_micros)}; budget {dollars(self.budget_micros)}"
            + (" (OVER BUDGET)" if self.forecast_micros > self.budget_micros else "")
        )
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "month": self.start.strftime("%Y-%m"),
            "as_of": self.now.isoformat(),
            "cost_usd": self.micros / MICRO,
            "reads": self.reads,
            "forecast_usd": self.forecast_micros / MICRO,
            "budget_usd": self.budget_micros / MICRO,
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
) -> CostReport:
    now = (now or datetime.now(UTC)).astimezone(UTC)
    if month is None:
        start = month_start(now)
    else:
        try:
            start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
        except ValueError:
            raise XpulseError(f"--month {month!r}: use YYYY-MM, e.g. 2026-05") from None
    end = next_month_start(start)
    as_of = min(now, end)
    return CostReport(
        start, end, as_of, cost_by_account_endpoint(conn, start, end), round(budget_usd * MICRO)
    )
