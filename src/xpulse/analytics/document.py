"""The report document: one versioned JSON object every rendering reads.

``Report.to_json()`` gives the wire form, described by the committed JSON Schema
``xpulse/schemas/report.schema.json`` (generated from these models by
:func:`json_schema`; a test keeps the two equal). Rates are percentages rounded to 4
decimals; a ``None`` (JSON ``null``) always means "cannot be computed", never zero.
Datetimes are ISO 8601 with their offset: UTC for instants, local for period bounds.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from xpulse.analytics.audience import Followers
from xpulse.analytics.benchmark import Benchmark
from xpulse.analytics.detail import MetricsDetail
from xpulse.analytics.figures import Change, Count, Formulas, PostEntry, Totals
from xpulse.analytics.provenance import FigureSources

SCHEMA_ID: Final = "https://xpulse.dev/schemas/report/v1"
SCHEMA_VERSION: Final = 1


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AccountInfo(_Model):
    """The account the report is about."""

    name: str = Field(description="The account's name in the xpulse configuration.")
    username: str | None = Field(description="The X @username, without the @.")
    user_id: str | None = Field(description="The X user id.")


class PeriodInfo(_Model):
    # No docstring: the portfolio document (xpulse.analytics.portfolio) embeds this model and
    # its committed schema would change with it.
    label: str = Field(description="e.g. 2026-W21, 2026-05 or 2026-05-01..2026-05-10.")
    kind: Literal["week", "month", "range"]
    start: datetime = Field(description="Inclusive start, local time with offset.")
    end: datetime = Field(description="Exclusive end, local time with offset.")
    tz: str = Field(description="IANA time zone the period and all local figures use.")
    days: int = Field(description="Nominal length in calendar days.")
    partial: bool = Field(description="True when the period had not ended at the report instant.")


class Comparison(_Model):
    """The previous period of the same length, its totals, and the change."""

    period: PeriodInfo
    totals: Totals
    change: Change
    collected: bool = Field(
        default=True,
        description="False: nothing was collected for the previous period (it ends before "
        "the account's collected history starts): its zeros are not data, nothing compared.",
    )


class TopPosts(_Model):
    """The period's best posts by engagements, and by rate above an impressions floor."""

    limit: Count
    min_impressions: int = Field(description="A post needs this many impressions to rank by rate.")
    by_engagements: list[PostEntry]
    by_engagement_rate: list[PostEntry]


class DailyPoint(_Model):
    """One local day by publishing day: posts created that day and their metrics at the
    report instant (impressions they earned on any day)."""

    date: date
    posts: Count
    impressions: Count
    engagements: Count


class HappenedDay(_Model):
    """One local day's impressions and engagements, by the day they happened."""

    date: date
    known: bool = Field(description="False when reads spanning midnight touch this day.")
    impressions: int | None = Field(description="Exact when known; null when not known.")
    engagements: int | None = Field(
        description="likes + reposts + replies + quotes that happened this day; null when "
        "not known."
    )
    impressions_placed: int = Field(
        description="Impressions placed on this day from reads within it (a lower bound "
        "when the day is not known)."
    )
    impressions_not_split: int = Field(
        description="Impressions that arrived between reads spanning this day's start or "
        "end, not split between the days they span."
    )


class DailyHappened(_Model):
    """Impressions and engagements per local day, credited to the day they happened."""

    method: str
    days: list[HappenedDay]


class BestTimeCell(_Model):
    """One weekday × hour cell of the best-time grid."""

    weekday: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday, local time.")
    hour: int = Field(ge=0, le=23, description="0–23, local time.")
    posts: Count
    impressions: Count
    engagements: Count
    engagement_rate: float | None = Field(description="Pooled: engagements / impressions × 100.")
    mean_post_rate: float | None = Field(description="Mean of the posts' own engagement rates.")
    score: float | None = Field(
        description="Ranking score, 1 = the account's usual (see method); null if set aside."
    )
    enough_posts: bool = Field(description="False: too few posts to judge; set aside.")


class BestSlot(_Model):
    """A ranked weekday × hour slot (only cells with enough posts are ranked)."""

    rank: Count
    weekday: Count
    weekday_name: str
    hour: Count
    posts: Count
    score: float
    mean_post_rate: float


class SlotSummary(_Model):
    """One weekday (all hours) or one hour (all weekdays), scored as the grid's cells are."""

    index: int = Field(ge=0, le=23, description="Weekday 0–6 (Monday first) or hour 0–23.")
    label: str = Field(description="e.g. Tuesday, or 14:00.")
    posts: Count
    mean_post_rate: float | None
    score: float | None
    rank: int | None = Field(description="1 = best; null when set aside for too few posts.")


class BestTime(_Model):
    """Best time to post over the look-back window, in the report's time zone."""

    method: str
    window_start: datetime
    window_end: datetime
    lookback_days: Count
    min_posts: Count
    prior_posts: float
    account_mean_rate: float | None
    posts: Count
    cells: list[BestTimeCell] = Field(description="Only cells with at least one post.")
    best_slots: list[BestSlot]
    by_weekday: list[SlotSummary] = Field(description="All 7 weekdays, Monday first.")
    by_hour: list[SlotSummary] = Field(description="All 24 hours, 0 first.")


