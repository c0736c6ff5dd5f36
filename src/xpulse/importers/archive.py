"""X's data archive: the zip every user can download, its unpacked folder, or a lone tweets file.

Layouts read (both are in ``../shared/x-api/archive/``):

- ``data/tweets.js``: ``window.YTD.tweets.part0 = [{"tweet": {...}}, ...]`` (2022 on), and
  large archives split as ``data/tweets-part1.js`` (``window.YTD.tweets.part1``) ...;
- ``data/tweet.js``: the older singular ``window.YTD.tweet.part0`` (2020 and before).

Everything in a record is a string, counts included (``"favorite_count" : "3"``), and
``created_at`` is X's v1.1 format ``Wed Oct 19 20:07:25 +0000 2022``. The archive has likes
and reposts per post, not impressions. ``data/manifest.js`` (``window.__THAR_CONFIG``) says
whose archive it is and when it was generated: the instant the counts held. An edited post
appears once per version (``edit_info``); only its newest version is kept, with the chain in
``edit_history_tweet_ids`` as the API gives it, so that a post is never counted twice.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from xpulse.api import normalize
from xpulse.errors import ImportFileError
from xpulse.importers.model import ImportBatch, ImportedPost, Owner

_TWEETS_FILE = re.compile(r"(?:^|/)tweets?(?:-part(\d+))?\.js$")
_YTD = re.compile(r"\s*window\.YTD\.(\w+)\.part(\d+)\s*=\s*")
_MANIFEST = re.compile(r"\s*window\.__THAR_CONFIG\s*=\s*")
_STATUS_URL = re.compile(
    r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(\w{1,15})/status(?:es)?/(\d+)", re.I
)
_X_TIME = "%a %b %d %H:%M:%S %z %Y"
_MEDIA_KEY_PREFIX = {"photo": "3", "video": "7", "animated_gif": "16"}
_HELP = "give the archive's .zip, its unpacked folder, or its data/tweets.js"


def read_archive(path: Path, exported_at: datetime | None = None) -> ImportBatch:
    """Read an archive; raises :class:`ImportFileError` naming ``path`` when it cannot."""
    files = _open(path)
    tweets_files = _tweets_files(path, files)
    records: list[Mapping[str, Any]] = []
    for name in tweets_files:
        records.extend(_tweet_records(path, name, files.read(name)))
    manifest = _manifest(path, files)
    owner = _owner(path, files, manifest) or _owner_from_media(records)
    as_of = _generated_at(path, manifest) or exported_at
    if as_of is None:
        raise ImportFileError(
            path,
            "the archive does not say when it was exported (no data/manifest.js); "
            "pass --exported-at YYYY-MM-DD",
        )
    posts, notes = _posts(path, records, owner)
    newest = max((p.created_at for p in posts), default=None)
    if newest is not None and as_of < newest:
        raise ImportFileError(
            path,
            f"export time {as_of:%Y-%m-%d %H:%M} UTC is before its newest post "
            f"({newest:%Y-%m-%d}); check --exported-at",
        )
    return ImportBatch("archive", path, files.sha256(tweets_files), as_of, owner, posts, notes)


def archive_digest(path: Path) -> str:
    """The SHA-256 that identifies the archive's posts (an import records it), read without
    parsing them: a file imported before is recognised at once."""
    files = _open(path)
    return files.sha256(_tweets_files(path, files))


def _tweets_files(path: Path, files: _Files) -> list[str]:
    names = sorted(
        (name for name in files.names() if _TWEETS_FILE.search(name) and _in_data(name)),
        key=_part_number,
    )
    if not names:
        raise ImportFileError(path, f"no data/tweets.js or data/tweet.js in it; {_HELP}")
    return names


# -- the container: zip, folder or one file --------------------------------------------


class _Files:
    """Read-only view of an archive's files by their path inside it (``data/tweets.js``)."""

    def __init__(self, path: Path, members: dict[str, Path] | None, zf: zipfile.ZipFile | None):
        self.path, self._members, self._zip = path, members, zf

    def names(self) -> list[str]:
        if self._zip is not None:
            return [i.filename for i in self._zip.infolist() if not i.is_dir()]
        return list(self._members or {})

    def read(self, name: str) -> str:
        try:
            if self._zip is not None:
                data = self._zip.read(name)
            else:
                data = (self._members or {})[name].read_bytes()
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
            raise ImportFileError(self.path, f"damaged zip, cannot read {name} ({exc})") from None
        except OSError as exc:
            raise ImportFileError(self.path, f"cannot read {name}: {exc.strerror or exc}") from None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFileError(self.path, f"{name} is not UTF-8 text") from None

    def sha256(self, names: Iterable[str]) -> str:
        """The file's hash; for a folder, the hash of its tweets files (the imported data)."""
        digest = hashlib.sha256()
        if self._members is None or self.path.is_file():
            with self.path.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
        else:
            for name in names:
                digest.update(name.encode() + b"\0" + self.read(name).encode())
        return digest.hexdigest()


