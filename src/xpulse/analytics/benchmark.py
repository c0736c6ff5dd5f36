"""Competitor benchmark: each account's own figures side by side, never summed (pure).

One row per account (yours first, then each competitor by group): posts in the period and
the posting rate per week, impressions (public for others' posts on X; null when none of
the period's posts had them), engagements per post and the impression-based engagement
rate, followers at the period's end and their growth (null where X does not return them).
Retweets are left out, as in every other figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from xpulse.analytics.audience import Followers
from xpulse.analytics.inputs import OWN_CONTENT_TYPES, PostRow
from xpulse.analytics.metrics import totals

NOTE = (
    "each row is one account's own figures; competitors are never added to your totals. "
    "Competitors' figures are public metrics read with the app token."
)


@dataclass(frozen=True)
class BenchmarkInput:
    account: str
    handle: str
    group: str | None  # None: your account
    posts: Sequence[PostRow]
    followers: Followers


class BenchmarkRow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    account: str
    handle: str = Field(description="Untrusted: the @username.")
    group: str | None = Field(description="Null for your own account.")
    posts: int
    posts_per_week: float
    impressions: int | None
    engagements_per_post: float | None
    engagement_rate: float | None
    followers: int | None
    follower_growth: int | None


class Benchmark(BaseModel):
    """Your account beside its competitors."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rows: list[BenchmarkRow]
    note: str


def benchmark(inputs: Sequence[BenchmarkInput], days: float) -> Benchmark:
    rows = []
    for item in inputs:
        own = [p for p in item.posts if p.content_type in OWN_CONTENT_TYPES]
        t = totals(own)
        seen = any(p.impressions > 0 for p in own)
        rows.append(
            BenchmarkRow(
                account=item.account,
                handle=item.handle,
                group=item.group,
                posts=t.posts,
                posts_per_week=round(t.posts / days * 7, 2) if days > 0 else 0.0,
                impressions=t.impressions if seen else None,
                engagements_per_post=round(t.engagements / t.posts, 2) if t.posts else None,
                engagement_rate=t.engagement_rate if seen else None,
                followers=item.followers.end,
                follower_growth=item.followers.growth,
            )
        )
    return Benchmark(rows=rows, note=NOTE)
