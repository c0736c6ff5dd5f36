"""A world's user as X's own downloads show them: the data archive and analytics exports.

Formats follow the real files in ``../shared/x-api/`` (see its README):

- the archive zip: ``data/manifest.js`` (``window.__THAR_CONFIG``, with ``userInfo`` and
  ``archiveInfo.generationDate``), ``data/account.js`` and ``data/tweets.js``
  (``window.YTD.tweets.part0 = [{"tweet": {...}}]``, the 2022 layout: every value a string,
  ``created_at`` like ``Wed Oct 19 20:07:25 +0000 2022``, ``edit_info``, ``extended_entities``
  for media, ``RT @...`` retweets, a quoted post's permalink in the text);
- ``tweet_activity_metrics_<user>_<YYYYMMDD>_<YYYYMMDD>_en.csv``: the 40 quoted columns,
  counts of the first group written as floats (``"1938.0"``), ``"-"`` in the ``promoted``
  columns of a post that was not promoted; retweets are not listed;
- ``account_analytics_content_<YYYY-MM-DD>_<YYYY-MM-DD>.csv``: the newer 17 columns.

Counts are the world's at the export instant (:func:`xsim.world.curves.post_metrics_at`,
:func:`xsim.world.metrics.metrics_at`), so an import can be checked against the
world's truth. An analytics export's counts hold at 00:00 UTC of its end date.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from xsim.clock import as_utc
from xsim.world.curves import post_metrics_at
from xsim.world.metrics import metrics_at
from xsim.world.model import Post, User, World

X_TIME = "%a %b %d %H:%M:%S +0000 %Y"
ORGANIC = ("impressions", "engagements", "engagement rate", "retweets", "replies", "likes",
           "user profile clicks", "url clicks", "hashtag clicks", "detail expands",
           "permalink clicks", "app opens", "app installs", "follows", "email tweet",
           "dial phone", "media views", "media engagements")  # fmt: skip
CLASSIC_HEADER = ("Tweet id", "Tweet permalink", "Tweet text", "time", *ORGANIC,
                  *(f"promoted {c}" for c in ORGANIC))  # fmt: skip
CONTENT_HEADER = ("Post id", "Date", "Post text", "Post Link", "Impressions", "Likes",
                  "Engagements", "Bookmarks", "Shares", "New follows", "Replies", "Reposts",
                  "Profile visits", "Detail Expands", "URL Clicks", "Hashtag Clicks",
                  "Permalink Clicks")  # fmt: skip
_FLOAT_COLUMNS = 11  # "impressions" .. "permalink clicks" are written like "1938.0"


class ExportError(Exception):
    """A request the world cannot answer (unknown user, bad dates)."""


def find_user(world: World, handle: str) -> User:
    wanted = handle.removeprefix("@").lower()
    for user in world.users.values():
        if user.username.lower() == wanted or user.id == handle:
            return user
    known = ", ".join(sorted(u.username for u in world.users.values()))
    raise ExportError(f"no user {handle!r} in the world (users: {known})")


def _own_posts(world: World, user: User, until: datetime) -> list[Post]:
    return sorted(
        (
            p
            for p in world.posts.values()
            if p.author_id == user.id and not p.deleted and as_utc(p.created_at) <= until
        ),
        key=lambda p: (as_utc(p.created_at), p.id),
    )


def _js(global_name: str, value: Any) -> str:
    return f"{global_name} = {json.dumps(value, indent=2, ensure_ascii=False)}"


# -- the data archive ---------------------------------------------------------------------


def _indices(start: int, end: int) -> list[str]:
    return [str(start), str(end)]


def _entities(world: World, post: Post) -> dict[str, Any]:
    ent = post.entities or {}
    out: dict[str, Any] = {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []}
    for h in ent.get("hashtags") or []:
        out["hashtags"].append({"text": h["tag"], "indices": _indices(h["start"], h["end"])})
    for m in ent.get("mentions") or []:
        user = world.users.get(str(m.get("id")))
        out["user_mentions"].append(
            {
                "name": user.name if user else m["username"],
                "screen_name": m["username"],
                "indices": _indices(m["start"], m["end"]),
                "id_str": str(m.get("id", "")),
                "id": str(m.get("id", "")),
            }
        )
    for u in ent.get("urls") or []:
        out["urls"].append(
            {
                "url": u["url"],
                "expanded_url": u.get("expanded_url", u["url"]),
                "display_url": u.get("display_url", u["url"]),
                "indices": _indices(u["start"], u["end"]),
            }
        )
    return out


def _short(seed: str) -> str:
    return "https://t.co/" + hashlib.sha256(seed.encode()).hexdigest()[:10]


def _tweet(world: World, user: User, post: Post, at: datetime) -> dict[str, Any]:
    counts = post_metrics_at(post, at)
    text = post.text
    entities = _entities(world, post)
    refs = {r.type: r.id for r in post.references}
    quoted = refs.get("quoted")
    if quoted is not None:
        # X writes a quote as the comment plus the quoted post's permalink
        target = world.posts.get(quoted)
        author = world.users.get(target.author_id) if target else None
        link = _short(f"q{post.id}")
        start = len(text) + 1
        text = f"{text} {link}"
        entities["urls"].append(
            {
                "url": link,
                "expanded_url": f"https://twitter.com/{author.username if author else 'i'}"
                f"/status/{quoted}",
                "display_url": f"twitter.com/…/status/{quoted}",
                "indices": _indices(start, len(text)),
            }
        )
    created = as_utc(post.created_at)
    tweet: dict[str, Any] = {
        "edit_info": {
            "initial": {
                "editTweetIds": [post.id],
                "editableUntil": (created + timedelta(minutes=30)).strftime(
                    "%Y-%m-%dT%H:%M:%S.000Z"
                ),
                "editsRemaining": "5",
                "isEditEligible": "retweeted" not in refs,
            }
        },
        "retweeted": False,
        "source": '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
        "entities": entities,
        "display_text_range": ["0", str(len(text))],
        "favorite_count": str(counts.likes),
        "id_str": post.id,
        "truncated": False,
        "retweet_count": str(counts.reposts),
        "id": post.id,
        "created_at": created.strftime(X_TIME),
        "favorited": False,
        "full_text": text,
        "lang": post.lang,
    }
    replied = refs.get("replied_to")
    if replied is not None:
        parent = world.posts.get(replied)
        parent_user = world.users.get(parent.author_id) if parent else None
        tweet["in_reply_to_status_id_str"] = replied
        tweet["in_reply_to_status_id"] = replied
        if parent_user is not None:
            tweet["in_reply_to_user_id"] = parent_user.id
            tweet["in_reply_to_user_id_str"] = parent_user.id
            tweet["in_reply_to_screen_name"] = parent_user.username
    media = []
    for key in post.media_keys:
        item = world.media.get(key)
        if item is None:
            continue
        media_id = key.split("_", 1)[-1]
        kind = {"animated_gif": "animated_gif", "video": "video"}.get(item.type, "photo")
        link = _short(f"m{post.id}")
        media.append(
            {
                "expanded_url": f"https://twitter.com/{user.username}/status/{post.id}/"
                f"{'video' if kind != 'photo' else 'photo'}/1",
                "url": link,
                "media_url_https": item.url or item.preview_image_url or "",
                "id_str": media_id,
                "id": media_id,
                "type": kind,
                "display_url": "pic.twitter.com/" + link.rsplit("/", 1)[-1],
                "sizes": {"large": {"w": str(item.width or 0), "h": str(item.height or 0)}},
            }
        )
    if media:
        tweet["extended_entities"] = {"media": media}
    return tweet


def archive_files(world: World, handle: str, at: datetime) -> dict[str, str]:
    """The archive's files (path -> text) for the user as of ``at``."""
    user = find_user(world, handle)
    at = as_utc(at)
    tweets = [{"tweet": _tweet(world, user, p, at)} for p in _own_posts(world, user, at)]
    tweets.reverse()  # X lists the newest first
    manifest = {
        "userInfo": {"accountId": user.id, "userName": user.username, "displayName": user.name},
        "archiveInfo": {
            "sizeBytes": "0",
            "generationDate": at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z",
            "isPartialArchive": False,
            "maxPartSizeBytes": "53687091200",
        },
        "dataTypes": {
            "account": {"files": [{"fileName": "data/account.js",
                                   "globalName": "YTD.account.part0", "count": "1"}]},
            "tweets": {"files": [{"fileName": "data/tweets.js",
                                  "globalName": "YTD.tweets.part0", "count": str(len(tweets))}]},
        },
    }  # fmt: skip
    account = [
        {
            "account": {
                "email": f"{user.username}@example.com",
                "createdVia": "web",
                "username": user.username,
                "accountId": user.id,
                "createdAt": as_utc(user.created_at).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "accountDisplayName": user.name,
            }
        }
    ]
    return {
        "data/manifest.js": _js("window.__THAR_CONFIG", manifest),
        "data/account.js": _js("window.YTD.account.part0", account),
        "data/tweets.js": _js("window.YTD.tweets.part0", tweets),
    }


