"""The figures the report's sections are made of: totals over a set of posts, their change
from one period to the next, one post's entry, and the formulas behind them.

They sit below the math that computes them (``metrics``, ``compare``) and the sections
that embed them (``audience``, ``document``), so none of those has to import another to
name a figure. The JSON Schema sees no difference: it names models by class, not module.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Count = Annotated[int, Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Formulas(_Model):
    """The formulas behind the figures, in words, as a reader should see them."""

    engagements: str
    engagement_rate: str
    x_engagement_rate: str
    change_pct: str
    metrics_as_of: str


class Totals(_Model):
    """Sums over the period's own posts (retweets left out) and the rates on those sums."""

    posts: Count
    impressions: Count
    likes: Count
    reposts: Count
    replies: Count
    quotes: Count
    bookmarks: Count
    engagements: int = Field(description="likes + reposts + replies + quotes.")
    engagement_rate: float | None = Field(description="engagements / impressions × 100.")
    x_engagements: int | None = Field(description="Sum of X's own engagements count.")
    x_engagement_rate: float | None = Field(
        description="x_engagements / impressions of the same posts × 100."
    )
    posts_with_x_engagements: Count


class Change(_Model):
    """Percentage change from the previous period; null where there is nothing to compare."""

    posts: float | None
    impressions: float | None
    likes: float | None
    reposts: float | None
    replies: float | None
    quotes: float | None
    bookmarks: float | None
    engagements: float | None
    engagement_rate: float | None
    engagement_rate_points: float | None = Field(
        description="Difference of the two engagement rates, in percentage points."
    )
    x_engagements: float | None
    x_engagement_rate: float | None


class PostEntry(_Model):
    """One post with its latest metrics and its rates."""

    id: str
    created_at: datetime = Field(description="UTC.")
    created_local: datetime = Field(description="The same instant in the report's time zone.")
    text: str = Field(description="Untrusted: escape it in every rendering.")
    url: str | None = Field(description="Untrusted: link it only when it is http(s).")
    content_type: str
    impressions: Count
    likes: Count
    reposts: Count
    replies: Count
    quotes: Count
    bookmarks: Count
    engagements: Count
    engagement_rate: float | None
    x_engagements: Count | None
    x_engagement_rate: float | None
    metrics_observed_at: datetime | None = Field(description="When these metrics were read.")
