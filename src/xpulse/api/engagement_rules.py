"""The enterprise Engagement API's request rules, checked before anything is sent: a
mistake is one clear line here, not a call spent on X's refusal.

Every rule the documentation states becomes one clear :class:`EngagementRequestError`:

* ids: at most 250 for ``/totals``, 25 for ``/28hr`` and ``/historical``; decimal strings;
* ``engagement_types``: ``/totals`` takes only impressions, engagements, favorites,
  retweets, quote_tweets, replies, video_views; ``/28hr`` and ``/historical`` take every
  individual type but quote_tweets (a /totals-only metric);
* ``groupings``: at most 3; ``group_by`` from tweet.id, engagement.type, engagement.day,
  engagement.hour, no repeats; ``engagement.day``/``engagement.hour`` only on /28hr and
  /historical; 4 items only in the two documented orders, and only one such grouping;
* ``/historical``: at most 4 weeks, nothing before 2014-09-01, no end in the future; start
  and end go to "the nearest inclusive hour" (start down, end up), as the API does;
* authentication: an app bearer token reads only the public metrics of ``/totals``
  (favorites, retweets, quote_tweets, replies, video_views); everything else needs
  OAuth 1.0a user context.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal

from xpulse.errors import EngagementRequestError

Kind = Literal["totals", "28hr", "historical"]
KINDS: tuple[Kind, ...] = ("totals", "28hr", "historical")
MAX_IDS: dict[Kind, int] = {"totals": 250, "28hr": 25, "historical": 25}

TOTALS_TYPES = (
    "impressions",
    "engagements",
    "favorites",
    "retweets",
    "quote_tweets",
    "replies",
    "video_views",
)
SERIES_TYPES = (
    "impressions",
    "engagements",
    "favorites",
    "retweets",
    "replies",
    "video_views",
    "media_views",
    "media_engagements",
    "url_clicks",
    "hashtag_clicks",
    "detail_expands",
    "permalink_clicks",
    "app_install_attempts",
    "app_opens",
    "email_tweet",
    "user_follows",
    "user_profile_clicks",
)
TYPES: dict[Kind, tuple[str, ...]] = {
    "totals": TOTALS_TYPES,
    "28hr": SERIES_TYPES,
    "historical": SERIES_TYPES,
}
PUBLIC_TOTALS = frozenset({"favorites", "retweets", "quote_tweets", "replies", "video_views"})

GROUP_KEYS = ("tweet.id", "engagement.type", "engagement.day", "engagement.hour")
TIME_KEYS = frozenset({"engagement.day", "engagement.hour"})
FOUR_ORDERS = (
    ("tweet.id", "engagement.type", "engagement.day", "engagement.hour"),
    ("engagement.type", "tweet.id", "engagement.day", "engagement.hour"),
)
MAX_GROUPINGS = 3

EARLIEST = datetime(2014, 9, 1, tzinfo=UTC)
MAX_WINDOW = timedelta(weeks=4)
_ID = re.compile(r"[0-9]{1,19}")

Groupings = Mapping[str, Sequence[str]]


def clean_ids(kind: Kind, ids: Sequence[str], *, limit: bool = True) -> list[str]:
    """The ids as strings, duplicates dropped (order kept); malformed or too many: error."""
    out: list[str] = []
    seen: set[str] = set()
    for raw in ids:
        value = str(raw).strip()
        if not _ID.fullmatch(value):
            raise EngagementRequestError(f"{value!r} is not a post id (digits only)")
        if value not in seen:
            seen.add(value)
            out.append(value)
    if not out:
        raise EngagementRequestError("no post ids given")
    if limit and len(out) > MAX_IDS[kind]:
        raise EngagementRequestError(
            f"/{kind} takes at most {MAX_IDS[kind]} post ids a request, got {len(out)}"
        )
    return out


def check_types(kind: Kind, types: Sequence[str]) -> list[str]:
    if not types:
        raise EngagementRequestError("no engagement_types given")
    allowed = TYPES[kind]
    out: list[str] = []
    for t in types:
        if t not in TOTALS_TYPES + SERIES_TYPES:
            raise EngagementRequestError(
                f"unknown engagement type {t!r} (known: {', '.join(sorted(set(allowed)))})"
            )
        if t not in allowed:
            where = "/totals" if t in TOTALS_TYPES else "/28hr and /historical"
            raise EngagementRequestError(f"engagement type {t!r} is only available on {where}")
        if t not in out:
            out.append(t)
    return out


def check_groupings(kind: Kind, groupings: Groupings) -> dict[str, list[str]]:
    if not groupings:
        raise EngagementRequestError("no groupings given (e.g. {'by-post': ['tweet.id']})")
    if len(groupings) > MAX_GROUPINGS:
        raise EngagementRequestError(
            f"at most {MAX_GROUPINGS} groupings a request, got {len(groupings)}"
        )
    out: dict[str, list[str]] = {}
    four = 0
    for name, group_by in groupings.items():
        keys = [str(k) for k in group_by]
        if not str(name).strip():
            raise EngagementRequestError("a grouping needs a name")
        if not keys:
            raise EngagementRequestError(f"grouping {name!r} has an empty group_by")
        for key in keys:
            if key not in GROUP_KEYS:
                raise EngagementRequestError(
                    f"unknown grouping {key!r} in {name!r} (use {', '.join(GROUP_KEYS)})"
                )
            if key in TIME_KEYS and kind == "totals":
                raise EngagementRequestError(
                    f"{key} in {name!r}: time groupings are only on /28hr and /historical"
                )
        if len(set(keys)) != len(keys):
            raise EngagementRequestError(f"grouping {name!r} repeats a group_by value")
        if len(keys) == 4:
            four += 1
            if tuple(keys) not in FOUR_ORDERS:
                orders = " or ".join("[" + ", ".join(o) + "]" for o in FOUR_ORDERS)
                raise EngagementRequestError(
                    f"grouping {name!r}: a 4-item group_by must be {orders}"
                )
        out[str(name)] = keys
    if four > 1:
        raise EngagementRequestError("only one grouping with 4 group_by items is allowed")
    return out


def floor_hour(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def ceil_hour(at: datetime) -> datetime:
    down = floor_hour(at)
    return down if down == at.astimezone(UTC) else down + timedelta(hours=1)


def round_window(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The API's "nearest inclusive hour": start down, end up."""
    for value in (start, end):
        if value.tzinfo is None:
            raise EngagementRequestError("start and end must carry a time zone (use UTC)")
    return floor_hour(start), ceil_hour(end)


