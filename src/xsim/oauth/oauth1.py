"""OAuth 1.0a user context (RFC 5849, HMAC-SHA1), as X verifies it.

A request is signed over a base string made of the method, the base URI and every
parameter from the query, the ``Authorization: OAuth ...`` header (minus ``realm`` and
``oauth_signature``) and an ``application/x-www-form-urlencoded`` body; a JSON body is not
signed (§3.4.1.3.1). Names and values are percent-encoded with the RFC 3986 unreserved set
only (space is ``%20``; ``!*'()`` are encoded), sorted by name then value. The key is the
encoded consumer secret and token secret joined by ``&``.

:class:`OAuth1Verifier` checks a request against the world's apps (consumer key/secret)
and ``oauth1_tokens`` (access token/secret per user), refuses a timestamp more than
:data:`TIMESTAMP_WINDOW` from the injected clock and a nonce seen before with the same
consumer and token. Every failure carries a short reason (never a secret) that the
Engagement API puts into its error string; ``/2/`` endpoints answer a plain 401.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, unquote, urlsplit

from xsim.oauth.server import Principal
from xsim.oauth.store import token_id
from xsim.world.model import App, OAuth1Token, World

TIMESTAMP_WINDOW = timedelta(minutes=5)
# OAuth 1.0a tokens carry no OAuth 2.0 scopes: an app's read permission covers reads.
OAUTH1_SCOPES = frozenset({"tweet.read", "users.read"})
_NONCE_SWEEP = 10_000
_UNRESERVED = "-._~"  # with ALPHA / DIGIT, which quote() never encodes


def percent_encode(value: str) -> str:
    """RFC 5849 §3.6: UTF-8, then every byte outside ALPHA / DIGIT / ``-._~`` as ``%XX``."""
    return quote(value, safe=_UNRESERVED)


def normalize_parameters(params: Iterable[tuple[str, str]]) -> str:
    """§3.4.1.3.2: encode each pair, sort by name then value, join as ``n=v&n=v``."""
    encoded = sorted((percent_encode(k), percent_encode(v)) for k, v in params)
    return "&".join(f"{k}={v}" for k, v in encoded)


def base_string_uri(url: str) -> str:
    """§3.4.1.2: lowercase scheme and host, default port dropped, no query or fragment."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = (
        host
        if port is None or (scheme, port) in (("http", 80), ("https", 443))
        else (f"{host}:{port}")
    )
    return f"{scheme}://{netloc}{parts.path or '/'}"


def query_pairs(raw: str) -> list[tuple[str, str]]:
    """Decode ``application/x-www-form-urlencoded`` text (``+`` is a space), keeping blanks."""
    pairs: list[tuple[str, str]] = []
    for piece in raw.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        pairs.append((unquote(name.replace("+", " ")), unquote(value.replace("+", " "))))
    return pairs


