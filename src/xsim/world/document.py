"""Load and save world documents (the JSON format of ``schemas/world.schema.json``).

:func:`load_world` checks a document (:mod:`xsim.world.check`: the schema, then
cross-checks) and builds the :class:`~xsim.world.model.World`; :func:`dump_world` writes one back
atomically. ``world_from_json(world_to_json(w)) == w``: a round trip loses nothing.
"""

from __future__ import annotations

import gc
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from xsim.world.check import (
    FORMAT_VERSION,
    QUARTILES,
    WorldError,
    cross_check,
    iso,
    json_path,
    validate_document,
    world_schema,
)
from xsim.world.model import (
    PLAN_CAPS,
    App,
    Media,
    MediaFinal,
    OAuth1Token,
    Post,
    PostFinal,
    Pricing,
    Reference,
    Token,
    User,
    World,
)

__all__ = [
    "WorldError",
    "dump_world",
    "dumps_world",
    "json_path",
    "load_world",
    "validate_document",
    "world_from_json",
    "world_schema",
    "world_to_json",
]

_COUNTS = ("impressions", "likes", "reposts", "replies", "quotes")
_OPTIONAL_COUNTS = ("bookmarks", "url_link_clicks", "user_profile_clicks")

# --- JSON -> model ------------------------------------------------------------------------


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def _app(d: dict[str, Any]) -> App:
    return App(
        client_id=d["client_id"],
        name=d["name"],
        callback_urls=list(d["callback_urls"]),
        plan=d.get("plan", "basic"),
        client_secret=d.get("client_secret"),
        bearer_tokens=list(d.get("bearer_tokens", [])),
        monthly_read_cap=d.get("monthly_read_cap", PLAN_CAPS[d.get("plan", "basic")]),
        owner=d.get("owner"),
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


def _oauth1_token(d: dict[str, Any]) -> OAuth1Token:
    return OAuth1Token(d["token"], d["token_secret"], d["client_id"], d["user_id"])


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
        final=MediaFinal(**{k: int(v) for k, v in d.get("final", {}).items()}),
    )


def _post_final(c: dict[str, Any]) -> PostFinal:
    # JSON Schema calls 1.0 an integer; int() keeps counts integers on the wire.
    get = c.get
    likes, reposts, replies, quotes = (
        int(c["likes"]), int(c["reposts"]), int(c["replies"]), int(c["quotes"]),
    )  # fmt: skip
    bookmarks, links, profiles = (
        int(get("bookmarks", 0)), int(get("url_link_clicks", 0)),
        int(get("user_profile_clicks", 0)),
    )  # fmt: skip
    # X's engagements count every interaction; when a world leaves it out, add them up.
    engagements = get("engagements")
    if engagements is None:
        engagements = likes + reposts + replies + quotes + bookmarks + links + profiles
    return PostFinal(
        int(c["impressions"]), likes, reposts, replies, quotes, bookmarks, links, profiles,
        int(engagements), get("promoted_share", 0.0),
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
    try:
        world = _build(doc)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is before the calendar's start
        raise WorldError(f"{source}: a time in the file is beyond the calendar") from None
    cross_check(doc, world, source)
    return world


def _build(doc: dict[str, Any]) -> World:
    return World(
        apps={a["client_id"]: _app(a) for a in doc["apps"]},
        users={u["id"]: _user(u) for u in doc["users"]},
        posts={p["id"]: _post(p) for p in doc["posts"]},
        media={m["media_key"]: _media(m) for m in doc.get("media", [])},
        tokens=[_token(t) for t in doc.get("tokens", [])],
        oauth1_tokens=[_oauth1_token(t) for t in doc.get("oauth1_tokens", [])],
        pricing=_pricing(doc.get("pricing", {})),
        now=_time(doc["now"]) if "now" in doc else None,
        planted=dict(doc.get("planted", {})),
        follower_counts=doc.get("follower_counts", "every-plan"),
    )


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
            "created_at": iso(post.created_at),
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
    counts = {name: getattr(final, name) for name in ("view_count", *QUARTILES)}
    return {"final": counts} if any(counts.values()) else {}


def world_to_json(world: World) -> dict[str, Any]:
    """The JSON document of ``world``; ``world_from_json`` of it gives an equal world."""
    doc: dict[str, Any] = {"xsim_world": FORMAT_VERSION}
    if world.now is not None:
        doc["now"] = iso(world.now)
    if world.follower_counts != "every-plan":
        doc["follower_counts"] = world.follower_counts
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
                "owner": a.owner,
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
                "created_at": iso(u.created_at),
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
                "expires_at": iso(t.expires_at),
                "refresh_token": t.refresh_token,
            }
        )
        | {"scopes": sorted(t.scopes)}
        for t in world.tokens
    ]
    if world.oauth1_tokens:
        doc["oauth1_tokens"] = [
            {"token": t.token, "token_secret": t.token_secret, "client_id": t.client_id,
             "user_id": t.user_id}
            for t in world.oauth1_tokens
        ]  # fmt: skip
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
