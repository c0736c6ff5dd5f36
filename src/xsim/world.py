"""Load, check and save world documents (the JSON format of ``schemas/world.schema.json``).

Loading validates the document against the committed schema with one compiled validator,
then runs the cross-checks a schema cannot express (unique ids, references that resolve,
nothing posted after the world's clock) in single passes, so 100,000 posts load in seconds.
Any problem becomes a :class:`WorldError` naming the file and the JSON path of the bad
entry, e.g. ``world.json: $.posts[17].created_at: 'yesterday' is not a 'date-time'``.
"""

from __future__ import annotations

import gc
import json
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, cast

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from xsim.fastschema import SchemaCompiler
from xsim.model import (
    App,
    Media,
    MediaFinal,
    Post,
    PostFinal,
    Pricing,
    Reference,
    Token,
    User,
    World,
)

FORMAT_VERSION = 1
_MESSAGE_LIMIT = 200
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_COUNTS = ("impressions", "likes", "reposts", "replies", "quotes")
_OPTIONAL_COUNTS = ("bookmarks", "url_link_clicks", "user_profile_clicks")
_QUARTILES = (
    "playback_0_count",
    "playback_25_count",
    "playback_50_count",
    "playback_75_count",
    "playback_100_count",
)


# Errors in these sections never quote the value; the listed checks only quote key names.
_SECRET_SECTIONS = frozenset({"apps", "tokens"})
_NAME_ONLY = frozenset({"required", "additionalProperties"})
_PUBLIC_FIELDS = frozenset(
    {"client_id", "name", "callback_urls", "plan", "monthly_read_cap", "user_id", "scopes"}
    | {"expires_at"}
)


class WorldError(ValueError):
    """A world document that cannot be served; the message names the file and JSON path."""


# --- schema -------------------------------------------------------------------------------


def world_schema() -> dict[str, Any]:
    """The committed JSON Schema of the world format."""
    text = resources.files("xsim").joinpath("schemas/world.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


_format_checker = FormatChecker(formats=())


@_format_checker.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    # RFC 3339 needs a date, a time and an offset; fromisoformat alone accepts bare dates.
    if not isinstance(value, str):
        return True
    if "T" not in value.upper():
        return False
    return datetime.fromisoformat(value).tzinfo is not None


# Top-level lists and the $defs entry their items follow.
_SECTIONS = {"apps": "app", "users": "user", "tokens": "token", "media": "media", "posts": "post"}


@cache
def _validator(definition: str | None = None) -> Draft202012Validator:
    """jsonschema's validator of the whole document, or of one ``$defs`` entry."""
    schema = world_schema()
    if definition is not None:
        schema = {"$defs": schema["$defs"], "$ref": f"#/$defs/{definition}"}
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=_format_checker)


@cache
def _fast() -> SchemaCompiler:
    return SchemaCompiler(world_schema(), {"date-time": _date_time_ok})


def _date_time_ok(value: object) -> bool:
    try:
        return _is_date_time(value)
    except ValueError:
        return False