class ContentTypeEntry(_Model):
    """One content type with its pooled rate and the interval around it."""

    content_type: str
    posts: Count
    impressions: Count
    engagements: Count
    engagement_rate: float | None
    interval_low: float | None
    interval_high: float | None
    enough_posts: bool = Field(
        default=True, description="False: fewer posts than min_posts; shown, never ranked."
    )
    rank: int | None = Field(
        default=None, description="1 = highest rate among types with enough posts."
    )


class ContentTypes(_Model):
    """What kind of post works: the rate of each content type with an interval."""

    method: str
    confidence: float
    window: Literal["period", "lookback"]
    window_start: datetime
    window_end: datetime
    min_posts: int = Field(default=0, description="Posts a type needs to be ranked.")
    types: list[ContentTypeEntry] = Field(description="Every content type, in a fixed order.")


class Spike(_Model):
    """A post far above the account's usual impressions for its age."""

    post_id: str
    url: str | None
    text: str
    content_type: str
    age_hours: float
    impressions: Count
    usual_impressions: float = Field(description="The age-matched median of the account.")
    ratio: float | None = Field(description="impressions / usual; null when usual is 0.")
    z: float
    references: Count


class Spikes(_Model):
    """Posts of the period far above the account's usual level for their age."""

    method: str
    z_threshold: float
    min_ratio: float = Field(
        default=1.0, description="A spike has at least this many times the usual impressions."
    )
    min_references: Count
    checked: Count
    unchecked: int = Field(description="Posts with too little comparable history to judge.")
    posts: list[Spike]


class LifecyclePoint(_Model):
    """The typical share of a post's impressions arrived by one age."""

    label: str
    hours: float
    share_median: float | None = Field(description="Median share of impressions, 0–1.")
    posts: int = Field(description="Posts whose observations allow an estimate here.")


class Lifecycle(_Model):
    """How a post's impressions typically arrive over its first hours and days."""

    method: str
    min_age_days: float
    eligible_posts: Count
    checkpoints: list[LifecyclePoint]
    waiting_posts: int = Field(
        default=0, description="Posts of the look-back not yet read min_age_days after posting."
    )
    first_eligible_at: datetime | None = Field(
        default=None, description="When the first of them can be read old enough (UTC)."
    )
    status: str = Field(
        default="", description="In words: what the figures rest on and what they wait for."
    )


class EndpointCost(_Model):
    """API usage of one endpoint."""

    endpoint: str
    calls: Count
    reads: Count
    usd: float


class Cost(_Model):
    """What collecting this account cost: while the period ran (``calls``, ``reads``,
    ``usd``, ``by_endpoint``), for the period's posts, and in the run that made the report."""

    calls: Count
    reads: Count
    usd: float
    by_endpoint: list[EndpointCost]
    data_reads: Count | None = Field(
        default=None,
        description="Billed reads of the period's posts, whenever made, up to the report.",
    )
    data_usd: float | None = Field(
        default=None, description="What those reads cost: the period's data cost."
    )
    run_usd: float | None = Field(
        default=None,
        description="What the run that made this report spent on this account; null when "
        "the report was made outside a run.",
    )


class Report(_Model):
    """An xpulse analytics report of one account for one period (see docs of each part)."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": SCHEMA_ID,
        },
    )

    schema_: Literal["https://xpulse.dev/schemas/report/v1"] = Field(alias="schema")
    version: Literal[1]
    generated_at: datetime
    account: AccountInfo
    period: PeriodInfo
    formulas: Formulas
    totals: Totals
    previous: Comparison
    posts: list[PostEntry]
    retweets_excluded: int = Field(description="Plain retweets in the period, left out.")
    top_posts: TopPosts
    daily: list[DailyPoint] = Field(
        description="By publishing day: each day's posts and what they earned to date."
    )
    collected: bool = Field(
        default=True,
        description="False: the period ends before the account's collected history starts; "
        "no data was collected for it (its zeros are not data).",
    )
    history_start: datetime | None = Field(
        default=None, description="When the oldest post collected for the account was created."
    )
    daily_happened: DailyHappened | None = Field(
        default=None,
        description="By the day it happened (absent in documents made before it existed).",
    )
    best_time: BestTime
    content_types: ContentTypes
    spikes: Spikes
    lifecycle: Lifecycle
    cost: Cost | None = Field(description="Null when the collection's usage is unknown.")
    notes: list[str]
    detail: MetricsDetail | None = Field(
        default=None,
        description="Private, organic/promoted, click, video and time-series metrics "
        "(optional; absent in documents made before it existed).",
    )
    followers: Followers | None = Field(
        default=None, description="Follower growth and the follower-based engagement rate."
    )
    sources: FigureSources | None = Field(
        default=None, description="Where the figures came from: API, archive, analytics export."
    )
    benchmark: Benchmark | None = Field(
        default=None, description="Your account beside its competitors (none: no competitors)."
    )

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        return cls.model_validate(data)


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the report document, as committed."""
    schema = Report.model_json_schema(by_alias=True, mode="serialization")
    head = {key: schema.pop(key) for key in ("$schema", "$id", "title", "description")}
    return {**head, **schema}


def json_schema_text() -> str:
    """The committed file's exact text. Regenerate it with::

    python -c "from xpulse.analytics.document import json_schema_text as t; print(t(), end='')" \\
        > src/xpulse/schemas/report.schema.json
    """
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
