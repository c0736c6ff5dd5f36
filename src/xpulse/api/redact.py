"""Redaction of secrets from anything that may be logged or shown.

Two nets: known parameter names (``code``, ``code_verifier``, ``access_token`` …) in URLs,
form bodies and JSON, and the exact values of secrets this process has handled
(:func:`remember`), which catches a token wherever else it turns up (an error body
echoing it, an exception message).
"""

from __future__ import annotations

import re
import threading
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "[REDACTED]"

SECRET_NAMES = frozenset(
    {
        "access_token",
        "refresh_token",
        "token",
        "code",
        "code_verifier",
        "client_secret",
        "password",
        "state",
        "oauth_token",
        "oauth_token_secret",
        "oauth_verifier",
        "authorization",
        "bearer_token",
    }
)

_AUTH_HEADER = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/=%]+", re.IGNORECASE)
_known: set[str] = set()
_lock = threading.Lock()


def remember(*secrets: str | None) -> None:
    """Mask these exact values from now on (ignored when short enough to be ambiguous)."""
    with _lock:
        _known.update(s for s in secrets if s and len(s) >= 8)


def text(value: str) -> str:
    """``value`` with Authorization credentials and remembered secrets masked."""
    out = _AUTH_HEADER.sub(lambda m: f"{m.group(1)} {MASK}", value)
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        if secret in out:
            out = out.replace(secret, MASK)
    return out


def query(raw: str) -> str:
    """A urlencoded query or form body with secret-named values masked."""
    pairs = parse_qsl(raw, keep_blank_values=True)
    return urlencode([(k, MASK if k.lower() in SECRET_NAMES else v) for k, v in pairs], safe="[]")


def url(value: str) -> str:
    """A URL with secret-named query parameters and remembered secrets masked."""
    parts = urlsplit(value)
    if parts.query:
        parts = parts._replace(query=query(parts.query))
    return text(urlunsplit(parts))


def mapping(data: Any) -> Any:
    """A JSON-like value with secret-named keys masked, recursively (for debug dumps)."""
    if isinstance(data, dict):
        return {k: MASK if str(k).lower() in SECRET_NAMES else mapping(v) for k, v in data.items()}
    if isinstance(data, list):
        return [mapping(v) for v in data]
    if isinstance(data, str):
        return text(data)
    return data
