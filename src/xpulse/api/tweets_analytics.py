"""``GET /2/tweets/analytics``: a post's metrics as a time series.

Up to 100 ids a request; ``start_time``, ``end_time`` and ``granularity`` (hourly, daily,
weekly, total) are required; ``analytics.fields`` picks the metrics. Every parameter is
checked before the request is sent. The answer's ``data`` is one object (one id) or a list
of ``{id, timestamped_metrics: [{timestamp, metrics}]}``; it is flattened into
:class:`Bucket` rows, counts as ints, a metric X did not send left out (never 0).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from xpulse.api.endpoints import Endpoint
from xpulse.api.transport import Transport
from xpulse.errors import InvalidArgument, TooManyIds

__all__ = [
    "ANALYTICS",
    "FIELDS",
    "GRANULARITIES",
    "AnalyticsPage",
    "Bucket",
    "build_params",
    "get_tweet_analytics",
    "parse",
]

ANALYTICS = Endpoint("tweets_analytics", "/2/tweets/analytics", reads_posts=True, id_batch=100)
Granularity = Literal["hourly", "daily", "weekly", "total"]
GRANULARITIES: tuple[Granularity, ...] = ("hourly", "daily", "weekly", "total")
FIELDS = (
    "app_install_attempts",
    "app_opens",
    "bookmarks",
    "detail_expands",
    "email_tweet",
    "engagements",
    "follows",
    "hashtag_clicks",
    "id",
    "impressions",
    "likes",
    "media_views",
    "permalink_clicks",
    "quote_tweets",
    "replies",
    "retweets",
    "shares",
    "timestamp",
    "unfollows",
    "url_clicks",
    "user_profile_clicks",
)
# What xpulse asks for by default: every metric (id and timestamp come regardless).
METRIC_FIELDS = tuple(f for f in FIELDS if f not in ("id", "timestamp"))
_ID = re.compile(r"[0-9]{1,19}")
_WIRE = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Bucket:
    """One post's metrics over one time bucket (``at`` is the timestamp X gave it)."""

    post_id: str
    at: datetime
    granularity: Granularity
    metrics: dict[str, int]


@dataclass(frozen=True)
class AnalyticsPage:
    buckets: list[Bucket]
    errors: list[dict[str, Any]] = field(default_factory=list)


def _ids(ids: Sequence[str]) -> list[str]:
    out: list[str] = []
    for raw in ids:
        value = str(raw).strip()
        if not _ID.fullmatch(value):
            raise InvalidArgument(f"{value!r} is not a post id (digits only)")
        if value not in out:
            out.append(value)
    if not out:
        raise InvalidArgument("/2/tweets/analytics needs at least one post id")
    limit = ANALYTICS.id_batch or 100
    if len(out) > limit:
        raise TooManyIds(f"/2/tweets/analytics takes at most {limit} ids a request, got {len(out)}")
    return out


def build_params(
    ids: Sequence[str],
    start: datetime,
    end: datetime,
    granularity: str = "daily",
    fields: Iterable[str] = METRIC_FIELDS,
) -> dict[str, str]:
    """The query of one legal request; :class:`InvalidArgument` for anything X would refuse."""
    clean = _ids(ids)
    window = window_params(start, end, granularity, GRANULARITIES)
    chosen = list(dict.fromkeys(fields))
    unknown = [f for f in chosen if f not in FIELDS]
    if unknown:
        raise InvalidArgument(
            f"unknown analytics field(s) {', '.join(unknown)} (known: {', '.join(FIELDS)})"
        )
    if not chosen:
        raise InvalidArgument("no analytics.fields given")
    return {"ids": ",".join(clean), **window, "analytics.fields": ",".join(chosen)}


def window_params(
    start: datetime, end: datetime, granularity: str, granularities: Sequence[str]
) -> dict[str, str]:
    """``start_time``, ``end_time`` and ``granularity`` of an analytics request (the posts'
    and the media's alike); :class:`InvalidArgument` for what X would refuse."""
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidArgument("start_time and end_time must carry a time zone (use UTC)")
    if end <= start:
        raise InvalidArgument("end_time must be after start_time")
    if granularity not in granularities:
        raise InvalidArgument(
            f"unknown granularity {granularity!r} (use {', '.join(granularities)})"
        )
    return {
        "start_time": start.astimezone(UTC).strftime(_WIRE),
        "end_time": end.astimezone(UTC).strftime(_WIRE),
        "granularity": granularity,
    }


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def timestamped_metrics(item: Mapping[str, Any]) -> Iterator[tuple[datetime, dict[str, int]]]:
    """Each well-formed point of an item's ``timestamped_metrics``: its instant (UTC) and its
    counts as ints, a metric X did not send (or sent as no count) left out, never 0."""
    for point in item.get("timestamped_metrics") or []:
        if not isinstance(point, Mapping) or not isinstance(point.get("timestamp"), str):
            continue
        try:
            at = datetime.fromisoformat(point["timestamp"].replace("Z", "+00:00"))
        except ValueError:
            continue
        got = point.get("metrics")
        raw: Mapping[str, Any] = got if isinstance(got, Mapping) else {}
        counts = {str(k): v for k, v in ((k, _int(v)) for k, v in raw.items()) if v is not None}
        yield at.astimezone(UTC), counts


def parse(body: Mapping[str, Any], granularity: Granularity) -> AnalyticsPage:
    """Flatten an answer into buckets; partial ``errors`` are kept beside them."""
    data = body.get("data")
    items = data if isinstance(data, list) else ([data] if isinstance(data, Mapping) else [])
    buckets: list[Bucket] = []
    for item in items:
        if not isinstance(item, Mapping) or item.get("id") is None:
            continue
        for at, counts in timestamped_metrics(item):
            buckets.append(Bucket(str(item["id"]), at, granularity, counts))
    errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
    return AnalyticsPage(buckets, errors)


def get_tweet_analytics(
    transport: Transport,
    ids: Sequence[str],
    start: datetime,
    end: datetime,
    granularity: Granularity = "daily",
    fields: Iterable[str] = METRIC_FIELDS,
) -> AnalyticsPage:
    """One request (checked before sending), flattened into buckets."""
    params = build_params(ids, start, end, granularity, fields)
    body, _ = transport.call("GET", ANALYTICS, params=params)
    return parse(body, granularity)
