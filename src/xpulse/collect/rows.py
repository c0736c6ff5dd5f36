"""Pure functions from X's tweet/media JSON to store rows (no I/O, inputs never mutated).

Both spellings of the API are read: 2.159 (``retweet_count``, ``includes.tweets``) and 2.167
(``repost_count``, ``includes.posts``). A metric the read did not return is None, not 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

Json = Mapping[str, Any]

# canonical name -> X's names, first match wins
_COUNTS: dict[str, tuple[str, ...]] = {
    "impressions": ("impression_count",),
    "likes": ("like_count",),
    "reposts": ("retweet_count", "repost_count"),
    "replies": ("reply_count",),
    "quotes": ("quote_count",),
    "bookmarks": ("bookmark_count",),
    "url_link_clicks": ("url_link_clicks",),
    "user_profile_clicks": ("user_profile_clicks",),
    "engagements": ("engagements",),
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


def _count(obj: Json | None, canonical: str) -> int | None:
    if not isinstance(obj, Mapping):
        return None
    for name in _COUNTS[canonical]:
        value = obj.get(name)
        if isinstance(value, int | float | str) and str(value).strip() != "":
            try:
                return int(float(value))
            except ValueError:
                return None
    return None


def metrics(tweet: Json) -> dict[str, int | None]:
    """Every observation metric of one tweet; None where this read did not carry it."""
    public = tweet.get("public_metrics")
    private = tweet.get("non_public_metrics")
    out: dict[str, int | None] = {}
    for name in _COUNTS:
        value = _count(public, name)
        out[name] = value if value is not None else _count(private, name)
    for prefix in ("organic", "promoted"):
        group = tweet.get(f"{prefix}_metrics")
        for name in _SPLIT:
            out[f"{prefix}_{name}"] = _count(group, name)
    return out


def _references(tweet: Json) -> dict[str, str]:
    refs: dict[str, str] = {}
    for ref in tweet.get("referenced_tweets") or []:
        if isinstance(ref, Mapping) and "type" in ref and "id" in ref:
            refs.setdefault(str(ref["type"]), str(ref["id"]))
    return refs


def media_by_key(includes: Json | None) -> dict[str, Json]:
    items = (includes or {}).get("media") or []
    return {str(m["media_key"]): m for m in items if isinstance(m, Mapping) and "media_key" in m}


def _media_keys(tweet: Json) -> list[str]:
    return [str(k) for k in (tweet.get("attachments") or {}).get("media_keys") or []]


def _has_link(tweet: Json) -> bool:
    for url in (tweet.get("entities") or {}).get("urls") or []:
        # Media and quoted posts appear as t.co urls too; they have a media_key or point
        # back at x.com/twitter.com.
        expanded = str(url.get("expanded_url") or url.get("url") or "")
        if url.get("media_key"):
            continue
        host = expanded.split("//", 1)[-1].split("/", 1)[0].lower()
        if host.removeprefix("www.") in ("x.com", "twitter.com"):
            continue
        if expanded:
            return True
    return False


def content_type(
    tweet: Json, includes: Json | None, media: Mapping[str, Json] | None = None
) -> str:
    """text|link|photo|video|gif|poll|thread|reply|quote|retweet.

    The relation to other posts wins over the attachment: a retweet of a video is a retweet.
    A thread is a reply to oneself (``in_reply_to_user_id`` equals the author).
    """
    refs = _references(tweet)
    if "retweeted" in refs:
        return "retweet"
    if "replied_to" in refs:
        author = tweet.get("author_id")
        if author is not None and tweet.get("in_reply_to_user_id") == author:
            return "thread"
        return "reply"
    if "quoted" in refs:
        return "quote"
    if (tweet.get("attachments") or {}).get("poll_ids"):
        return "poll"
    found = media if media is not None else media_by_key(includes)
    kinds = {str(found[k].get("type")) for k in _media_keys(tweet) if k in found}
    if "video" in kinds:
        return "video"
    if "animated_gif" in kinds:
        return "gif"
    if "photo" in kinds or _media_keys(tweet):
        return "photo"
    if _has_link(tweet):
        return "link"
    return "text"


def post_row(
    tweet: Json,
    includes: Json | None,
    account: str,
    source_url: str,
    now: datetime,
    media: Mapping[str, Json] | None = None,
) -> dict[str, Any]:
    """The posts row; pass ``media`` (:func:`media_by_key` of the page) when converting many."""
    refs = _references(tweet)
    return {
        "id": str(tweet["id"]),
        "account": account,
        "author_id": str(tweet.get("author_id") or ""),
        "text": str(tweet.get("text") or ""),
        "created_at": parse_time(str(tweet["created_at"])),
        "lang": tweet.get("lang"),
        "conversation_id": tweet.get("conversation_id"),
        "content_type": content_type(tweet, includes, media),
        "replied_to_id": refs.get("replied_to"),
        "quoted_id": refs.get("quoted"),
        "retweeted_id": refs.get("retweeted"),
        "media_keys": _media_keys(tweet),
        "is_promoted": bool(tweet.get("promoted_metrics")),
        "raw": dict(tweet),
        "source_url": source_url,
        "retrieved_at": now,
        "first_seen_at": now,
        "unavailable_at": None,
    }


def observation_row(tweet: Json, now: datetime, source: str) -> dict[str, Any]:
    return {"post_id": str(tweet["id"]), "observed_at": now, "source": source, **metrics(tweet)}


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
    values: dict[str, int | None] = {}
    for name in MEDIA_COUNTS:
        value = None
        for group in ("public_metrics", "non_public_metrics", "organic_metrics"):
            obj = item.get(group)
            if isinstance(obj, Mapping) and isinstance(obj.get(name), int):
                value = int(obj[name])
                break
        values[name] = value
    if all(v is None for v in values.values()):
        return None
    return {
        "media_key": str(item["media_key"]),
        "post_id": post_id,
        "observed_at": now,
        "source": source,
        **values,
    }
