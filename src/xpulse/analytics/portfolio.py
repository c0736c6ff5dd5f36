"""The portfolio (``xpulse report --all-accounts``): every configured account's totals for
one period against the previous one, and their sums. Pure: rows in, a document out.

Per account, the figures are the single-account report's (:func:`~.metrics.totals`,
:func:`~.compare.compare`) over the account's own posts: plain reposts of others' posts are
left out, as in every report. Competitors (others' accounts, public metrics only) get a
total of their own, never added to the user's. An account nothing was ever collected for
has null figures and :data:`NO_DATA`: 0 would read as "posted nothing".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from xpulse.analytics.build import period_info
from xpulse.analytics.compare import compare
from xpulse.analytics.document import PeriodInfo
from xpulse.analytics.figures import Totals
from xpulse.analytics.inputs import PostRow
from xpulse.analytics.metrics import ENGAGEMENT_RATE_FORMULA, totals
from xpulse.analytics.periods import Period

PORTFOLIO_SCHEMA_ID: Final = "https://xpulse.dev/schemas/portfolio/v2"
PORTFOLIO_VERSION: Final = 2
NO_DATA: Final = "no data yet — run `xpulse collect`"

Group = Literal["own", "competitor"]


class PortfolioRow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    account: str = Field(
        description="The account's configured name ('all' for the own total, 'competitors' "
        "for theirs)."
    )
    username: str | None
    group: Group = Field(
        default="own",
        description="competitor: read with an app bearer token (others' public metrics); "
        "never added to the own total.",
    )
    collected: bool = Field(
        description="False: configured but nothing collected yet; every figure is then null. "
        "The total: whether any account was collected."
    )
    note: str | None = Field(description=f"{NO_DATA!r} when not collected, else null.")
    posts: int | None = Field(description="Null only when not collected; 0 is no posts.")
    impressions: int | None
    engagements: int | None = Field(description="likes + reposts + replies + quotes.")
    engagement_rate: float | None = Field(description="engagements / impressions × 100.")
    previous_posts: int | None
    previous_impressions: int | None
    previous_engagements: int | None
    previous_engagement_rate: float | None
    change_impressions: float | None = Field(description="Percent; null: nothing to compare.")
    change_engagements: float | None
    change_engagement_rate_points: float | None


class Portfolio(BaseModel):
    """Every configured account's totals for one period, against the previous period."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        populate_by_name=True,
        title="Portfolio",
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://xpulse.dev/schemas/portfolio/v2",
        },
    )

    schema_: Literal["https://xpulse.dev/schemas/portfolio/v2"] = Field(alias="schema")
    version: Literal[2]
    generated_at: datetime
    period: PeriodInfo
    previous_period: PeriodInfo
    engagement_rate_formula: str
    accounts: list[PortfolioRow]
    total: PortfolioRow = Field(description="The user's own accounts only.")
    competitors_total: PortfolioRow | None = Field(
        default=None, description="The competitor accounts' own total; null when there are none."
    )

    def totals(self) -> list[PortfolioRow]:
        return (
            [self.total]
            if self.competitors_total is None
            else [
                self.total,
                self.competitors_total,
            ]
        )

    def to_json(self, indent: int | None = 2) -> str:
        data = self.model_dump(mode="json", by_alias=True)
        return json.dumps(data, indent=indent, ensure_ascii=False) + "\n"


def portfolio_schema_text() -> str:
    """The committed ``xpulse/schemas/portfolio.schema.json`` (a test keeps them equal)."""
    schema = Portfolio.model_json_schema(by_alias=True, mode="serialization")
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class PortfolioAccount:
    """One configured account as the portfolio reads it.

    ``posts`` are the account's posts created in the previous period or this one (with
    their latest metrics), reposts included: the portfolio leaves those out itself. None:
    nothing was ever collected for the account.
    """

    name: str
    username: str | None
    group: Group
    posts: Sequence[PostRow] | None


def _row(name: str, username: str | None, cur: Totals, prev: Totals, group: Group) -> PortfolioRow:
    change = compare(cur, prev)
    return PortfolioRow(
        account=name,
        username=username,
        group=group,
        collected=True,
        note=None,
        posts=cur.posts,
        impressions=cur.impressions,
        engagements=cur.engagements,
        engagement_rate=cur.engagement_rate,
        previous_posts=prev.posts,
        previous_impressions=prev.impressions,
        previous_engagements=prev.engagements,
        previous_engagement_rate=prev.engagement_rate,
        change_impressions=change.impressions,
        change_engagements=change.engagements,
        change_engagement_rate_points=change.engagement_rate_points,
    )


def _no_data_row(name: str, username: str | None, group: Group) -> PortfolioRow:
    """An account nothing was collected for: every figure null, never 0 ("posted nothing")."""
    return PortfolioRow(
        account=name,
        username=username,
        group=group,
        collected=False,
        note=NO_DATA,
        posts=None,
        impressions=None,
        engagements=None,
        engagement_rate=None,
        previous_posts=None,
        previous_impressions=None,
        previous_engagements=None,
        previous_engagement_rate=None,
        change_impressions=None,
        change_engagements=None,
        change_engagement_rate_points=None,
    )


def build_portfolio(
    accounts: Sequence[PortfolioAccount], period: Period, *, generated_at: datetime
) -> Portfolio:
    """The portfolio of ``accounts`` for ``period`` (one time zone for all, so the periods
    line up) against the period before it. The own total adds up the own accounts with
    data; the competitors' total, present when there are competitors, adds up theirs."""
    previous = period.previous()
    out: list[PortfolioRow] = []
    sums: dict[Group, tuple[list[PostRow], list[PostRow]]] = {
        "own": ([], []),
        "competitor": ([], []),
    }
    for acct in accounts:
        if acct.posts is None:
            out.append(_no_data_row(acct.name, acct.username, acct.group))
            continue
        own = [p for p in acct.posts if p.content_type != "retweet"]
        cur = [p for p in own if period.contains(p.created_at)]
        prev = [p for p in own if previous.contains(p.created_at)]
        sums[acct.group][0].extend(cur)
        sums[acct.group][1].extend(prev)
        out.append(_row(acct.name, acct.username, totals(cur), totals(prev), acct.group))
    all_cur, all_prev = sums["own"]
    rival_cur, rival_prev = sums["competitor"]
    rivals = [r for r in out if r.group == "competitor"]
    rivals_total = None
    if any(r.collected for r in rivals):
        rivals_total = _row(
            "competitors", None, totals(rival_cur), totals(rival_prev), "competitor"
        )
    elif rivals:
        rivals_total = _no_data_row("competitors", None, "competitor")
    return Portfolio(
        schema=PORTFOLIO_SCHEMA_ID,
        version=PORTFOLIO_VERSION,
        generated_at=generated_at,
        period=period_info(period),
        previous_period=period_info(previous),
        engagement_rate_formula=ENGAGEMENT_RATE_FORMULA,
        accounts=out,
        total=_row("all", None, totals(all_cur), totals(all_prev), "own"),
        competitors_total=rivals_total,
    )