def _open(path: Path) -> _Files:
    if path.is_dir():
        members = {p.relative_to(path).as_posix(): p for p in path.rglob("*.js") if p.is_file()}
        return _Files(path, _as_data_folder(members), None)
    try:
        with path.open("rb") as fh:
            head = fh.read(64)
    except FileNotFoundError:
        raise ImportFileError(path, "no such file or folder") from None
    except OSError as exc:
        raise ImportFileError(path, f"cannot read: {exc.strerror or exc}") from None
    if head.startswith(b"PK"):
        try:
            return _Files(path, None, zipfile.ZipFile(path))
        except (zipfile.BadZipFile, OSError, EOFError):
            raise ImportFileError(
                path, "damaged or truncated zip (download the archive again)"
            ) from None
    if _YTD.match(head.decode("utf-8", "replace").lstrip("\ufeff")):
        return _Files(path, {f"data/{_tweets_name(head)}": path}, None)
    raise ImportFileError(path, f"not an X data archive; {_HELP}")


def _as_data_folder(members: dict[str, Path]) -> dict[str, Path]:
    # The unpacked zip has data/...; a user may also point at the data folder itself.
    if any(name.startswith("data/") for name in members):
        return members
    return {f"data/{name}": p for name, p in members.items()}


def _tweets_name(head: bytes) -> str:
    m = _YTD.match(head.decode("utf-8", "replace").lstrip("\ufeff"))
    assert m is not None
    part = int(m.group(2))
    return f"{m.group(1)}.js" if part == 0 else f"{m.group(1)}-part{part}.js"


def _in_data(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return len(parts) >= 2 and parts[-2] == "data"


def _part_number(name: str) -> int:
    m = _TWEETS_FILE.search(name)
    return int(m.group(1)) if m and m.group(1) else 0


# -- the JavaScript files ---------------------------------------------------------------


def _js_value(path: Path, name: str, text: str, prefix: re.Pattern[str]) -> Any:
    m = prefix.match(text)
    if m is None:
        raise ImportFileError(path, f"{name} does not start like an X archive file")
    body = text[m.end() :].rstrip().removesuffix(";")
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            path, f"{name} is cut short or damaged (invalid JSON at line {exc.lineno})"
        ) from None


def _tweet_records(path: Path, name: str, text: str) -> list[Mapping[str, Any]]:
    value = _js_value(path, name, text, _YTD)
    if not isinstance(value, list):
        raise ImportFileError(path, f"{name} holds no list of posts")
    out = []
    for item in value:
        tweet = item.get("tweet", item) if isinstance(item, Mapping) else None
        if not isinstance(tweet, Mapping) or not (tweet.get("id_str") or tweet.get("id")):
            raise ImportFileError(path, f"{name} holds a record that is not a post")
        out.append(tweet)
    return out