def check_window(
    start: datetime, end: datetime, now: datetime, *, limit: bool = True
) -> tuple[datetime, datetime]:
    """The rounded window of a /historical request, or an error naming the broken rule."""
    if start.tzinfo is None or end.tzinfo is None:
        raise EngagementRequestError("start and end must carry a time zone (use UTC)")
    if start < EARLIEST:
        raise EngagementRequestError(
            f"start {start:%Y-%m-%d} is before 2014-09-01, the oldest date the API serves"
        )
    if end > ceil_hour(now):  # the current hour, rounded up as the API does, is not future
        raise EngagementRequestError(f"end {end:%Y-%m-%dT%H:%M}Z is in the future")
    if end <= start:
        raise EngagementRequestError("end must be after start")
    lo, hi = round_window(start, end)
    if limit and hi - lo > MAX_WINDOW:
        raise EngagementRequestError(
            f"/historical takes at most 4 weeks a request; {lo:%Y-%m-%d %H:00} to "
            f"{hi:%Y-%m-%d %H:00} is {(hi - lo).days} days"
        )
    return lo, hi


def check_auth(kind: Kind, types: Sequence[str], user_context: bool) -> None:
    if user_context:
        return
    if kind != "totals":
        raise EngagementRequestError(
            f"/{kind} needs OAuth 1.0a user context (the post owner's access token)"
        )
    private = [t for t in types if t not in PUBLIC_TOTALS]
    if private:
        raise EngagementRequestError(
            f"{', '.join(private)} need OAuth 1.0a user context; an app bearer token reads "
            "only favorites, retweets, quote_tweets, replies and video_views"
        )


def split_ids(ids: Sequence[str], size: int) -> list[list[str]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


def split_window(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Consecutive windows of at most 4 weeks covering the rounded ``[start, end)``."""
    lo, hi = round_window(start, end)
    out: list[tuple[datetime, datetime]] = []
    while lo < hi:
        stop = min(hi, lo + MAX_WINDOW)
        out.append((lo, stop))
        lo = stop
    return out
