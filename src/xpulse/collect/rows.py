"""Pure functions from X's tweet/media JSON to store rows (no I/O, inputs never mutated).

Both spellings of the API are read (through :mod:`xpulse.api.normalize`): 2.159
(``retweet_count``) and 2.167 (``repost_count``). A metric the read did not return is None,
not 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from xpulse.api import normalize

Json = Mapping[str, Any]

# store column -> X's 2.159 name (normalize maps 2.167's ``repost_count`` to these)
_COUNTS: dict[str, str] = {
    "impressions": "impression_count",
    "likes": "like_count",
    "reposts": "retweet_count",
    "replies": "reply_count",
    "quotes": "quote_count",
    "bookmarks": "bookmark_count",
    "url_link_clicks": "url_link_clicks",
    "user_profile_clicks": "user_profile_clicks",
    "engagements": "engagements",
}
_SPLIT = ("impressions", "likes", "reposts", "replies", "url_link_clicks", "user_profile_clicks")
MEDIA_COUNTS = (
    "view_count",
    "playback_0_count",
    "playback_25_count",
    "playback_50_count",
    "playback_75_count",
    "playback_100_count",
)


def parse_time(value: str) -> datetime:
    """X's ISO 8601 timestamps (``2026-05-13T09:00:00.000Z``) as aware datetimes."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def observed_counts(groups: Mapping[str, Mapping[str, int]]) -> dict[str, int | None]:
    """Every observation column from a post's metric groups (``normalize.metrics``); None
    where this read did not carry it.

    A total comes from ``public_metrics``, else from ``non_public_metrics`` (impressions
    and the click counts are private on some plans); organic_* and promoted_* from theirs.
    """
    public, private = groups.get("public", {}), groups.get("non_public", {})
    out: dict[str, int | None] = {}
    for column, name in _COUNTS.items():
        out[column] = public.get(name, private.get(name))
    for prefix in ("organic", "promoted"):
        group = groups.get(prefix, {})
        for column in _SPLIT:
            out[f"{prefix}_{column}"] = group.get(_COUNTS[column])
    return out


def post_rows(
    tweet: Json,
    includes: Json | None,
    account: str,
    source_url: str,
    now: datetime,
    source: str,
    media: Mapping[str, Json] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The posts row and the observation row of one post, read through
    :mod:`xpulse.api.normalize` (one reading of X's post JSON for the whole product); the
    posts row keeps the raw JSON with its provenance. ``media``: the page's
    :func:`~xpulse.api.normalize.media_index`, when the caller made it once for the page."""
    groups = normalize.metrics(tweet)
    refs: dict[str, str] = {}
    for ref in normalize.referenced(tweet):
        refs.setdefault(ref["type"], ref["id"])
    post_id = str(tweet["id"])
    author = tweet.get("author_id")
    kind = normalize.content_type(tweet, includes, media)
    post = {
        "id": post_id,
        "account": account,
        "author_id": "" if author is None else str(author),
        "text": str(tweet.get("text") or ""),
        "created_at": parse_time(str(tweet["created_at"])),  # required: no row without it
        "lang": tweet.get("lang"),
        "conversation_id": tweet.get("conversation_id"),
        "content_type": kind,
        "replied_to_id": refs.get("replied_to"),
        "quoted_id": refs.get("quoted"),
        "retweeted_id": refs.get("retweeted") or refs.get("reposted"),
        "media_keys": normalize.media_keys(tweet),
        "is_promoted": "promoted" in groups,
        "raw": dict(tweet),
        "source_url": source_url,
        "retrieved_at": now,
        "first_seen_at": now,
        "unavailable_at": None,
    }
    observation = {
        "post_id": post_id,
        "observed_at": now,
        "source": source,
        **observed_counts(groups),
    }
    return post, observation


def media_row(item: Json, now: datetime) -> dict[str, Any]:
    return {
        "media_key": str(item["media_key"]),
        "type": str(item.get("type") or "photo"),
        "url": item.get("url"),
        "preview_image_url": item.get("preview_image_url"),
        "duration_ms": item.get("duration_ms"),
        "width": item.get("width"),
        "height": item.get("height"),
        "alt_text": item.get("alt_text"),
        "raw": dict(item),
        "retrieved_at": now,
    }


def media_observation_row(
    item: Json, post_id: str, now: datetime, source: str
) -> dict[str, Any] | None:
    """The media's counts as read now, or None when the read carried none."""
    groups = normalize.metrics(item)  # media carry metric groups as posts do
    values: dict[str, int | None] = {}
    for name in MEDIA_COUNTS:
        found = (groups[g].get(name) for g in ("public", "non_public", "organic") if g in groups)
        values[name] = next((v for v in found if v is not None), None)
    if all(v is None for v in values.values()):
        return None
    return {
        "media_key": str(item["media_key"]),
        "post_id": post_id,
        "observed_at": now,
        "source": source,
        **values,
    }