def _manifest(path: Path, files: _Files) -> Mapping[str, Any] | None:
    name = next((n for n in files.names() if n.endswith("data/manifest.js")), None)
    if name is None:
        return None
    value = _js_value(path, name, files.read(name), _MANIFEST)
    return value if isinstance(value, Mapping) else None


def _generated_at(path: Path, manifest: Mapping[str, Any] | None) -> datetime | None:
    raw = ((manifest or {}).get("archiveInfo") or {}).get("generationDate")
    if not raw:
        return None
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        raise ImportFileError(
            path, f"manifest.js has an unreadable generationDate {raw!r}"
        ) from None


def _owner(path: Path, files: _Files, manifest: Mapping[str, Any] | None) -> Owner | None:
    info = (manifest or {}).get("userInfo") or {}
    if info.get("accountId") or info.get("userName"):
        return Owner(_str(info.get("accountId")), _str(info.get("userName")), "manifest.js")
    name = next((n for n in files.names() if n.endswith("data/account.js")), None)
    if name is None:
        return None
    value = _js_value(path, name, files.read(name), _YTD)
    account = (value[0].get("account") if isinstance(value, list) and value else None) or {}
    if not isinstance(account, Mapping) or not account.get("accountId"):
        return None
    return Owner(_str(account.get("accountId")), _str(account.get("username")), "account.js")


def _owner_from_media(records: list[Mapping[str, Any]]) -> Owner | None:
    """The handle in the links of the archive's own media (``x.com/HANDLE/status/ID/photo``
    where ID is the post itself): an archive with no manifest still names its owner there."""
    handles: Counter[str] = Counter()
    for t in records:
        for item in _media_items(t):
            m = _STATUS_URL.match(str(item.get("expanded_url") or ""))
            if m and m.group(2) == str(t.get("id_str") or t.get("id")):
                handles[m.group(1)] += 1
    if not handles:
        return None
    return Owner(None, handles.most_common(1)[0][0], "the links of its own media")


def _str(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


# -- posts --------------------------------------------------------------------------------


def _media_items(t: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    ext = (t.get("extended_entities") or {}).get("media") or (t.get("entities") or {}).get("media")
    return [m for m in ext or [] if isinstance(m, Mapping)]


_MAX_COUNT = 2**63 - 1  # what the store's BIGINT holds


def _int(value: Any) -> int | None:
    """A count as the archive writes it (a string, sometimes float-shaped); None when it is
    not one: empty, not a number, negative, infinite or past what the store holds."""
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not 0 <= number <= _MAX_COUNT:  # also False for NaN and the infinities
        return None
    return int(number)


def _media_row(item: Mapping[str, Any]) -> dict[str, Any] | None:
    kind = str(item.get("type") or "photo")
    media_id = _str(item.get("id_str") or item.get("id"))
    if media_id is None:
        return None
    large = ((item.get("sizes") or {}).get("large")) or {}
    url = _str(item.get("media_url_https") or item.get("media_url"))
    return {
        "media_key": f"{_MEDIA_KEY_PREFIX.get(kind, '3')}_{media_id}",
        "type": kind,
        "url": url if kind == "photo" else None,
        "preview_image_url": url if kind != "photo" else None,
        "duration_ms": _int((item.get("video_info") or {}).get("duration_millis")),
        "width": _int(large.get("w")),
        "height": _int(large.get("h")),
        "alt_text": None,
        "raw": dict(item),
    }


def _edit_chain(t: Mapping[str, Any]) -> list[str]:
    info = t.get("edit_info") or {}
    initial = info.get("initial") or (info.get("edit") or {}).get("editControlInitial") or {}
    return [str(i) for i in initial.get("editTweetIds") or []]


_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
)}  # fmt: skip


