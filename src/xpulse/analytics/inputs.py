"""The rows analytics reads: plain frozen dataclasses, independent of the store.

The report use case fills them from the store's records (:mod:`xpulse.operations.report_inputs`,
one account at a time); analytics never does I/O. What each must hold:

``PostRow``
    One post of the account, created inside :attr:`ReportWindows.fetch_start` ..
    :attr:`ReportWindows.fetch_end` (see :func:`xpulse.analytics.periods.report_windows`).
    ``created_at`` and ``observed_at`` are aware datetimes (any zone; UTC from the store).
    Metrics are the latest stored values (the newest observation at or before the report
    instant) and ``observed_at`` is when they were read; ``None`` there means the post has
    never been read, and its metrics are then all zero. ``engagements`` is X's own count
    (non-public, 30-day window): ``None`` when it was not read. ``content_type`` is one of
    :data:`CONTENT_TYPES`; ``"retweet"`` marks a plain repost of someone else's post.
``ObservationRow``
    Every stored metric observation of those posts (append-only history: one row per read).
    Only ``impressions`` is required; it feeds spikes-for-their-age, the lifecycle and the
    daily figures by the day they happened. ``interactions`` (likes + reposts + replies +
    quotes of that read, None when one of them was not read) feeds the daily engagements.
    Order does not matter; rows of posts not in ``posts`` are ignored.
``CostRow``
    The API usage recorded for this account while the period ran (calls made between the
    period's start and end), one row per endpoint: calls, billable reads and US dollars.
``ReportInputs``
    The account, its posts, their observations and the cost rows; ``cost`` is ``None``
    when usage is unknown, ``()`` when nothing was spent.

Retweets are not the account's own content: their public counts belong to the original
post and X gives no impressions for them, so analytics leaves them out of every figure and
only reports how many were left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

ContentType = Literal[
    "text", "link", "photo", "video", "gif", "poll", "thread", "reply", "quote", "retweet"
]
CONTENT_TYPES: tuple[str, ...] = get_args(ContentType)
# The account's own content: every type but plain retweets.
OWN_CONTENT_TYPES: tuple[str, ...] = tuple(t for t in CONTENT_TYPES if t != "retweet")


def _require_aware(moment: datetime, name: str) -> None:
    # A naive datetime would silently shift every local figure: refuse it at the door.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (UTC from the store)")


@dataclass(frozen=True, slots=True)
class PostRow:
    id: str
    account: str
    created_at: datetime
    text: str
    content_type: ContentType
    url: str | None = None
    impressions: int = 0
    likes: int = 0
    reposts: int = 0
    replies: int = 0
    quotes: int = 0
    bookmarks: int = 0
    engagements: int | None = None  # X's own engagements count, when it was read
    observed_at: datetime | None = None  # when the metrics above were read

    def __post_init__(self) -> None:
        _require_aware(self.created_at, "PostRow.created_at")
        if self.observed_at is not None:
            _require_aware(self.observed_at, "PostRow.observed_at")


@dataclass(frozen=True, slots=True)
class ObservationRow:
    post_id: str
    observed_at: datetime
    impressions: int
    interactions: int | None = None

    def __post_init__(self) -> None:
        _require_aware(self.observed_at, "ObservationRow.observed_at")


@dataclass(frozen=True, slots=True)
class CostRow:
    endpoint: str
    calls: int
    reads: int
    usd: float


@dataclass(frozen=True, slots=True)
class ReportInputs:
    account: str
    posts: Sequence[PostRow]
    observations: Sequence[ObservationRow] = ()
    cost: Sequence[CostRow] | None = None
    username: str | None = None
    user_id: str | None = None
    history_start: datetime | None = None  # oldest collected post's creation; None: unknown
