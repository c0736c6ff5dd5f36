"""History into the per-post series: the Engagement API's hours, or /2/tweets/analytics;
video retention from /2/media/analytics.

``xpulse backfill --source media-analytics --since DATE`` reads ``/2/media/analytics``
(granularity total, 100 keys a request) for the stored videos of the account's posts
created since DATE and stores each video's plays and quartiles at now as a media
observation (source ``/2/media/analytics``), which the video-retention part of reports reads.

``xpulse backfill --source tweets-analytics --since DATE`` reads ``/2/tweets/analytics``
(the account's own user token, 100 ids a request) for the stored posts created since DATE,
one bucket per day (or hour), and stores them the same way (source ``/2/tweets/analytics``).

``xpulse backfill --source engagement-api --since DATE`` asks ``/historical`` for every
stored post of the account created since DATE, hour by hour, from DATE (never before
2014-09-01) to now: 25 ids and 4 weeks a request, each window asking only for the posts
that existed by its end. Each answer is stored in its own transaction as ``hour`` buckets
(source ``engagement-api``), so a backfill that dies keeps every window it finished, and a
second run rewrites the same buckets (no duplicates).

Credentials (OAuth 1.0a user context, the post owner's access token; never in the config
file): ``XPULSE_OAUTH1_CONSUMER_KEY``, ``XPULSE_OAUTH1_CONSUMER_SECRET``,
``XPULSE_OAUTH1_TOKEN_<NAME>`` and ``XPULSE_OAUTH1_TOKEN_SECRET_<NAME>``. The API's base URL
is ``XPULSE_ENGAGEMENT_BASE`` (default ``https://data-api.x.com``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from xpulse.api import redact
from xpulse.api.engagement import DEFAULT_BASE_URL, EngagementClient, hourly_points
from xpulse.api.engagement_rules import EARLIEST, SERIES_TYPES, split_window
from xpulse.api.media_analytics import MEDIA_ANALYTICS, RETENTION, get_media_analytics
from xpulse.api.oauth1 import OAuth1Credentials
from xpulse.api.transport import Transport
from xpulse.api.tweets_analytics import Granularity
from xpulse.clock import Clock, utc_now
from xpulse.collect.tweets_analytics import collect_series
from xpulse.config import env
from xpulse.errors import ConfigError, NotEnrolled
from xpulse.store import metric_buckets, queries
from xpulse.store.schema import SERIES_METRICS

assert MEDIA_ANALYTICS.id_batch is not None  # the endpoint takes a list of keys
MEDIA_BATCH: int = MEDIA_ANALYTICS.id_batch  # keys a request: the endpoint table's limit

# X answers /2/tweets/analytics and /2/media/analytics only to Enterprise apps since
# 2026-03-31 (403 not enrolled).
SERIES_NEEDS_ENTERPRISE = (
    "the analytics time series needs X Enterprise; reports use stored reads instead"
)
RETENTION_NEEDS_ENTERPRISE = (
    "video retention from /2/media/analytics needs X Enterprise; reports use stored reads instead"
)
SOURCE_MEDIA_ANALYTICS = "/2/media/analytics"
GROUPING = "hourly"
ORDER = ("tweet.id", "engagement.type", "engagement.day", "engagement.hour")
BASE_ENV = env.ENGAGEMENT_BASE.name
SOURCES = ("engagement-api", "tweets-analytics", "media-analytics")


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    if value:
        redact.remember(value)
    return value or None


def oauth1_from_env(account_suffix: str) -> OAuth1Credentials:
    """The account's OAuth 1.0a credentials from the environment, or a one-line error."""
    names = {
        "consumer_key": env.OAUTH1_CONSUMER_KEY.name,
        "consumer_secret": env.OAUTH1_CONSUMER_SECRET.name,
        "token": env.OAUTH1_TOKEN.for_account(account_suffix),
        "token_secret": env.OAUTH1_TOKEN_SECRET.for_account(account_suffix),
    }
    values = {key: _env(env) for key, env in names.items()}
    missing = [names[k] for k, v in values.items() if v is None]
    if missing:
        raise ConfigError(
            "the Engagement API needs OAuth 1.0a user context; set " + ", ".join(missing)
        )
    return OAuth1Credentials(
        consumer_key=values["consumer_key"] or "",
        consumer_secret=values["consumer_secret"] or "",
        token=values["token"] or "",
        token_secret=values["token_secret"] or "",
    )


def engagement_base() -> str:
    return _env(BASE_ENV) or DEFAULT_BASE_URL


@dataclass
class BackfillResult:
    posts: int = 0
    requests: int = 0
    buckets: int = 0
    windows: int = 0
    unavailable: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unit: str = "hourly"
    notes: list[str] = field(default_factory=list)  # one line each, shown before the summary

    def summary(self, account: str, since: datetime) -> str:
        tail = f"; {len(self.unavailable)} post(s) unavailable" if self.unavailable else ""
        return (
            f"backfilled {account} from {since:%Y-%m-%d}: {self.posts} post(s), "
            f"{self.buckets:,} {self.unit} buckets in {self.requests} request(s){tail}"
        )


def bucket_rows(tree: dict[str, Any], fetched_at: datetime) -> list[dict[str, Any]]:
    """One row per (post, hour) from a tweet/type/day/hour tree; type names mapped."""
    rows: dict[tuple[str, datetime], dict[str, Any]] = {}
    for pid, kind, hour, count in hourly_points(tree, ORDER):
        column = metric_buckets.ENGAGEMENT_NAMES.get(kind, kind)
        if column not in SERIES_METRICS:
            continue
        row = rows.setdefault(
            (pid, hour),
            {
                "post_id": pid,
                "granularity": "hour",
                "bucket_start": hour,
                "source": metric_buckets.SOURCE_ENGAGEMENT,
                "fetched_at": fetched_at,
            },
        )
        row[column] = count
    return list(rows.values())  # a type X did not send stays as stored (never made 0)


