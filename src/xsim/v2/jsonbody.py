"""Response bodies that splice in already-serialized posts.

With a fixed clock a post's JSON for a given ``tweet.fields`` does not change between
requests, so :class:`xsim.v2.objects.MetricsCache` keeps it as a :class:`Raw` string and a page
is assembled by joining strings instead of re-encoding every post (what makes 100-post
pages fast). Only ``data`` and ``includes`` may hold :class:`Raw` items.
"""

from __future__ import annotations

import json
from typing import Any

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class Raw(str):
    """A JSON value already encoded; spliced into a body verbatim."""

    __slots__ = ()


def parse(raw: bytes | str) -> Any:
    """A request body's JSON; :class:`ValueError` for anything that is not JSON, including
    text nested too deeply for the parser (``[[[[...``) and invalid UTF-8."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    except UnicodeDecodeError:
        raise ValueError("not UTF-8") from None


def encode(value: Any) -> str:
    """One JSON value (Raw kept as is)."""
    return value if isinstance(value, Raw) else _dumps(value)


def _container(value: Any) -> str:
    if isinstance(value, Raw):
        return value
    if isinstance(value, list):
        return "[" + ",".join(encode(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(_dumps(k) + ":" + _container(v) for k, v in value.items()) + "}"
    return _dumps(value)


def dumps(body: Any) -> bytes:
    """A response body as UTF-8 JSON; ``data``/``includes`` may contain Raw items."""
    if not isinstance(body, dict):
        return _dumps(body).encode("utf-8")
    parts = [
        _dumps(key) + ":" + (_container(value) if key in ("data", "includes") else _dumps(value))
        for key, value in body.items()
    ]
    return ("{" + ",".join(parts) + "}").encode("utf-8")
