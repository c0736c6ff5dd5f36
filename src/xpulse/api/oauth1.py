"""OAuth 1.0a user context (RFC 5849, HMAC-SHA1) as an ``httpx.Auth``.

The enterprise Engagement API (and a user-context call of v2) is signed per request:

* every name and value is percent-encoded exactly as RFC 5849 §3.6 says: unreserved
  characters (``A-Z a-z 0-9 - . _ ~``) stay, everything else is ``%XX`` of its UTF-8 bytes
  with upper-case hex, so a space is ``%20`` (never ``+``) and ``!*'()`` are encoded;
* the query and an ``application/x-www-form-urlencoded`` body are signed (§3.4.1.3.1);
  a JSON body is not (it is no parameter source);
* the base string URI is lower-case scheme and host, default port dropped, no query
  (§3.4.1.2).

Nonce and timestamp are injected, so a signature is reproducible in a test. The secrets
never appear in a repr, a log or an exception.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote

import httpx

from xpulse.api import redact

__all__ = [
    "OAuth1Auth",
    "OAuth1Credentials",
    "authorization_header",
    "base_string_uri",
    "hmac_sha1_signature",
    "normalized_parameters",
    "percent_encode",
    "signature_base_string",
]

FORM = "application/x-www-form-urlencoded"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def percent_encode(value: str) -> str:
    """RFC 5849 §3.6: UTF-8, then every byte but the unreserved ones as upper-case %XX."""
    return quote(value.encode("utf-8"), safe="-._~")


def normalized_parameters(pairs: Iterable[tuple[str, str]]) -> str:
    """§3.4.1.3.2: encode names and values, sort by name then value, join with ``=``/``&``."""
    encoded = sorted((percent_encode(k), percent_encode(v)) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def base_string_uri(url: httpx.URL) -> str:
    """§3.4.1.2: scheme and host lower-case, the default port left out, no query."""
    scheme = url.scheme.lower()
    host = url.host.lower()
    port = url.port
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    path = url.raw_path.decode("ascii").split("?", 1)[0] or "/"
    return f"{scheme}://{netloc}{path}"


def signature_base_string(method: str, uri: str, pairs: Iterable[tuple[str, str]]) -> str:
    """§3.4.1.1: ``METHOD&encoded-uri&encoded-normalized-parameters``."""
    return "&".join(
        (method.upper(), percent_encode(uri), percent_encode(normalized_parameters(pairs)))
    )


def hmac_sha1_signature(base: str, consumer_secret: str, token_secret: str) -> str:
    """§3.4.2: HMAC-SHA1 keyed by ``encoded-consumer-secret&encoded-token-secret``."""
    key = f"{percent_encode(consumer_secret)}&{percent_encode(token_secret)}"
    digest = hmac.new(key.encode("ascii"), base.encode("ascii"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def authorization_header(oauth: dict[str, str], realm: str | None = None) -> str:
    """§3.5.1: ``OAuth name="value", ...`` with names and values percent-encoded."""
    parts = [f'realm="{realm}"'] if realm is not None else []
    parts += [f'{percent_encode(k)}="{percent_encode(v)}"' for k, v in oauth.items()]
    return "OAuth " + ", ".join(parts)


@dataclass(frozen=True)
class OAuth1Credentials:
    """An app's consumer key and secret and a user's access token and secret."""

    consumer_key: str
    consumer_secret: str = field(repr=False)
    token: str = field(repr=False)  # an access token is a credential too
    token_secret: str = field(repr=False)

    def __post_init__(self) -> None:
        for secret in (self.consumer_secret, self.token, self.token_secret):
            redact.remember(secret)


def _nonce() -> str:
    return secrets.token_hex(16)


def _timestamp() -> str:
    return str(int(time.time()))


def request_parameters(request: httpx.Request) -> list[tuple[str, str]]:
    """The parameters a signature covers: the query, and a form body (never JSON)."""
    query = request.url.query.decode("ascii")
    pairs = parse_qsl(query, keep_blank_values=True)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == FORM and request.content:
        pairs += parse_qsl(request.content.decode("utf-8"), keep_blank_values=True)
    return pairs


class OAuth1Auth(httpx.Auth):
    """Signs each request with HMAC-SHA1 user context (RFC 5849)."""

    requires_request_body = True  # a form body is part of the signature

    def __init__(
        self,
        credentials: OAuth1Credentials,
        *,
        nonce: Callable[[], str] = _nonce,
        timestamp: Callable[[], str] = _timestamp,
        realm: str | None = None,
    ) -> None:
        self.credentials = credentials
        self.nonce = nonce
        self.timestamp = timestamp
        self.realm = realm

    def __repr__(self) -> str:
        return f"OAuth1Auth(consumer_key={self.credentials.consumer_key!r})"

    def oauth_params(self) -> dict[str, str]:
        return {
            "oauth_consumer_key": self.credentials.consumer_key,
            "oauth_nonce": self.nonce(),
            "oauth_signature_method": "HMAC-SHA1",
            "oauth_timestamp": self.timestamp(),
            "oauth_token": self.credentials.token,
            "oauth_version": "1.0",
        }

    def sign(self, request: httpx.Request) -> str:
        """The ``Authorization`` header value for ``request``."""
        oauth = self.oauth_params()
        pairs = request_parameters(request) + list(oauth.items())
        base = signature_base_string(request.method, base_string_uri(request.url), pairs)
        oauth["oauth_signature"] = hmac_sha1_signature(
            base, self.credentials.consumer_secret, self.credentials.token_secret
        )
        return authorization_header(oauth, self.realm)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self.sign(request)
        yield request