def write_archive(world: World, handle: str, at: datetime, out: Path) -> int:
    """Write the archive zip; returns the number of posts in it."""
    files = archive_files(world, handle, at)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return files["data/tweets.js"].count('"tweet": {')


# -- analytics exports --------------------------------------------------------------------


def _float(value: int) -> str:
    return f"{float(value)}"


def _classic_row(world: World, user: User, post: Post, at: datetime) -> list[str]:
    m = metrics_at(world, post, at)
    p = post_metrics_at(post, at)
    promoted = {
        "impressions": p.promoted_impressions,
        "retweets": p.promoted_reposts,
        "replies": p.promoted_replies,
        "likes": p.promoted_likes,
        "user profile clicks": p.promoted_user_profile_clicks,
        "url clicks": p.promoted_url_link_clicks,
    }
    promoted["engagements"] = sum(promoted[k] for k in promoted if k != "impressions")
    total = {
        "impressions": m["impressions"], "engagements": m["engagements"],
        "retweets": m["retweets"], "replies": m["replies"], "likes": m["likes"],
        "user profile clicks": m["user_profile_clicks"], "url clicks": m["url_clicks"],
        "hashtag clicks": m["hashtag_clicks"], "detail expands": m["detail_expands"],
        "permalink clicks": m["permalink_clicks"], "app opens": m["app_opens"],
        "app installs": m["app_install_attempts"], "follows": m["follows"],
        "email tweet": m["email_tweet"], "dial phone": 0, "media views": m["media_views"],
        "media engagements": m["media_engagements"],
    }  # fmt: skip
    organic = {k: v - promoted.get(k, 0) for k, v in total.items()}

    def group(values: dict[str, int]) -> list[str]:
        out = []
        for i, column in enumerate(ORGANIC):
            if column == "engagement rate":
                imp = values["impressions"]
                out.append(repr(values["engagements"] / imp) if imp else "0.0")
            else:
                value = values.get(column, 0)
                out.append(_float(value) if i < _FLOAT_COLUMNS else str(value))
        return out

    shown = p.promoted_impressions > 0 or post.promoted
    return [
        post.id,
        f"https://twitter.com/{user.username}/status/{post.id}",
        post.text,
        as_utc(post.created_at).strftime("%Y-%m-%d %H:%M +0000"),
        *group(organic),
        *(group(promoted) if shown else ["-"] * len(ORGANIC)),
    ]