def json_path(parts: Iterable[str | int]) -> str:
    """``$.posts[17].created_at`` from ``("posts", 17, "created_at")``."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENTIFIER.match(part):
            out += f".{part}"
        else:
            out += f"[{json.dumps(part)}]"
    return out


def _schema_message(error: ValidationError, path: list[str | int]) -> str:
    if error.validator == "oneOf" and error.schema_path and "metrics" in error.schema_path:
        return "state either 'exact' counts, or 'final' counts with an optional 'half_life_hours'"
    if error.validator == "const" and path == ["xsim_world"]:
        return f"unsupported world format version {error.instance!r} (expected {FORMAT_VERSION})"
    message = error.message
    public = len(path) >= 3 and path[2] in _PUBLIC_FIELDS
    if path and path[0] in _SECRET_SECTIONS and not public and error.validator not in _NAME_ONLY:
        # These sections hold secrets: say what was expected, never echo the value.
        rule = f"{error.validator} {error.validator_value!r}"
        message = f"invalid value (not shown, it may be a secret): fails {rule}"
    if len(message) > _MESSAGE_LIMIT:
        message = message[: _MESSAGE_LIMIT - 3] + "..."
    return message


def _first_error(doc: object) -> tuple[tuple[str | int, ...], ValidationError] | None:
    """jsonschema's first error, looking only at the entry the fast check found bad."""
    fast = _fast()
    if isinstance(doc, dict):
        for section, definition in _SECTIONS.items():
            items = doc.get(section)
            if not isinstance(items, list):
                continue
            item_ok = fast.ref_check(f"#/$defs/{definition}")
            for index, item in enumerate(items):
                if not item_ok(item):
                    error = next(_validator(definition).iter_errors(item), None)
                    if error is not None:
                        return (section, index), error
        shallow = {k: [] if k in _SECTIONS and isinstance(v, list) else v for k, v in doc.items()}
        error = next(_validator().iter_errors(shallow), None)
        if error is not None:
            return (), error
    error = next(_validator().iter_errors(doc), None)
    return ((), error) if error is not None else None


def validate_document(doc: object, source: str = "world.json") -> None:
    """Raise :class:`WorldError` for the first place ``doc`` breaks the schema.

    A compiled yes/no check clears a valid document quickly; jsonschema, the authority,
    explains the first bad entry when that check says no.
    """
    if _fast().ref_check("#")(doc):
        return
    found = _first_error(doc)
    if found is not None:
        prefix, error = found
        parts = [*prefix, *error.absolute_path]
        raise WorldError(f"{source}: {json_path(parts)}: {_schema_message(error, parts)}")