def signature_base_string(method: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """§3.4.1.1: ``METHOD&enc(base URI)&enc(normalized parameters)``."""
    return "&".join(
        (
            method.upper(),
            percent_encode(base_string_uri(url)),
            percent_encode(normalize_parameters(params)),
        )
    )


def hmac_sha1(base_string: str, consumer_secret: str, token_secret: str) -> str:
    """§3.4.2: base64 of HMAC-SHA1 keyed with ``enc(consumer secret)&enc(token secret)``."""
    key = f"{percent_encode(consumer_secret)}&{percent_encode(token_secret)}"
    digest = hmac.new(key.encode(), base_string.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def parse_authorization(header: str) -> dict[str, str] | None:
    """The parameters of an ``OAuth k="v", ...`` header (decoded), or None for another scheme."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "oauth":
        return None
    params: dict[str, str] = {}
    for item in rest.split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, value = item.partition("=")
        if not sep:
            return {}
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        params[unquote(name.strip())] = unquote(value)
    return params


@dataclass(frozen=True)
class OAuth1Result:
    """A verified principal, or the reason a request was refused (``principal`` None)."""

    principal: Principal | None
    reason: str = ""


_REQUIRED = (
    "oauth_consumer_key",
    "oauth_token",
    "oauth_signature_method",
    "oauth_signature",
    "oauth_timestamp",
    "oauth_nonce",
)


class OAuth1Verifier:
    """Checks OAuth 1.0a user-context signatures against the world's keys and tokens."""

    def __init__(
        self,
        world: World,
        clock: Callable[[], datetime],
        window: timedelta = TIMESTAMP_WINDOW,
    ) -> None:
        self._clock = clock
        self._window = window.total_seconds()
        self._apps: dict[str, App] = {
            a.consumer_key: a for a in world.apps.values() if a.consumer_key and a.consumer_secret
        }
        self._tokens: dict[str, OAuth1Token] = {t.token: t for t in world.oauth1_tokens}
        self._nonces: dict[tuple[str, str, str], float] = {}  # -> timestamp it came with
        self._lock = threading.Lock()

    def verify(
        self,
        method: str,
        url: str,
        authorization: str | None,
        form: Iterable[tuple[str, str]] = (),
    ) -> OAuth1Result:
        """Verify one request. ``url`` is the full URL as received (its query is signed);
        ``form`` the decoded pairs of a form-encoded body (empty for JSON or no body)."""
        oauth = parse_authorization(authorization or "")
        if oauth is None:
            return OAuth1Result(None, "Authorization header is not OAuth")
        missing = [name for name in _REQUIRED if not oauth.get(name)]
        if missing:
            return OAuth1Result(None, f"Missing {missing[0]}")
        if oauth["oauth_signature_method"] != "HMAC-SHA1":
            return OAuth1Result(None, "Unsupported oauth_signature_method")
        if oauth.get("oauth_version", "1.0") != "1.0":
            return OAuth1Result(None, "Unsupported oauth_version")
        app = self._apps.get(oauth["oauth_consumer_key"])
        if app is None or app.consumer_secret is None:
            return OAuth1Result(None, "Consumer key not found")
        token = self._tokens.get(oauth["oauth_token"])
        if token is None or token.client_id != app.client_id:
            return OAuth1Result(None, "Access token not found")
        try:
            stamp = float(int(oauth["oauth_timestamp"], 10))
        except ValueError:
            return OAuth1Result(None, "Invalid oauth_timestamp")
        now = self._clock().timestamp()
        if abs(now - stamp) > self._window:
            return OAuth1Result(None, "Timestamp out of bounds")
        signed = [(k, v) for k, v in oauth.items() if k not in ("realm", "oauth_signature")]
        params = [*query_pairs(urlsplit(url).query), *signed, *form]
        expected = hmac_sha1(
            signature_base_string(method, url, params), app.consumer_secret, token.token_secret
        )
        if not hmac.compare_digest(expected, oauth["oauth_signature"]):
            return OAuth1Result(None, "Invalid signature")
        if not self._fresh_nonce(oauth, stamp, now):
            return OAuth1Result(None, "Nonce already used")
        principal = Principal(
            "user", app.client_id, token.user_id, OAUTH1_SCOPES, token_id(token.token)
        )
        return OAuth1Result(principal)

    def _fresh_nonce(self, oauth: dict[str, str], stamp: float, now: float) -> bool:
        key = (oauth["oauth_consumer_key"], oauth["oauth_token"], oauth["oauth_nonce"])
        with self._lock:
            # A nonce only needs remembering while its timestamp is still acceptable (older
            # ones are refused by the timestamp check), so forget those now and then.
            if len(self._nonces) > _NONCE_SWEEP:
                stale = [k for k, t in self._nonces.items() if abs(now - t) > self._window]
                for k in stale:
                    del self._nonces[k]
            if key in self._nonces:
                return False
            self._nonces[key] = stamp
            return True


def sign_header(
    method: str,
    url: str,
    *,
    consumer_key: str,
    consumer_secret: str,
    token: str,
    token_secret: str,
    timestamp: int,
    nonce: str,
    form: Iterable[tuple[str, str]] = (),
) -> str:
    """An ``Authorization: OAuth ...`` value for a request (for tests and tooling)."""
    oauth = {
        "oauth_consumer_key": consumer_key,
        "oauth_nonce": nonce,
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": str(timestamp),
        "oauth_token": token,
        "oauth_version": "1.0",
    }
    params = [*query_pairs(urlsplit(url).query), *oauth.items(), *form]
    oauth["oauth_signature"] = hmac_sha1(
        signature_base_string(method, url, params), consumer_secret, token_secret
    )
    return "OAuth " + ", ".join(f'{k}="{percent_encode(v)}"' for k, v in sorted(oauth.items()))
