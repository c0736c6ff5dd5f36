"""``GET /2/tweets/analytics``: per-post metric time series (spec 2.159, X's docs page).

Query: ``ids`` (1–100), ``start_time`` and ``end_time`` (required, ``start < end``),
``granularity`` hourly|daily|weekly|total (the spec marks it required with default
``total``; xsim takes a missing one as ``total``), ``analytics.fields`` (the spec's enum;
``id`` and ``timestamp`` are always present, so they select nothing; none asked means
every metric). User context only (OAuth 2.0 user token with tweet.read and users.read, or
OAuth 1.0a), and only the caller's own posts.

The body is the spec's ``Analytics`` schema: ``data`` is an array with one
``{id, timestamped_metrics: [{timestamp, metrics}]}`` per post (X's docs page shows one
object, which cannot hold several ids; ``Get2TweetsAnalyticsResponse`` wraps
``Analytics`` once more, which no client could mean). Posts that are not the caller's,
missing or deleted come back as partial ``errors`` beside ``data``, as elsewhere.

Buckets are UTC hours, UTC days, 7-day weeks from the UTC day of ``start_time``, or one
bucket for the whole range; ``timestamp`` is the bucket's start (for ``total``, the start
time). A bucket holds what arrived in its part of ``[start_time, end_time)`` up to now:
``metrics_at(min(bucket end, end, now)) - metrics_at(max(bucket start, start))``, so the
buckets from the post's creation to now add up to exactly what every other endpoint shows
now. Buckets wholly before the post or after now are left out.

Rate limit: the spec and X's docs give none; the route uses xsim's default window (300 per
15 minutes per token). Billing: each post answered is one post read (own-post price).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from xsim.clock import as_utc
from xsim.oauth.server import Principal
from xsim.server.state import Sim
from xsim.v2 import problems
from xsim.v2.endpoints import Result
from xsim.v2.params import QueryReader
from xsim.world.metrics import derived_finals, metrics_at
from xsim.world.model import Post


def _iso(moment: datetime) -> str:
    """``2025-03-17T06:30:00Z``: whole seconds, as the docs' examples show (no millis)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


GRANULARITIES = ("hourly", "daily", "weekly", "total")
ANALYTICS_FIELDS = (
    "app_install_attempts", "app_opens", "bookmarks", "detail_expands", "email_tweet",
    "engagements", "follows", "hashtag_clicks", "id", "impressions", "likes", "media_views",
    "permalink_clicks", "quote_tweets", "replies", "retweets", "shares", "timestamp",
    "unfollows", "unlikes", "url_clicks", "user_profile_clicks",
)  # fmt: skip

METRIC_FIELDS = tuple(f for f in ANALYTICS_FIELDS if f not in ("id", "timestamp"))
# 2.167 adds the name of the series itself; like id and timestamp it selects no metric.
ANALYTICS_FIELDS_167 = tuple(sorted((*ANALYTICS_FIELDS, "timestamped_metrics")))
MAX_IDS = 100


class AnalyticsQuery:
    """A validated request."""

    def __init__(
        self,
        ids: list[str],
        start: datetime,
        end: datetime,
        granularity: str,
        metrics: tuple[str, ...],
        dialect: str = "2.159",
    ) -> None:
        self.ids, self.start, self.end = ids, start, end
        self.granularity, self.metrics, self.dialect = granularity, metrics, dialect


def window(
    c: QueryReader, default: str, granularities: tuple[str, ...]
) -> tuple[datetime | None, datetime | None, str]:
    """``start_time``, ``end_time`` and ``granularity`` of an analytics request, each problem
    collected in ``c`` as X words it (both times are required, start before end)."""
    times: dict[str, datetime | None] = {}
    for name in ("start_time", "end_time"):
        if c.values.get(name):
            times[name] = c.instant(name)
        else:
            times[name] = None
            given = c.values.get(name)
            c.error(
                name,
                [] if given is None else [given],
                f"The `{name}` query parameter can not be empty",
            )
    start, end = times["start_time"], times["end_time"]
    if start is not None and end is not None and start >= end:
        s, e = c.values["start_time"], c.values["end_time"]
        c.errors.append(
            {
                "parameters": {"start_time": [s], "end_time": [e]},
                "message": (
                    f"Invalid 'start_time':'{s}'. 'start_time' must be before 'end_time':{e}"
                ),
            }
        )
    granularity = c.values.get("granularity", default)
    if granularity not in granularities:
        c.error(
            "granularity",
            [granularity],
            f"The `granularity` query parameter value [{granularity}] is not one of "
            f"[{', '.join(granularities)}]",
        )
    return start, end, granularity


