"""Follower growth over a period and the follower-based engagement rate (pure).

Input: the account's profile-count changes (stored at collects, only when they changed), as
:class:`ProfilePoint`. The count at an instant is the last change at or before it. NULL
followers mean X did not return them (self-serve plans since April 2026): the section then
says "not available on this plan" and shows no rate, never a 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from xpulse.analytics.figures import Totals

NOT_ON_PLAN = (
    "follower counts are not available on this plan (X removed them from self-serve tiers "
    "in April 2026)"
)
NOT_COLLECTED = "no follower counts collected yet: `xpulse collect` reads them once a day"
FOLLOWER_RATE_FORMULA = (
    "engagement_rate_by_followers = (likes + reposts + replies + quotes) / posts / "
    "followers at the period's end × 100: the average post's engagements per 100 followers"
)
GROWTH_FORMULA = (
    "growth = followers at the end - followers at the start (the last count at or before each)"
)


@dataclass(frozen=True)
class ProfilePoint:
    observed_at: datetime
    followers: int | None
    following: int | None
    posts: int | None
    listed: int | None


class FollowerPoint(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    observed_at: datetime
    followers: int


class Followers(BaseModel):
    """The account's audience over the period."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    available: bool = Field(description="False: no follower count known (see note).")
    note: str | None
    start: int | None = Field(description="Followers at the period's start.")
    start_observed_at: datetime | None
    end: int | None = Field(description="Followers at the period's end (or the report instant).")
    end_observed_at: datetime | None
    growth: int | None = Field(description="end - start.")
    growth_pct: float | None = Field(description="growth / start × 100.")
    following: int | None
    posts_count: int | None = Field(description="X's count of the account's posts at the end.")
    listed: int | None
    engagement_rate_by_followers: float | None = Field(
        description="Average post's engagements per 100 followers at the end."
    )
    formula: str
    growth_formula: str
    series: list[FollowerPoint] = Field(description="Every change of followers in the period.")


def _at(points: Sequence[ProfilePoint], moment: datetime) -> ProfilePoint | None:
    found = None
    for p in points:  # oldest first
        if p.observed_at <= moment:
            found = p
    return found


def _unavailable(note: str, last: ProfilePoint | None) -> Followers:
    return Followers(
        available=False,
        note=note,
        start=None,
        start_observed_at=None,
        end=None,
        end_observed_at=None,
        growth=None,
        growth_pct=None,
        following=last.following if last else None,
        posts_count=last.posts if last else None,
        listed=last.listed if last else None,
        engagement_rate_by_followers=None,
        formula=FOLLOWER_RATE_FORMULA,
        growth_formula=GROWTH_FORMULA,
        series=[],
    )


def followers_section(
    points: Sequence[ProfilePoint], start: datetime, end: datetime, totals: Totals
) -> Followers:
    """The section for ``[start, end]``; ``points``: the account's changes, oldest first."""
    known = [p for p in points if p.followers is not None and p.observed_at <= end]
    last_any = _at(points, end)
    if last_any is None:
        return _unavailable(NOT_COLLECTED, None)
    if not known or last_any.followers is None:
        return _unavailable(NOT_ON_PLAN, last_any)
    last = known[-1]
    # the count at the start: the last one before it, else the period's first
    first = _at(known, start) or next(p for p in known if p.observed_at >= start)
    growth: int | None = None
    growth_pct: float | None = None
    note = None
    if first.observed_at <= start or first is not last:
        growth = (last.followers or 0) - (first.followers or 0)
        growth_pct = round(growth / first.followers * 100, 4) if first.followers else None
        if first.observed_at > start:
            note = f"growth since the first count in the period ({first.observed_at:%Y-%m-%d})"
    else:
        note = "growth needs a count from before the period or two within it"
    followers = last.followers or 0
    rate = None
    if totals.posts and followers > 0:
        rate = round(totals.engagements / totals.posts / followers * 100, 4)
    return Followers(
        available=True,
        note=note,
        start=first.followers,
        start_observed_at=first.observed_at,
        end=last.followers,
        end_observed_at=last.observed_at,
        growth=growth,
        growth_pct=growth_pct,
        following=last.following,
        posts_count=last.posts,
        listed=last.listed,
        engagement_rate_by_followers=rate,
        formula=FOLLOWER_RATE_FORMULA,
        growth_formula=GROWTH_FORMULA,
        series=[
            FollowerPoint(observed_at=p.observed_at, followers=p.followers or 0)
            for p in known
            if p.observed_at >= start
        ],
    )
