"""The Engagement API's request rules, as X documents them, checked before anything is counted.

A request body is ``{"tweet_ids": [...], "engagement_types": [...], "groupings": {name:
{"group_by": [...]}}, "start": ..., "end": ...}`` (``start``/``end`` on /historical only).
Every rule broken adds one plain string to the ``errors`` array of a 400, all at once.

Wording: the documentation and the published client record only a few strings (the groupBys one
below, and the partial-result ones in :mod:`xsim.enterprise.engagement`); the others follow
their style and say which limit was hit, and are marked "xsim wording" where they are made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from xsim.clock import LATEST

Endpoint = Literal["totals", "28hr", "historical"]

MAX_IDS: dict[Endpoint, int] = {"totals": 250, "28hr": 25, "historical": 25}
MAX_GROUPINGS = 3
MAX_SPAN = timedelta(weeks=4)
EARLIEST = datetime(2014, 9, 1, tzinfo=UTC)
WINDOW_28HR = timedelta(hours=28)

# Types the public (app-only bearer) /totals may ask for; every other type is private.
PUBLIC_TOTALS_TYPES = ("favorites", "retweets", "replies", "quote_tweets", "video_views")
TOTALS_TYPES = ("impressions", "engagements", *PUBLIC_TOTALS_TYPES)
# /28hr and /historical: impressions, engagements and every individual type (the
# documentation's table; quote_tweets is /totals only).
SERIES_TYPES = (
    "impressions", "engagements", "favorites", "retweets", "replies", "video_views",
    "media_views", "media_engagements", "url_clicks", "hashtag_clicks", "detail_expands",
    "permalink_clicks", "app_install_attempts", "app_opens", "email_tweet", "user_follows",
    "user_profile_clicks",
)  # fmt: skip
TYPES: dict[Endpoint, tuple[str, ...]] = {
    "totals": TOTALS_TYPES,
    "28hr": SERIES_TYPES,
    "historical": SERIES_TYPES,
}

GROUP_BYS = ("tweet.id", "engagement.type", "engagement.day", "engagement.hour")
TIME_GROUP_BYS = ("engagement.day", "engagement.hour")
FOUR_ITEM_ORDERS = (
    ("tweet.id", "engagement.type", "engagement.day", "engagement.hour"),
    ("engagement.type", "tweet.id", "engagement.day", "engagement.hour"),
)


@dataclass(frozen=True)
class EngagementRequest:
    endpoint: Endpoint
    tweet_ids: list[str]
    types: list[str]
    groupings: dict[str, tuple[str, ...]]
    start: datetime | None  # None on /totals
    end: datetime | None


class RequestRejected(Exception):
    """A request that breaks the rules: HTTP ``status`` with ``errors`` (plain strings)."""

    def __init__(self, errors: list[str], status: int = 400) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors
        self.status = status


def floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def ceil_hour(moment: datetime) -> datetime:
    floored = floor_hour(moment)
    return floored if floored == moment else floored + timedelta(hours=1)


def parse_time(text: str) -> datetime | None:
    """``2015-08-01``, ``2015-08-01T12:24:00Z``, ``2015-08-01T12:24:00.000Z`` or with an
    offset (UTC assumed without one); None when unreadable."""
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(cleaned)
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    # rounding out to whole hours and the spans after it must stay inside the calendar
    return moment if moment <= LATEST else None


def _string_list(body: dict[str, Any], key: str, errors: list[str]) -> list[str]:
    value = body.get(key)
    if value is None:
        errors.append(f"Request must include {key}")  # xsim wording
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.append(f"{key} must be an array of strings")  # xsim wording
        return []
    if not value:
        errors.append(f"{key} must not be empty")  # xsim wording
    return list(value)


def _check_ids(endpoint: Endpoint, ids: list[str], errors: list[str]) -> None:
    bad = [i for i in ids if not (i.isascii() and i.isdigit() and 1 <= len(i) <= 19)]
    if bad:
        errors.append(f"Invalid Tweet ID(s): {', '.join(bad)}")  # xsim wording
    limit = MAX_IDS[endpoint]
    if len(ids) > limit:
        # xsim wording, after the documentation's "a maximum of 25 Tweet IDs at a time"
        errors.append(
            f"Requests can be made for a maximum of {limit} Tweet IDs at a time; "
            f"{len(ids)} were requested"
        )


def _check_types(endpoint: Endpoint, types: list[str], errors: list[str]) -> None:
    unknown = [t for t in dict.fromkeys(types) if t not in TYPES[endpoint]]
    if unknown:
        # xsim wording, in the style of the recorded groupBys error
        errors.append(
            "One or more of the engagement types you have specified are not supported: "
            f"({', '.join(unknown)}). Please adjust your request and try again."
        )


def _check_groupings(endpoint: Endpoint, raw: Any, errors: list[str]) -> dict[str, tuple[str, ...]]:
    if raw is None:
        errors.append("Request must include groupings")  # xsim wording
        return {}
    if not isinstance(raw, dict) or not raw:
        errors.append("groupings must be an object with at least one grouping")  # xsim wording
        return {}
    if len(raw) > MAX_GROUPINGS:
        # xsim wording, after the documentation's "a maximum of 3 groupings per request"
        errors.append(
            f"You can include a maximum of {MAX_GROUPINGS} groupings per request; "
            f"{len(raw)} were included"
        )
    out: dict[str, tuple[str, ...]] = {}
    unsupported: list[str] = []
    four = 0
    for name, spec in raw.items():
        group_by = spec.get("group_by") if isinstance(spec, dict) else None
        if (
            not isinstance(group_by, list)
            or not group_by
            or not all(isinstance(g, str) for g in group_by)
        ):
            errors.append(f"Grouping {name} must have a non-empty group_by array")  # xsim
            continue
        for item in group_by:
            allowed = GROUP_BYS if endpoint != "totals" else GROUP_BYS[:2]
            if item not in allowed and item not in unsupported:
                unsupported.append(item)
        if len(set(group_by)) != len(group_by):
            errors.append(f"Grouping {name} repeats a group_by value")  # xsim wording
        if len(group_by) == 4:
            four += 1
            if tuple(group_by) not in FOUR_ITEM_ORDERS:
                # xsim wording; the two orders are the documentation's
                errors.append(
                    f"Grouping {name} has 4 group_by values in an unsupported order; use "
                    "[tweet.id, engagement.type, engagement.day, engagement.hour] or "
                    "[engagement.type, tweet.id, engagement.day, engagement.hour]"
                )
        elif len(group_by) > 4:
            errors.append(f"Grouping {name} has more than 4 group_by values")  # xsim wording
        out[str(name)] = tuple(group_by)
    if unsupported:
        # the string the published client quotes for engagement.hour on /totals
        errors.append(
            "One or more of the groupBys you have specified are not supported: "
            f"({', '.join(unsupported)}). Please adjust your request and try again."
        )
    if four > 1:
        # xsim wording, after the documentation's "only one grouping with 4 group_by items"
        errors.append("Only one grouping with 4 group_by values is allowed per request")
    return out


def _window(
    endpoint: Endpoint, body: dict[str, Any], now: datetime, errors: list[str]
) -> tuple[datetime | None, datetime | None]:
    """(start, end) rounded to the hour: start down, end up (the documentation's "nearest inclusive
    hour"); None for /totals."""
    if endpoint == "totals":
        return None, None
    if endpoint == "28hr":
        return floor_hour(now - WINDOW_28HR), ceil_hour(now)
    parsed: dict[str, datetime | None] = {}
    for key in ("start", "end"):
        raw = body.get(key)
        if raw is None:
            parsed[key] = None
        elif not isinstance(raw, str) or (moment := parse_time(raw)) is None:
            errors.append(f"Invalid {key} date: {raw}")  # xsim wording
            return None, None
        else:
            parsed[key] = moment
    start, end = parsed["start"], parsed["end"]
    # Defaults (the documentation and the published client): the 4 weeks before now, or 4 weeks from
    # the given start, or 4 weeks up to the given end.
    if start is None and end is None:
        end = now
    if start is None:
        assert end is not None
        start = end - MAX_SPAN
    elif end is None:
        end = min(start + MAX_SPAN, now)
    # The span is checked as asked; rounding out to whole hours may then add up to 2 hours.
    if end - start > MAX_SPAN:
        # xsim wording, after the documentation's "not longer than 4 weeks in duration"
        errors.append("Start and end dates must not be more than 4 weeks apart")
    start, end = floor_hour(start), ceil_hour(end)
    if start < EARLIEST:
        # xsim wording, after the documentation's "data older than September 1, 2014 cannot be
        # requested"
        errors.append("Start date cannot be before 2014-09-01T00:00:00Z")
    if end > ceil_hour(now):
        errors.append("End dates in the future are not supported")  # the documentation's sentence
    if start >= end:
        errors.append("Start date must be before end date")  # xsim wording
    return start, end


def parse_request(endpoint: Endpoint, body: Any, now: datetime) -> EngagementRequest:
    """Check ``body`` against every rule; :class:`RequestRejected` lists all that failed."""
    if not isinstance(body, dict):
        raise RequestRejected(["Request body must be a JSON object"])  # xsim wording
    errors: list[str] = []
    ids = _string_list(body, "tweet_ids", errors)
    _check_ids(endpoint, ids, errors)
    types = _string_list(body, "engagement_types", errors)
    _check_types(endpoint, types, errors)
    groupings = _check_groupings(endpoint, body.get("groupings"), errors)
    start, end = _window(endpoint, body, now, errors)
    if errors:
        raise RequestRejected(errors)
    return EngagementRequest(
        endpoint, list(dict.fromkeys(ids)), list(dict.fromkeys(types)), groupings, start, end
    )
