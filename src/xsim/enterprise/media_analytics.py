"""``GET /2/media/analytics``: a video's plays and retention as a time series.

Query (OpenAPI 2.159 and 2.167): ``media_keys`` (1–100, each ``^([0-9]+)_([0-9]+)$``),
``start_time`` and ``end_time`` (required, ``start < end``), ``granularity`` hourly|daily|
total (default daily), ``media_analytics.fields`` (the spec's enum; ``media_key`` and
``timestamp`` are always present, and in 2.167 ``timestamped_metrics`` too, so they select
nothing; none asked means every metric). User context only, Enterprise plans only (see
:mod:`xsim.v2.plans`), and only media on the caller's own posts.

The body is the spec's ``MediaAnalytics``: ``data`` holds one ``{media_key,
timestamped_metrics: [{timestamp, metrics}]}`` per media key; media that are missing or on
someone else's post are partial ``errors`` beside it, as elsewhere. Buckets are those of
``/2/tweets/analytics`` (UTC hours, UTC days, or one ``total`` bucket stamped
``start_time``), each holding what arrived in its part of the range up to now, so the
buckets since posting add up to exactly what ``includes.media`` shows now:

- ``video_views`` = ``public_metrics.view_count``; ``playback_start``, ``playback25``,
  ``playback50``, ``playback75``, ``playback_complete`` = ``non_public_metrics``'
  ``playback_0_count`` … ``playback_100_count``;
- ``watch_time_ms``: each play counted to the last quartile it reached, a play that stopped
  before 25% as an eighth of the video: ``duration/4 × (p25 + p50 + p75 + p100) +
  duration/8 × (p0 − p25)`` (X does not publish its formula; this one is bounded by what
  the quartiles allow);
- ``play_from_tap``: the plays a viewer started by tapping; X autoplays videos in the
  timeline, so xsim counts as taps the plays that went on past 25%
  (``playback25``), the only plays the quartiles show as chosen;
- ``cta_url_clicks``, ``cta_watch_clicks``: 0, truly: no xsim video carries a call to
  action (the world format has none).

Photos and GIFs have no plays: their metrics are all 0. Not billed (X's "Media: Read" price
row was removed on 2026-06-18) and outside the monthly post cap.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from xsim.clock import as_utc
from xsim.enterprise.tweets_analytics import AnalyticsQuery, buckets, window
from xsim.oauth.server import Principal
from xsim.server.state import Sim
from xsim.v2 import problems
from xsim.v2.endpoints import Result
from xsim.v2.params import QueryReader
from xsim.world.curves import media_metrics_at
from xsim.world.model import Media, Post

GRANULARITIES = ("hourly", "daily", "total")
MEDIA_FIELDS = (
    "cta_url_clicks", "cta_watch_clicks", "media_key", "play_from_tap", "playback25",
    "playback50", "playback75", "playback_complete", "playback_start", "timestamp",
    "video_views", "watch_time_ms",
)  # fmt: skip
MEDIA_FIELDS_167 = tuple(sorted((*MEDIA_FIELDS, "timestamped_metrics")))
METRICS = tuple(
    f for f in MEDIA_FIELDS if f not in ("media_key", "timestamp", "timestamped_metrics")
)

MAX_KEYS = 100
MEDIA_KEY_PATTERN = "^([0-9]+)_([0-9]+)$"
_MEDIA_KEY = re.compile(MEDIA_KEY_PATTERN)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_query(query: list[tuple[str, str]]) -> tuple[list[str], AnalyticsQuery]:
    """Check every parameter, raising :class:`xsim.v2.params.InvalidRequest` with all problems."""
    c = QueryReader("media_analytics", query)
    keys = _media_keys(c)
    start, end, granularity = window(c, "daily", GRANULARITIES)
    known = MEDIA_FIELDS_167 if c.dialect == "2.167" else MEDIA_FIELDS
    asked = c.enum_list("media_analytics.fields", known)
    c.raise_if_any()
    assert start is not None and end is not None  # raise_if_any saw to it
    metrics = tuple(f for f in METRICS if f in asked) if asked else METRICS
    return keys, AnalyticsQuery(keys, start, end, granularity, metrics, c.dialect)


def _media_keys(c: QueryReader) -> list[str]:
    raw = c.values.get("media_keys")
    if not raw:
        given: list[str] = [] if raw is None else [raw]
        c.error("media_keys", given, "The `media_keys` query parameter can not be empty")
        return []
    keys = raw.split(",")
    bad = [k for k in keys if not _MEDIA_KEY.match(k)]
    if bad:
        c.error(
            "media_keys",
            [raw],
            f"The `media_keys` query parameter value [{bad[0]}] does not match {MEDIA_KEY_PATTERN}",
        )
    elif len(keys) > MAX_KEYS:
        c.error(
            "media_keys",
            [raw],
            f"The number of values in the `media_keys` query parameter list [{len(keys)}] "
            f"is not between 1 and {MAX_KEYS}",
        )
    return list(dict.fromkeys(keys))


def metrics_at(media: Media, carrier: Post, moment: datetime) -> dict[str, int]:
    """Every metric's running total at ``moment`` (what the buckets are differences of)."""
    if media.type != "video":
        return dict.fromkeys(METRICS, 0)
    m = media_metrics_at(media, carrier, moment)
    duration = media.duration_ms or 0
    reached = m.playback_25_count + m.playback_50_count + m.playback_75_count
    reached += m.playback_100_count
    early = m.playback_0_count - m.playback_25_count
    return {
        "cta_url_clicks": 0,
        "cta_watch_clicks": 0,
        "play_from_tap": m.playback_25_count,
        "playback25": m.playback_25_count,
        "playback50": m.playback_50_count,
        "playback75": m.playback_75_count,
        "playback_complete": m.playback_100_count,
        "playback_start": m.playback_0_count,
        "video_views": m.view_count,
        "watch_time_ms": (duration * reached) // 4 + (duration * early) // 8,
    }


def series(media: Media, carrier: Post, q: AnalyticsQuery, now: datetime) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for stamp, begin, finish in buckets(q, as_utc(carrier.created_at), now):
        before, after = metrics_at(media, carrier, begin), metrics_at(media, carrier, finish)
        metrics = {name: after[name] - before[name] for name in q.metrics}
        out.append({"timestamp": _iso(stamp), "metrics": metrics})
    return out


def answer(
    sim: Sim, principal: Principal, keys: list[str], q: AnalyticsQuery, now: datetime
) -> Result:
    data: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for key in keys:
        media = sim.world.media.get(key)
        carrier = sim.media_carriers.get(key)
        if media is None or carrier is None or as_utc(carrier.created_at) > now:
            errors.append(problems.not_found("media", "media_keys", key))
        elif carrier.author_id != principal.user_id:
            errors.append(problems.not_authorized("media", "media_keys", key, "data"))
        else:
            data.append({"media_key": key, "timestamped_metrics": series(media, carrier, q, now)})
    body: dict[str, Any] = {}
    if data:
        body["data"] = data
    if errors:
        body["errors"] = problems.in_dialect(errors, q.dialect)
    return Result(body, [], [])


def handle(sim: Sim, request: Request, principal: Principal, now: datetime) -> Callable[[], Result]:
    """The route handler (validate now, answer later: see :func:`xsim.v2.routes._run_handler`)."""
    raw = request.scope["query_string"].decode("latin-1")
    keys, q = parse_query(parse_qsl(raw, keep_blank_values=True))
    return lambda: answer(sim, principal, keys, q, now)
