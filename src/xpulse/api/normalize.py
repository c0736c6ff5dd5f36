"""Pure functions that flatten X's post JSON into plain dicts (inputs are never mutated).

Both spellings of the API are read: 2.159 (``retweet_count``, ``referenced_tweets``,
``includes.tweets``) and 2.167 (``repost_count``, ``referenced_posts``, ``includes.posts``).
Output uses the 2.159 names, the wire format every recording uses. A metric a read did not
carry is absent (never 0), so "not returned" and "zero" stay apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

Json = Mapping[str, Any]
ContentType = Literal[
    "text", "link", "photo", "video", "gif", "poll", "thread", "reply", "quote", "retweet"
]

METRIC_GROUPS = ("public", "non_public", "organic", "promoted")
# 2.167 name -> 2.159 name
_RENAMED = {"repost_count": "retweet_count"}
_X_HOSTS = ("twitter.com", "x.com", "www.twitter.com", "www.x.com", "mobile.twitter.com")


def _counts(obj: Any) -> dict[str, int]:
    if not isinstance(obj, Mapping):
        return {}
    out: dict[str, int] = {}
    for key, value in obj.items():
        name = key if type(key) is str else str(key)
        old = _RENAMED.get(name)
        if old is not None:
            if old in obj:
                continue  # both spellings sent: the 2.159 one wins
            name = old
        if type(value) is int:  # nearly every count: the checks below are for the rest
            out[name] = value
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int | float):
            out[name] = int(value)
        elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
            out[name] = int(value)  # some exports carry counts as strings
    return out


def metrics(tweet: Json) -> dict[str, dict[str, int]]:
    """``{"public": {...}, "non_public": {...}, "organic": {...}, "promoted": {...}}``."""
    return {
        group: counts
        for group in METRIC_GROUPS
        if (counts := _counts(tweet.get(f"{group}_metrics")))
    }


def referenced(tweet: Json) -> list[dict[str, str]]:
    refs = tweet.get("referenced_tweets") or tweet.get("referenced_posts") or []
    return [
        {"type": str(r.get("type")), "id": str(r.get("id"))}
        for r in refs
        if isinstance(r, Mapping) and r.get("id") is not None
    ]


def included_posts(includes: Json | None) -> list[Json]:
    """``includes.tweets`` (2.159) or ``includes.posts`` (2.167)."""
    if not includes:
        return []
    posts = includes.get("tweets") or includes.get("posts") or []
    return [p for p in posts if isinstance(p, Mapping)]


def media_keys(tweet: Json) -> list[str]:
    attachments = tweet.get("attachments") or {}
    return [str(k) for k in attachments.get("media_keys") or []]


def media_index(includes: Json | None) -> dict[str, Json]:
    """A page's ``includes.media`` by media key (built once a page: each post asks)."""
    items = (includes or {}).get("media") or []
    return {str(m["media_key"]): m for m in items if isinstance(m, Mapping) and "media_key" in m}


def _media(tweet: Json, by_key: Mapping[str, Json]) -> list[dict[str, Any]]:
    out = []
    for key in media_keys(tweet):
        item = by_key.get(key)
        if item is None:
            out.append({"media_key": key})
            continue
        flat = {k: v for k, v in item.items() if not k.endswith("_metrics") and k != "variants"}
        for group in METRIC_GROUPS:
            counts = _counts(item.get(f"{group}_metrics"))
            if counts:
                flat[f"{group}_metrics"] = counts
        out.append(flat)
    return out


def _media_types(tweet: Json, by_key: Mapping[str, Json]) -> set[str]:
    """The types of the post's media found in the page's media."""
    found = (by_key.get(key) for key in media_keys(tweet))
    return {str(item.get("type")) for item in found if item is not None and item.get("type")}


def _poll(tweet: Json, includes: Json | None) -> dict[str, Any] | None:
    ids = [str(i) for i in (tweet.get("attachments") or {}).get("poll_ids") or []]
    if not ids:
        return None
    for poll in (includes or {}).get("polls") or []:
        if isinstance(poll, Mapping) and str(poll.get("id")) == ids[0]:
            return dict(poll)
    return {"id": ids[0]}


def _links(tweet: Json) -> list[str]:
    """Expanded URLs in the text that are not the post's own media or an X permalink."""
    urls = ((tweet.get("entities") or {}).get("urls")) or []
    out = []
    for u in urls:
        if not isinstance(u, Mapping) or u.get("media_key"):
            continue
        expanded = str(u.get("expanded_url") or u.get("url") or "")
        host = expanded.split("://", 1)[-1].split("/", 1)[0].lower()
        if host in _X_HOSTS and "/status/" in expanded:
            continue  # a quoted post's permalink, not an outbound link
        out.append(expanded)
    return out


def content_type(
    tweet: Json, includes: Json | None = None, media: Mapping[str, Json] | None = None
) -> ContentType:
    """What kind of post this is; the first that applies wins.

    retweet > quote > thread (a reply to oneself) > reply > poll > video > gif > photo >
    link > text. Media types come from ``includes.media`` (or ``media``, the page's
    :func:`media_index`); without it a post with media keys counts as a photo.
    """
    kinds = {r["type"] for r in referenced(tweet)}
    if "retweeted" in kinds or "reposted" in kinds:
        return "retweet"
    if "quoted" in kinds:
        return "quote"
    if "replied_to" in kinds or tweet.get("in_reply_to_user_id"):
        author = tweet.get("author_id")
        if author is not None and str(tweet.get("in_reply_to_user_id")) == str(author):
            return "thread"
        return "reply"
    if (tweet.get("attachments") or {}).get("poll_ids"):
        return "poll"
    types = _media_types(tweet, media_index(includes) if media is None else media)
    if "video" in types:
        return "video"
    if "animated_gif" in types:
        return "gif"
    if types or media_keys(tweet):
        return "photo"
    if _links(tweet):
        return "link"
    return "text"


def flatten(tweet: Json, includes: Json | None = None) -> dict[str, Any]:
    """One post as a plain dict (a new object; ``tweet`` is not touched)."""
    pm = metrics(tweet)
    by_key = media_index(includes)
    out: dict[str, Any] = {
        "id": str(tweet["id"]),
        "author_id": str(tweet["author_id"]) if tweet.get("author_id") is not None else None,
        "text": tweet.get("text", ""),
        "created_at": tweet.get("created_at"),
        "lang": tweet.get("lang"),
        "conversation_id": tweet.get("conversation_id"),
        "in_reply_to_user_id": tweet.get("in_reply_to_user_id"),
        "referenced": referenced(tweet),
        "media_keys": media_keys(tweet),
        "media": _media(tweet, by_key),
        "entities": dict(tweet.get("entities") or {}),
        "links": _links(tweet),
        "poll": _poll(tweet, includes),
        "content_type": content_type(tweet, media=by_key),
        "metrics": pm,
    }
    # The public counts also flat, for the common case of one table row per post.
    for name, value in pm.get("public", {}).items():
        out[name] = value
    return out


def flatten_page(body: Json) -> list[dict[str, Any]]:
    """Every post of a page (``data`` only; included posts are context, not results)."""
    data = body.get("data") or []
    rows = data if isinstance(data, list) else [data]
    includes = body.get("includes") or {}
    return [flatten(t, includes) for t in rows if isinstance(t, Mapping) and "id" in t]