def account_posts(engine: Engine, account: str, since: datetime) -> list[tuple[str, datetime]]:
    with engine.connect() as conn:
        return [(pid, at) for pid, at, _ in queries.available_posts_since(conn, account, since)]


def backfill_engagement(
    engine: Engine,
    client: EngagementClient,
    account: str,
    since: datetime,
    *,
    clock: Clock = utc_now,
    engagement_types: Sequence[str] = SERIES_TYPES,
    progress: Callable[[int, int], None] | None = None,
) -> BackfillResult:
    """Hourly /historical series of the account's posts since ``since``, stored."""
    if since.tzinfo is None:
        raise ConfigError("--since needs a date (UTC)")
    now = clock()
    if since < EARLIEST:
        raise ConfigError("--since: the Engagement API has nothing before 2014-09-01")
    if since >= now:
        raise ConfigError(f"--since {since:%Y-%m-%d} is not in the past")
    found = account_posts(engine, account, since)
    result = BackfillResult(posts=len(found))
    if not found:
        return result
    first = max(since, found[0][1])
    windows = split_window(first, now)
    # Check every request before the first is sent: a rule broken halfway costs money.
    plans = []
    for lo, hi in windows:
        ids = [pid for pid, created in found if created < hi]
        if ids:
            plans.append((lo, min(hi, now), ids))
    for lo, hi, ids in plans:
        client.plan("historical", ids, engagement_types, {GROUPING: ORDER}, lo, hi)
    for n, (lo, hi, ids) in enumerate(plans, 1):
        merged = client.collect("historical", ids, engagement_types, {GROUPING: ORDER}, lo, hi)
        rows = bucket_rows(merged.groups.get(GROUPING, {}), clock())
        with engine.begin() as conn:
            metric_buckets.upsert_buckets(conn, rows)
        result.windows += 1
        result.requests += merged.requests
        result.buckets += len(rows)
        for pid in merged.unavailable_tweet_ids:
            if pid not in result.unavailable:
                result.unavailable.append(pid)
        result.errors.extend(e for e in merged.errors if e not in result.errors)
        if progress is not None:
            progress(n, len(plans))
    return result


def backfill_analytics(
    engine: Engine,
    transport: Transport,
    account: str,
    since: datetime,
    *,
    granularity: Granularity = "daily",
    clock: Clock = utc_now,
) -> BackfillResult:
    """/2/tweets/analytics buckets of the account's posts since ``since``, stored."""
    now = clock()
    if since.tzinfo is None or since >= now:
        raise ConfigError(f"--since {since:%Y-%m-%d} is not a day in the past")
    found = account_posts(engine, account, since)
    result = BackfillResult(posts=len(found), unit=granularity)
    if not found:
        return result
    ids = [pid for pid, _ in found]
    try:
        got = collect_series(engine, transport, ids, since, now, granularity, clock=clock)
    except NotEnrolled:
        result.notes.append(SERIES_NEEDS_ENTERPRISE)
        return result
    result.requests, result.buckets, result.windows = got.requests, got.buckets, 1
    result.unavailable = [str(e.get("resource_id") or e.get("value")) for e in got.errors]
    result.errors = sorted({str(e.get("detail") or e.get("title")) for e in got.errors})
    return result


def account_videos(engine: Engine, account: str, since: datetime) -> list[tuple[str, str]]:
    """(media key, post id) of the stored videos on the account's posts since ``since``."""
    with engine.connect() as conn:
        carried = queries.available_posts_since(conn, account, since)
        videos = queries.video_keys(conn)
    out: dict[str, str] = {}
    for pid, _, keys in carried:
        for key in keys:
            if key in videos:
                out.setdefault(key, pid)
    return list(out.items())


def backfill_media(
    engine: Engine,
    transport: Transport,
    account: str,
    since: datetime,
    *,
    clock: Clock = utc_now,
) -> BackfillResult:
    """Each stored video's plays and quartiles at now, from /2/media/analytics, stored."""
    now = clock()
    if since.tzinfo is None or since >= now:
        raise ConfigError(f"--since {since:%Y-%m-%d} is not a day in the past")
    found = account_videos(engine, account, since)
    result = BackfillResult(posts=len({pid for _, pid in found}), unit="video")
    carrier = dict(found)
    keys = list(carrier)
    for i in range(0, len(keys), MEDIA_BATCH):
        batch = keys[i : i + MEDIA_BATCH]
        try:
            page = get_media_analytics(transport, batch, since, now, "total")
        except NotEnrolled:
            result.notes.append(RETENTION_NEEDS_ENTERPRISE)
            return result
        totals: dict[str, dict[str, int]] = {}
        for bucket in page.buckets:
            into = totals.setdefault(bucket.media_key, {})
            for name, value in bucket.metrics.items():
                into[name] = into.get(name, 0) + value
        rows = [
            {
                "media_key": key,
                "post_id": carrier[key],
                "observed_at": now,
                "source": SOURCE_MEDIA_ANALYTICS,
                **{RETENTION[n]: v for n, v in counts.items() if n in RETENTION},
            }
            for key, counts in totals.items()
            if key in carrier
        ]
        with engine.begin() as conn:
            queries.append_media_observations(conn, rows)
        result.requests += 1
        result.buckets += len(rows)
        result.unavailable += [str(e.get("resource_id") or e.get("value")) for e in page.errors]
        result.errors += sorted({str(e.get("detail") or e.get("title")) for e in page.errors})
    result.windows = 1 if result.requests else 0
    return result