def _content_row(world: World, user: User, post: Post, at: datetime) -> list[str]:
    m = metrics_at(world, post, at)
    created = as_utc(post.created_at)
    return [
        post.id, created.strftime("%a, %b %d, %Y"), post.text,
        f"https://x.com/{user.username}/status/{post.id}",
        *(str(m[k]) for k in ("impressions", "likes", "engagements", "bookmarks", "shares",
                              "follows", "replies", "retweets", "user_profile_clicks",
                              "detail_expands", "url_clicks", "hashtag_clicks",
                              "permalink_clicks")),
    ]  # fmt: skip


def analytics_csv(
    world: World, handle: str, start: date, end: date, layout: str
) -> tuple[str, str]:
    """(file name, text) of one export of the user's posts created in ``[start, end)``,
    counts at 00:00 UTC of ``end``. ``layout``: "classic" or "content"."""
    if end <= start:
        raise ExportError(f"end {end} is not after start {start}")
    user = find_user(world, handle)
    at = datetime.combine(end, time(0), tzinfo=UTC)
    begin = datetime.combine(start, time(0), tzinfo=UTC)
    posts = [
        p
        for p in _own_posts(world, user, at)
        if as_utc(p.created_at) >= begin
        and as_utc(p.created_at) < at
        and not any(r.type == "retweeted" for r in p.references)
    ]
    posts.reverse()  # newest first, as X writes it
    buffer = io.StringIO(newline="")
    if layout == "classic":
        name = f"tweet_activity_metrics_{user.username}_{start:%Y%m%d}_{end:%Y%m%d}_en.csv"
        writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(CLASSIC_HEADER)
        writer.writerows(_classic_row(world, user, p, at) for p in posts)
    elif layout == "content":
        name = f"account_analytics_content_{start:%Y-%m-%d}_{end:%Y-%m-%d}.csv"
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CONTENT_HEADER)
        writer.writerows(_content_row(world, user, p, at) for p in posts)
    else:
        raise ExportError(f"unknown layout {layout!r} (classic or content)")
    return name, buffer.getvalue()


def month_starts(start: date, end: date) -> Iterable[tuple[date, date]]:
    """Calendar months covering ``[start, end)``, as X's analytics page exports them."""
    cursor = start
    while cursor < end:
        nxt = (cursor.replace(day=1) + timedelta(days=32)).replace(day=1)
        yield cursor, min(nxt, end)
        cursor = nxt