# --- JSON -> model ------------------------------------------------------------------------


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def _iso(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _app(d: dict[str, Any]) -> App:
    return App(
        client_id=d["client_id"],
        name=d["name"],
        callback_urls=list(d["callback_urls"]),
        plan=d.get("plan", "basic"),
        client_secret=d.get("client_secret"),
        bearer_tokens=list(d.get("bearer_tokens", [])),
        monthly_read_cap=d.get("monthly_read_cap", 15_000),
        consumer_key=d.get("consumer_key"),
        consumer_secret=d.get("consumer_secret"),
    )


def _user(d: dict[str, Any]) -> User:
    return User(
        id=d["id"],
        username=d["username"],
        name=d["name"],
        created_at=_time(d["created_at"]),
        description=d.get("description", ""),
        location=d.get("location"),
        url=d.get("url"),
        protected=d.get("protected", False),
        verified=d.get("verified", False),
        profile_image_url=d.get("profile_image_url"),
        followers_count=d.get("followers_count", 0),
        following_count=d.get("following_count", 0),
        listed_count=d.get("listed_count", 0),
        like_count=d.get("like_count", 0),
        time_zone=d.get("time_zone"),
    )


def _token(d: dict[str, Any]) -> Token:
    return Token(
        access_token=d["access_token"],
        client_id=d["client_id"],
        user_id=d["user_id"],
        scopes=frozenset(d["scopes"]),
        expires_at=_time(d["expires_at"]),
        refresh_token=d.get("refresh_token"),
    )


def _media(d: dict[str, Any]) -> Media:
    return Media(
        media_key=d["media_key"],
        type=d["type"],
        url=d.get("url"),
        preview_image_url=d.get("preview_image_url"),
        width=d.get("width"),
        height=d.get("height"),
        duration_ms=d.get("duration_ms"),
        alt_text=d.get("alt_text"),
        final=MediaFinal(**d.get("final", {})),
    )


def _post_final(c: dict[str, Any]) -> PostFinal:
    get = c.get
    likes, reposts, replies, quotes = c["likes"], c["reposts"], c["replies"], c["quotes"]
    bookmarks, links, profiles = (
        get("bookmarks", 0),
        get("url_link_clicks", 0),
        get("user_profile_clicks", 0),
    )
    # X's engagements count every interaction; when a world leaves it out, add them up.
    engagements = get("engagements")
    if engagements is None:
        engagements = likes + reposts + replies + quotes + bookmarks + links + profiles
    return PostFinal(
        c["impressions"], likes, reposts, replies, quotes, bookmarks, links, profiles,
        engagements, get("promoted_share", 0.0),
    )  # fmt: skip


def _post(d: dict[str, Any]) -> Post:
    metrics = d.get("metrics")
    if metrics is None:
        final, growth, half_life = PostFinal(0, 0, 0, 0, 0), "curve", 6.0
    elif "exact" in metrics:
        final, growth, half_life = _post_final(metrics["exact"]), "exact", 6.0
    else:
        final = _post_final(metrics["final"])
        growth, half_life = "curve", float(metrics.get("half_life_hours", 6.0))
    return Post(
        id=d["id"],
        author_id=d["author_id"],
        text=d["text"],
        created_at=_time(d["created_at"]),
        lang=d.get("lang", "en"),
        conversation_id=d.get("conversation_id"),
        references=[Reference(r["type"], r["id"]) for r in d.get("references", [])],
        media_keys=list(d.get("media_keys", [])),
        entities=d.get("entities"),
        poll=d.get("poll"),
        promoted=d.get("promoted", False),
        deleted=d.get("deleted", False),
        possibly_sensitive=d.get("possibly_sensitive", False),
        final=final,
        growth=growth,  # type: ignore[arg-type]  # one of the two literals by construction
        half_life_hours=half_life,
    )


def _pricing(d: dict[str, Any]) -> Pricing:
    return Pricing(**d)


def world_from_json(doc: object, source: str = "world.json") -> World:
    """Validate a parsed world document and build the :class:`World` it describes."""
    validate_document(doc, source)
    doc = cast(dict[str, Any], doc)  # the schema guarantees an object
    world = World(
        apps={a["client_id"]: _app(a) for a in doc["apps"]},
        users={u["id"]: _user(u) for u in doc["users"]},
        posts={p["id"]: _post(p) for p in doc["posts"]},
        media={m["media_key"]: _media(m) for m in doc.get("media", [])},
        tokens=[_token(t) for t in doc.get("tokens", [])],
        pricing=_pricing(doc.get("pricing", {})),
        now=_time(doc["now"]) if "now" in doc else None,
        planted=dict(doc.get("planted", {})),
    )
    _cross_check(doc, world, source)
    return world


def load_world(path: Path) -> World:
    """Read, validate and cross-check a world file; :class:`WorldError` says what is wrong."""
    source = str(path)
    try:
        text = Path(path).read_text("utf-8")
    except OSError as exc:
        raise WorldError(f"{source}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise WorldError(f"{source}: not UTF-8 text") from None
    # Millions of small objects and no cycles: the cyclic GC would only rescan them.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        doc = json.loads(text)
        return world_from_json(doc, source)
    except json.JSONDecodeError as exc:
        raise WorldError(
            f"{source}: not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    finally:
        if gc_was_enabled:
            gc.enable()


# --- cross-checks -------------------------------------------------------------------------


def _duplicates(
    items: Sequence[dict[str, Any]], key: str, section: str, source: str, fold: bool = False
) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        value = item[key].lower() if fold else item[key]
        if value in seen:
            raise WorldError(
                f"{source}: {json_path((section, index, key))}: duplicate {key} {item[key]!r}"
            )
        seen.add(value)


def _cross_check(doc: dict[str, Any], world: World, source: str) -> None:
    def fail(parts: tuple[str | int, ...], message: str) -> None:
        raise WorldError(f"{source}: {json_path(parts)}: {message}")

    _duplicates(doc["apps"], "client_id", "apps", source)
    _duplicates(doc["users"], "id", "users", source)
    _duplicates(doc["users"], "username", "users", source, fold=True)
    _duplicates(doc.get("media", []), "media_key", "media", source)
    _duplicates(doc["posts"], "id", "posts", source)
    _duplicates(doc.get("tokens", []), "access_token", "tokens", source)

    bearers: set[str] = set()
    for a_index, app in enumerate(doc["apps"]):
        for b_index, bearer in enumerate(app.get("bearer_tokens", [])):
            if bearer in bearers:
                fail(("apps", a_index, "bearer_tokens", b_index), "duplicate bearer token")
            bearers.add(bearer)

    refresh: set[str] = set()
    for index, token in enumerate(world.tokens):
        if token.client_id not in world.apps:
            fail(("tokens", index, "client_id"), f"{token.client_id!r} is not a known app")
        if token.user_id not in world.users:
            fail(("tokens", index, "user_id"), f"{token.user_id!r} is not a known user id")
        if token.refresh_token is not None:
            if "offline.access" not in token.scopes:
                fail(("tokens", index, "refresh_token"), "a refresh token needs offline.access")
            if token.refresh_token in refresh:
                fail(("tokens", index, "refresh_token"), "duplicate refresh token")
            refresh.add(token.refresh_token)

    for index, media in enumerate(world.media.values()):
        final = media.final
        plays = [getattr(final, name) for name in _QUARTILES]
        for position in range(1, len(plays)):
            if plays[position] > plays[position - 1]:
                name = _QUARTILES[position]
                fail(
                    ("media", index, "final", name),
                    f"{plays[position]} plays exceed the {plays[position - 1]} of "
                    f"{_QUARTILES[position - 1]} (quartile plays cannot increase)",
                )

    now = world.now
    for index, post in enumerate(world.posts.values()):
        if post.author_id not in world.users:
            fail(("posts", index, "author_id"), f"{post.author_id!r} is not a known user id")
        if now is not None and post.created_at > now:
            fail(
                ("posts", index, "created_at"),
                f"{_iso(post.created_at)} is after the world's now ({_iso(now)})",
            )
        for k_index, key in enumerate(post.media_keys):
            if key not in world.media:
                fail(("posts", index, "media_keys", k_index), f"{key!r} is not a known media_key")
        for r_index, ref in enumerate(post.references):
            if ref.id not in world.posts:
                fail(("posts", index, "references", r_index, "id"), f"{ref.id!r} is not a post")
            if ref.id == post.id:
                fail(("posts", index, "references", r_index, "id"), "a post cannot cite itself")
        if post.conversation_id is not None and post.conversation_id not in world.posts:
            fail(("posts", index, "conversation_id"), f"{post.conversation_id!r} is not a post")
        if post.final.promoted_share > 0 and not post.promoted:
            fail(("posts", index, "metrics"), 'promoted_share needs "promoted": true')
        if post.poll is not None:
            positions = sorted(option["position"] for option in post.poll["options"])
            if positions != list(range(1, len(positions) + 1)):
                fail(("posts", index, "poll", "options"), "positions must be 1, 2, ... in order")


# --- model -> JSON ------------------------------------------------------------------------


def _compact(d: dict[str, Any]) -> dict[str, Any]:
    # Absent means default; keep the dump readable by leaving out what the loader assumes.
    return {k: v for k, v in d.items() if v is not None and v is not False and v != []}


def _final_json(final: PostFinal) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(final, name) for name in _COUNTS}
    out.update({name: getattr(final, name) for name in _OPTIONAL_COUNTS})
    out["engagements"] = final.engagements
    if final.promoted_share:
        out["promoted_share"] = final.promoted_share
    return out


def _post_json(post: Post) -> dict[str, Any]:
    if post.growth == "exact":
        metrics: dict[str, Any] = {"exact": _final_json(post.final)}
    else:
        metrics = {"final": _final_json(post.final), "half_life_hours": post.half_life_hours}
    out = _compact(
        {
            "id": post.id,
            "author_id": post.author_id,
            "created_at": _iso(post.created_at),
            "text": post.text,
            "lang": post.lang,
            "conversation_id": post.conversation_id,
            "references": [{"type": r.type, "id": r.id} for r in post.references],
            "media_keys": list(post.media_keys),
            "entities": post.entities,
            "poll": post.poll,
            "promoted": post.promoted,
            "deleted": post.deleted,
            "possibly_sensitive": post.possibly_sensitive,
        }
    )
    out["metrics"] = metrics
    return out


def _media_final_json(final: MediaFinal) -> dict[str, Any]:
    counts = {name: getattr(final, name) for name in ("view_count", *_QUARTILES)}
    return {"final": counts} if any(counts.values()) else {}


def world_to_json(world: World) -> dict[str, Any]:
    """The JSON document of ``world``; ``world_from_json`` of it gives an equal world."""
    doc: dict[str, Any] = {"xsim_world": FORMAT_VERSION}
    if world.now is not None:
        doc["now"] = _iso(world.now)
    doc["pricing"] = {
        "own_post_read": world.pricing.own_post_read,
        "other_post_read": world.pricing.other_post_read,
        "user_read": world.pricing.user_read,
        "dedupe_same_utc_day": world.pricing.dedupe_same_utc_day,
    }
    doc["apps"] = [
        _compact(
            {
                "client_id": a.client_id,
                "name": a.name,
                "plan": a.plan,
                "callback_urls": list(a.callback_urls),
                "client_secret": a.client_secret,
                "bearer_tokens": list(a.bearer_tokens),
                "consumer_key": a.consumer_key,
                "consumer_secret": a.consumer_secret,
            }
        )
        | {"monthly_read_cap": a.monthly_read_cap, "callback_urls": list(a.callback_urls)}
        for a in world.apps.values()
    ]
    doc["users"] = [
        _compact(
            {
                "id": u.id,
                "username": u.username,
                "name": u.name,
                "created_at": _iso(u.created_at),
                "description": u.description or None,
                "location": u.location,
                "url": u.url,
                "protected": u.protected,
                "verified": u.verified,
                "profile_image_url": u.profile_image_url,
                "time_zone": u.time_zone,
            }
        )
        | {
            "followers_count": u.followers_count,
            "following_count": u.following_count,
            "listed_count": u.listed_count,
            "like_count": u.like_count,
        }
        for u in world.users.values()
    ]
    doc["tokens"] = [
        _compact(
            {
                "access_token": t.access_token,
                "client_id": t.client_id,
                "user_id": t.user_id,
                "expires_at": _iso(t.expires_at),
                "refresh_token": t.refresh_token,
            }
        )
        | {"scopes": sorted(t.scopes)}
        for t in world.tokens
    ]
    doc["media"] = [
        _compact(
            {
                "media_key": m.media_key,
                "type": m.type,
                "url": m.url,
                "preview_image_url": m.preview_image_url,
                "width": m.width,
                "height": m.height,
                "duration_ms": m.duration_ms,
                "alt_text": m.alt_text,
            }
        )
        | _media_final_json(m.final)
        for m in world.media.values()
    ]
    doc["posts"] = [_post_json(p) for p in world.posts.values()]
    if world.planted:
        doc["planted"] = world.planted
    return doc


def dumps_world(doc: dict[str, Any]) -> str:
    """Readable and compact: small sections indented, one list entry per line."""
    lines = ["{"]
    items = list(doc.items())
    for position, (key, value) in enumerate(items):
        comma = "," if position < len(items) - 1 else ""
        if isinstance(value, list) and value:
            rows = [json.dumps(v, ensure_ascii=False, separators=(", ", ": ")) for v in value]
            lines.append(f"  {json.dumps(key)}: [")
            lines.append(",\n".join(f"    {row}" for row in rows))
            lines.append(f"  ]{comma}")
        else:
            body = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  ")
            lines.append(f"  {json.dumps(key)}: {body}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def dump_world(world: World, path: Path) -> None:
    """Write ``world`` to ``path`` atomically: readers see the old file or the whole new one."""
    text = dumps_world(world_to_json(world))
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