def parse_query(query: list[tuple[str, str]]) -> AnalyticsQuery:
    """Check every parameter, raising :class:`xsim.v2.params.InvalidRequest` with all problems."""
    c = QueryReader("tweets_analytics", query)
    ids = c.id_list("ids", MAX_IDS)
    start, end, granularity = window(c, "total", GRANULARITIES)
    known = ANALYTICS_FIELDS_167 if c.dialect == "2.167" else ANALYTICS_FIELDS
    asked = c.enum_list("analytics.fields", known)
    c.raise_if_any()
    assert start is not None and end is not None  # raise_if_any saw to it
    metrics = tuple(f for f in METRIC_FIELDS if f in asked) if asked else METRIC_FIELDS
    return AnalyticsQuery(ids, start, end, granularity, metrics, c.dialect)


def _floor(moment: datetime, granularity: str, start: datetime) -> datetime:
    if granularity == "hourly":
        return moment.replace(minute=0, second=0, microsecond=0)
    if granularity == "total":
        return start
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if granularity == "daily":
        return day
    first = start.replace(hour=0, minute=0, second=0, microsecond=0)
    return first + timedelta(days=7 * ((day - first).days // 7))


_STEP = {"hourly": timedelta(hours=1), "daily": timedelta(days=1), "weekly": timedelta(days=7)}


def buckets(
    q: AnalyticsQuery, created: datetime, now: datetime
) -> list[tuple[datetime, datetime, datetime]]:
    """(timestamp, from, to) of each bucket with data: clipped to the range, the post's life
    and now; empty buckets at either end are left out."""
    start, end = as_utc(q.start), min(as_utc(q.end), now)
    if end <= start or end <= created:
        return []
    if q.granularity == "total":
        return [(start, start, end)]
    step = _STEP[q.granularity]
    out: list[tuple[datetime, datetime, datetime]] = []
    bucket = _floor(max(start, created), q.granularity, start)
    while bucket < end:
        out.append((bucket, max(bucket, start), min(bucket + step, end)))
        bucket += step
    return out


def series(sim: Sim, post: Post, q: AnalyticsQuery, now: datetime) -> list[dict[str, Any]]:
    """The ``timestamped_metrics`` of one post."""
    world = sim.world
    out: list[dict[str, Any]] = []
    cache: dict[datetime, dict[str, int]] = {}
    finals = derived_finals(post)

    def at(moment: datetime) -> dict[str, int]:
        values = cache.get(moment)
        if values is None:
            values = cache[moment] = metrics_at(world, post, moment, finals)
        return values

    for stamp, begin, finish in buckets(q, as_utc(post.created_at), now):
        before, after = at(begin), at(finish)
        metrics = {name: after[name] - before[name] for name in q.metrics}
        out.append({"timestamp": _iso(stamp), "metrics": metrics})
    return out


def answer(sim: Sim, principal: Principal, q: AnalyticsQuery, now: datetime) -> Result:
    data: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    delivered: list[Post] = []
    for post_id in q.ids:
        post = sim.world.posts.get(post_id)
        if post is None or post.deleted or as_utc(post.created_at) > now:
            errors.append(problems.not_found("tweet", "ids", post_id))
        elif post.author_id != principal.user_id:
            errors.append(problems.not_authorized("tweet", "ids", post_id, "data"))
        else:
            data.append({"id": post.id, "timestamped_metrics": series(sim, post, q, now)})
            delivered.append(post)
    body: dict[str, Any] = {}
    if data:
        body["data"] = data
    if errors:
        body["errors"] = problems.in_dialect(errors, q.dialect)
    return Result(body, delivered, [])


def handle(sim: Sim, request: Request, principal: Principal, now: datetime) -> Callable[[], Result]:
    """The route handler (validate now, answer later: see :func:`xsim.v2.routes._run_handler`)."""
    raw = request.scope["query_string"].decode("latin-1")
    q = parse_query(parse_qsl(raw, keep_blank_values=True))
    return lambda: answer(sim, principal, q, now)