def _x_time(value: str) -> datetime:
    """``Wed Oct 19 20:07:25 +0000 2022`` as UTC; split by hand, strptime is a third of the
    parse time of a large archive."""
    parts = value.split()
    if len(parts) == 6 and parts[4] == "+0000" and parts[1] in _MONTHS:
        hour, minute, second = (int(x) for x in parts[3].split(":"))
        return datetime(
            int(parts[5]), _MONTHS[parts[1]], int(parts[2]), hour, minute, second, tzinfo=UTC
        )
    return datetime.strptime(value, _X_TIME).astimezone(UTC)


def _post(t: Mapping[str, Any], owner: Owner | None) -> ImportedPost:
    post_id = str(t.get("id_str") or t["id"])
    try:
        created = _x_time(str(t["created_at"]))
    except (KeyError, ValueError):
        raise ValueError(f"post {post_id} has no readable created_at") from None
    text = str(t.get("full_text") or t.get("text") or "")
    media = [row for item in _media_items(t) if (row := _media_row(item)) is not None]
    reply_to = _str(t.get("in_reply_to_status_id_str"))
    reply_user = _str(t.get("in_reply_to_user_id_str") or t.get("in_reply_to_user_id"))
    quoted = None
    urls = [u for u in (t.get("entities") or {}).get("urls") or [] if isinstance(u, Mapping)]
    for u in urls:
        m = _STATUS_URL.match(str(u.get("expanded_url") or ""))
        if m and m.group(2) != post_id:
            quoted = m.group(2)
            break
    if text.startswith("RT @"):
        kind = "retweet"
    else:
        own_reply = owner is not None and (
            (owner.user_id is not None and reply_user == owner.user_id)
            or (
                owner.username is not None
                and str(t.get("in_reply_to_screen_name") or "").lower() == owner.username.lower()
            )
        )
        shaped = {
            "author_id": reply_user if own_reply else (owner.user_id if owner else None),
            "in_reply_to_user_id": reply_user,
            "referenced_tweets": [
                *([{"type": "quoted", "id": quoted}] if quoted else []),
                *([{"type": "replied_to", "id": reply_to}] if reply_to else []),
            ],
            "attachments": {"media_keys": [m["media_key"] for m in media]},
            "entities": {"urls": [dict(u) for u in urls]},
        }
        includes = {"media": [{"media_key": m["media_key"], "type": m["type"]} for m in media]}
        kind = normalize.content_type(shaped, includes)
    raw = dict(t)
    chain = _edit_chain(t)
    if chain:
        raw["edit_history_tweet_ids"] = chain
    return ImportedPost(
        id=post_id,
        created_at=created,
        text=text,
        content_type=kind,
        counts={"likes": _int(t.get("favorite_count")), "reposts": _int(t.get("retweet_count"))},
        lang=_str(t.get("lang")),
        replied_to_id=reply_to,
        quoted_id=quoted,
        in_reply_to_user_id=reply_user,
        media=media,
        raw=raw,
    )


def _posts(
    path: Path, records: list[Mapping[str, Any]], owner: Owner | None
) -> tuple[list[ImportedPost], list[str]]:
    ids = {str(t.get("id_str") or t.get("id")) for t in records}
    posts: dict[str, ImportedPost] = {}
    older_versions = 0
    for t in records:
        post_id = str(t.get("id_str") or t.get("id"))
        chain = _edit_chain(t)
        if chain and chain[-1] != post_id and chain[-1] in ids:
            older_versions += 1  # an earlier version of an edited post: its newest is kept
            continue
        try:
            posts[post_id] = _post(t, owner)
        except ValueError as exc:
            raise ImportFileError(path, str(exc)) from None
    notes = []
    if older_versions:
        notes.append(f"{older_versions} earlier versions of edited posts kept as edit history")
    if len(posts) + older_versions < len(records):
        notes.append(f"{len(records) - len(posts) - older_versions} duplicate records skipped")
    return sorted(posts.values(), key=lambda p: (p.created_at, p.id)), notes
