"""Checking world documents: the schema, then what a schema cannot say.

The schema check runs a compiled yes/no validator (:mod:`xsim.world.fastschema`) over the whole
document and asks jsonschema, the authority, for the message only about the entry that
failed. The cross-checks (unique ids, references that resolve, nothing posted after the
world's clock) are single passes. Every problem is a :class:`WorldError` naming the file
and the JSON path of the bad entry. Secrets (client secrets, tokens) are never quoted;
public fields such as a ``client_id`` may be, to say which entry is meant.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from xsim.clock import in_range
from xsim.world.fastschema import SchemaCompiler
from xsim.world.model import World

FORMAT_VERSION = 1
_MESSAGE_LIMIT = 200
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
QUARTILES = (
    "playback_0_count",
    "playback_25_count",
    "playback_50_count",
    "playback_75_count",
    "playback_100_count",
)


# Errors in these sections never quote the value; the listed checks only quote key names.
_SECRET_SECTIONS = frozenset({"apps", "tokens", "oauth1_tokens"})
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


def iso(moment: datetime) -> str:
    """``2026-05-20T12:00:00Z``: UTC with a Z (naive times are taken as UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- cross-checks -------------------------------------------------------------------------


def _duplicates(
    items: Sequence[dict[str, Any]], key: str, section: str, source: str, fold: bool = False
) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        value = item[key].lower() if fold else item[key]
        if value in seen:
            # a duplicate access token or client id is named by its path only, never quoted
            shown = "" if section in _SECRET_SECTIONS else f" {item[key]!r}"
            raise WorldError(
                f"{source}: {json_path((section, index, key))}: duplicate {key}{shown}"
            )
        seen.add(value)


def cross_check(doc: dict[str, Any], world: World, source: str) -> None:
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

    for a_index, app in enumerate(world.apps.values()):
        if app.owner is not None and app.owner not in world.users:
            fail(("apps", a_index, "owner"), f"{app.owner!r} is not a known user id")

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

    oauth1_seen: set[str] = set()
    for index, pair in enumerate(world.oauth1_tokens):
        if pair.token in oauth1_seen:
            fail(("oauth1_tokens", index, "token"), "duplicate OAuth 1.0a token")  # never quoted
        oauth1_seen.add(pair.token)
        app = world.apps.get(pair.client_id)
        if app is None or not app.consumer_key or not app.consumer_secret:
            fail(("oauth1_tokens", index, "client_id"), "not a known app with a consumer key")
        if pair.user_id not in world.users:
            fail(("oauth1_tokens", index, "user_id"), f"{pair.user_id!r} is not a known user id")

    for index, media in enumerate(world.media.values()):
        final = media.final
        plays = [getattr(final, name) for name in QUARTILES]
        for position in range(1, len(plays)):
            if plays[position] > plays[position - 1]:
                name = QUARTILES[position]
                fail(
                    ("media", index, "final", name),
                    f"{plays[position]} plays exceed the {plays[position - 1]} of "
                    f"{QUARTILES[position - 1]} (quartile plays cannot increase)",
                )

    now = world.now
    if now is not None:
        try:
            in_range(now)
        except ValueError as exc:
            fail(("now",), str(exc))
    for index, post in enumerate(world.posts.values()):
        if post.author_id not in world.users:
            fail(("posts", index, "author_id"), f"{post.author_id!r} is not a known user id")
        if now is not None and post.created_at > now:
            fail(
                ("posts", index, "created_at"),
                f"{iso(post.created_at)} is after the world's now ({iso(now)})",
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
