"""X's analytics exports (analytics.x.com, "Export data"), both layouts.

- ``tweet_activity_metrics_<handle>_<YYYYMMDD>_<YYYYMMDD>_<lang>.csv``: 40 columns, every
  field quoted; 22 organic columns (``impressions``, ``retweets``, ``url clicks``, ...) and
  18 ``promoted ...`` ones, ``"-"`` when the post was not promoted; counts sometimes as
  floats (``"1938.0"``); ``time`` like ``2016-12-23 18:50 +0000``; text with newlines.
- ``account_analytics_content_<start>_<end>.csv``: ``Post id,Date,Post text,Post Link,
  Impressions,Likes,Engagements,Bookmarks,Shares,New follows,Replies,Reposts,Profile
  visits,Detail Expands,URL Clicks,Hashtag Clicks,Permalink Clicks``, ``Date`` like
  ``Tue, Jul 14, 2026`` (a day, no time).

The counts held at the export's end date, 00:00 UTC (the second date in the file name; a
name without it needs ``--end``), or when that day ended if the file holds a post of that
day. A post's creation time comes from its id when the id is an X
snowflake agreeing with the file's time (the newer layout gives only the day).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from xpulse.errors import ImportFileError
from xpulse.importers.model import ImportBatch, ImportedPost, Owner

SPLIT = ("impressions", "engagements", "retweets", "replies", "likes", "user profile clicks",
         "url clicks", "hashtag clicks", "detail expands", "permalink clicks", "app opens",
         "app installs", "follows", "email tweet", "dial phone", "media views",
         "media engagements")  # fmt: skip
CLASSIC = (
    "Tweet id", "Tweet permalink", "Tweet text", "time", "impressions", "engagements",
    "engagement rate", *SPLIT[2:],
    "promoted impressions", "promoted engagements", "promoted engagement rate",
    *(f"promoted {c}" for c in SPLIT[2:]),
)  # fmt: skip
CONTENT = ("Post id", "Date", "Post text", "Post Link", "Impressions", "Likes", "Engagements",
           "Bookmarks", "Shares", "New follows", "Replies", "Reposts", "Profile visits",
           "Detail Expands", "URL Clicks", "Hashtag Clicks", "Permalink Clicks")  # fmt: skip

# store column -> the classic layout's organic column (promoted: "promoted " + it)
_CLASSIC_COUNTS = {
    "impressions": "impressions",
    "engagements": "engagements",
    "reposts": "retweets",
    "replies": "replies",
    "likes": "likes",
    "user_profile_clicks": "user profile clicks",
    "url_link_clicks": "url clicks",
}
_SPLIT_STORED = ("impressions", "likes", "reposts", "replies", "url_link_clicks",
                 "user_profile_clicks")  # fmt: skip
_CONTENT_COUNTS = {
    "impressions": "Impressions",
    "likes": "Likes",
    "engagements": "Engagements",
    "bookmarks": "Bookmarks",
    "replies": "Replies",
    "reposts": "Reposts",
    "user_profile_clicks": "Profile visits",
    "url_link_clicks": "URL Clicks",
}
_NAME_DATES = re.compile(r"_(\d{4}-?\d{2}-?\d{2})_(\d{4}-?\d{2}-?\d{2})(?:_[a-z]{2}(?:-\w+)?)?$")
_CLASSIC_NAME = re.compile(r"^tweet_activity_metrics_(\w{1,15})_\d{8}_\d{8}", re.I)
_LINK = re.compile(r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(\w{1,15})/status/", re.I)
TWITTER_EPOCH_MS = 1288834974657


def read_export(path: Path, end: date | None = None) -> ImportBatch:
    """Read one export; raises :class:`ImportFileError` naming ``path`` when it cannot."""
    data = _bytes(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(path, "not UTF-8 text: not an X analytics export") from None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        raise ImportFileError(path, "empty file: not an X analytics export")
    header = [h.strip() for h in rows[0]]
    if "Tweet id" in header:
        layout, expected = "classic", CLASSIC
    elif "Post id" in header:
        layout, expected = "content", CONTENT
    else:
        raise ImportFileError(
            path,
            "unknown layout: neither X's tweet_activity_metrics header ('Tweet id', ...) nor "
            "its account_analytics_content one ('Post id', ...)",
        )
    missing = [c for c in expected if c not in header]
    if missing:
        raise ImportFileError(path, f"missing column {missing[0]!r} ({len(missing)} missing)")
    as_of = _as_of(path, end)
    records = [dict(zip(header, r, strict=False)) for r in rows[1:] if any(c.strip() for c in r)]
    for n, rec in enumerate(records, start=2):
        if len(rec) < len(header):
            raise ImportFileError(path, f"record {n} has {len(rec)} of {len(header)} fields")
    posts = []
    for n, rec in enumerate(records, start=2):
        try:
            posts.append(_classic(rec) if layout == "classic" else _content(rec))
        except ValueError as exc:
            raise ImportFileError(path, f"record {n}: {exc}") from None
    newest = max((p.created_at for p in posts), default=None)
    if newest is not None and newest >= as_of:
        # the name's end day is inclusive here: the counts held when that day ended
        as_of += timedelta(days=1)
    if newest is not None and newest >= as_of:
        raise ImportFileError(
            path, f"holds a post of {newest:%Y-%m-%d}, after its end date; check --end"
        )
    notes = []
    guessed = sum(1 for p in posts if p.raw.get("content_type_from") == "text")
    if guessed:
        notes.append(
            f"content type of {guessed:,} posts read from their text (the archive has the "
            "exact one: import it too)"
        )
    owner = _owner(path, posts)
    digest = hashlib.sha256(data).hexdigest()
    return ImportBatch("analytics-csv", path, digest, as_of, owner, posts, notes)


def export_digest(path: Path) -> str:
    """The SHA-256 an import of this file records."""
    return hashlib.sha256(_bytes(path)).hexdigest()


def _bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ImportFileError(path, "no such file") from None
    except IsADirectoryError:
        raise ImportFileError(path, "is a folder; give the .csv files") from None
    except OSError as exc:
        raise ImportFileError(path, f"cannot read: {exc.strerror or exc}") from None


def _as_of(path: Path, end: date | None) -> datetime:
    if end is None:
        m = _NAME_DATES.search(path.stem)
        if m is None:
            raise ImportFileError(
                path,
                "its name does not carry the export's dates (X names it "
                "..._YYYYMMDD_YYYYMMDD...); pass --end YYYY-MM-DD",
            )
        end = date.fromisoformat(_iso(m.group(2)))
    return datetime.combine(end, time(0), tzinfo=UTC)


def _iso(value: str) -> str:
    return value if "-" in value else f"{value[:4]}-{value[4:6]}-{value[6:]}"


def _count(value: str | None) -> int | None:
    value = (value or "").strip()
    if value in ("", "-"):
        return None
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"count {value!r} is not a number") from None
    if not 0 <= number < 2**63:  # also False for NaN and the infinities
        raise ValueError(f"count {value!r} is not a count")
    return round(number)


def _snowflake_time(post_id: str) -> datetime | None:
    if not post_id.isdigit() or int(post_id) < 1 << 32:
        return None
    ms = (int(post_id) >> 22) + TWITTER_EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, UTC)


def _created(post_id: str, stated: datetime, slack: timedelta) -> datetime:
    from_id = _snowflake_time(post_id)
    if from_id is not None and abs(from_id - stated) <= slack:
        return from_id
    return stated


def _kind(text: str) -> str:
    if text.startswith("RT @"):
        return "retweet"
    if text.startswith("@"):
        return "reply"
    if "https://t.co/" in text or "http://t.co/" in text:
        return "link"
    return "text"


def _post_id(value: str) -> str:
    value = value.strip()
    if not value.isdigit():
        raise ValueError(f"post id {value!r} is not a number")
    return value


def _classic(rec: Mapping[str, str]) -> ImportedPost:
    post_id = _post_id(rec["Tweet id"])
    try:
        stated = datetime.strptime(rec["time"].strip(), "%Y-%m-%d %H:%M %z").astimezone(UTC)
    except ValueError:
        raise ValueError(f"time {rec['time']!r} is not like 2016-12-23 18:50 +0000") from None
    counts: dict[str, int | None] = {}
    promoted_any = False
    for column, name in _CLASSIC_COUNTS.items():
        organic, promoted = _count(rec[name]), _count(rec[f"promoted {name}"])
        promoted_any = promoted_any or promoted is not None
        counts[column] = (
            None if organic is None and promoted is None else (organic or 0) + (promoted or 0)
        )
        if column in _SPLIT_STORED:
            counts[f"organic_{column}"] = organic
            counts[f"promoted_{column}"] = promoted
    text = rec["Tweet text"]
    return ImportedPost(
        id=post_id,
        created_at=_created(post_id, stated, timedelta(minutes=2)),
        text=text,
        content_type=_kind(text),
        counts=counts,
        is_promoted=promoted_any,
        raw={"csv": dict(rec), "content_type_from": "text"},
    )


def _content(rec: Mapping[str, str]) -> ImportedPost:
    post_id = _post_id(rec["Post id"])
    try:
        day = datetime.strptime(rec["Date"].strip(), "%a, %b %d, %Y").replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"Date {rec['Date']!r} is not like 'Tue, Jul 14, 2026'") from None
    counts = {column: _count(rec[name]) for column, name in _CONTENT_COUNTS.items()}
    text = rec["Post text"]
    # the day is the account's local one: the id's time within a day and a half of it
    return ImportedPost(
        id=post_id,
        created_at=_created(post_id, day + timedelta(hours=12), timedelta(hours=36)),
        text=text,
        content_type=_kind(text),
        counts=counts,
        raw={"csv": dict(rec), "content_type_from": "text"},
    )


def _owner(path: Path, posts: list[ImportedPost]) -> Owner | None:
    handles = set()
    for p in posts:
        csv_row = p.raw["csv"]
        m = _LINK.match(str(csv_row.get("Tweet permalink") or csv_row.get("Post Link") or ""))
        if m:
            handles.add(m.group(1))
    if len({h.lower() for h in handles}) > 1:
        raise ImportFileError(
            path, f"links posts of several accounts ({', '.join(sorted(handles))})"
        )
    if handles:
        return Owner(None, handles.pop(), "its post links")
    m = _CLASSIC_NAME.match(path.name)
    return Owner(None, m.group(1), "its file name") if m else None
