"""``GET /2/media/analytics``: a video's plays and retention as a time series.

Up to 100 media keys a request (``<digits>_<digits>``); ``start_time`` and ``end_time`` are
required, ``granularity`` is hourly, daily or total. X serves it to Enterprise apps only
(since 2026-03-31); other plans get a 403 that the transport raises as
:class:`~xpulse.errors.NotEnrolled`. The answer is flattened into :class:`MediaBucket`
rows, counts as ints, a metric X did not send left out (never 0).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from xpulse.api.endpoints import Endpoint
from xpulse.api.transport import Transport
from xpulse.api.tweets_analytics import timestamped_metrics, window_params
from xpulse.errors import InvalidArgument, TooManyIds

MEDIA_ANALYTICS = Endpoint("media_analytics", "/2/media/analytics", id_batch=100)
Granularity = Literal["hourly", "daily", "total"]
GRANULARITIES: tuple[Granularity, ...] = ("hourly", "daily", "total")
METRICS = (
    "video_views",
    "playback_start",
    "playback25",
    "playback50",
    "playback75",
    "playback_complete",
    "watch_time_ms",
    "play_from_tap",
    "cta_url_clicks",
    "cta_watch_clicks",
)
# media analytics name -> the name of the same count in includes.media (xpulse's store)
RETENTION = {
    "video_views": "view_count",
    "playback_start": "playback_0_count",
    "playback25": "playback_25_count",
    "playback50": "playback_50_count",
    "playback75": "playback_75_count",
    "playback_complete": "playback_100_count",
}
_KEY = re.compile(r"[0-9]+_[0-9]+")


@dataclass(frozen=True)
class MediaBucket:
    media_key: str
    at: datetime
    granularity: Granularity
    metrics: dict[str, int]


@dataclass(frozen=True)
class MediaAnalyticsPage:
    buckets: list[MediaBucket]
    errors: list[dict[str, Any]] = field(default_factory=list)


def build_params(
    media_keys: Sequence[str],
    start: datetime,
    end: datetime,
    granularity: Granularity = "total",
    fields: Sequence[str] = METRICS,
) -> dict[str, str]:
    """The query of one legal request; :class:`InvalidArgument` for anything X would refuse."""
    keys = list(dict.fromkeys(str(k).strip() for k in media_keys))
    bad = [k for k in keys if not _KEY.fullmatch(k)]
    if bad:
        raise InvalidArgument(f"{bad[0]!r} is not a media key (digits_digits)")
    if not keys:
        raise InvalidArgument("/2/media/analytics needs at least one media key")
    limit = MEDIA_ANALYTICS.id_batch or 100
    if len(keys) > limit:
        raise TooManyIds(f"/2/media/analytics takes at most {limit} keys a request")
    window = window_params(start, end, granularity, GRANULARITIES)
    unknown = [f for f in fields if f not in METRICS]
    if unknown or not fields:
        raise InvalidArgument(f"unknown media analytics field(s): {', '.join(unknown)}")
    return {"media_keys": ",".join(keys), **window, "media_analytics.fields": ",".join(fields)}


def parse(body: Mapping[str, Any], granularity: Granularity) -> MediaAnalyticsPage:
    """Flatten an answer into buckets; partial ``errors`` are kept beside them."""
    data = body.get("data")
    items = data if isinstance(data, list) else []
    buckets: list[MediaBucket] = []
    for item in items:
        if not isinstance(item, Mapping) or not item.get("media_key"):
            continue
        for at, counts in timestamped_metrics(item):
            buckets.append(MediaBucket(str(item["media_key"]), at, granularity, counts))
    errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
    return MediaAnalyticsPage(buckets, errors)


def get_media_analytics(
    transport: Transport,
    media_keys: Sequence[str],
    start: datetime,
    end: datetime,
    granularity: Granularity = "total",
) -> MediaAnalyticsPage:
    """One request (up to 100 keys). Raises NotEnrolled when the app's plan lacks it."""
    params = build_params(media_keys, start, end, granularity)
    body, _ = transport.call("GET", MEDIA_ANALYTICS, params=params)
    return parse(body, granularity)
