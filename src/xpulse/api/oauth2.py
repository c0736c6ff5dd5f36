"""OAuth 2.0 with X: the authorize URL (PKCE S256, state), and the token endpoint calls.

PKCE verifier and state come from authlib's generator (``secrets`` underneath) and the
S256 challenge from authlib's RFC 7636 helper, so no crypto is hand-rolled here. The token
endpoint takes urlencoded forms: a confidential client (``XPULSE_CLIENT_SECRET`` set)
authenticates with HTTP Basic, a public one with ``client_id`` in the body, as X requires.
Every token, code and verifier handled here is remembered for redaction at once.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from xpulse.api import redact
from xpulse.clock import Clock
from xpulse.errors import BadResponse, ClientRejected, GrantRejected, TransportError

SCOPES = ("tweet.read", "users.read", "offline.access")
REAL_API_HOSTS = frozenset({"api.x.com", "api.twitter.com"})
X_WEB_AUTHORIZE = "https://x.com/i/oauth2/authorize"
# RFC 6749 §5.2 errors about the app, not the grant: X answers a missing or wrong Basic
# header with these, and fixing the config (not signing in again) is the cure.
CLIENT_ERRORS = frozenset({"invalid_client", "unauthorized_client"})


def authorize_endpoint(api_base: str, configured: str = "") -> str:
    """Where the browser goes: the config's, x.com's web flow for X, else ``<base>/i/...``."""
    if configured:
        return configured.rstrip("/")
    host = urlsplit(api_base).hostname or ""
    if host in REAL_API_HOSTS:
        return X_WEB_AUTHORIZE
    return f"{api_base.rstrip('/')}/i/oauth2/authorize"


def is_real_api(api_base: str) -> bool:
    return (urlsplit(api_base).hostname or "") in REAL_API_HOSTS


def redirect_uri(port: int) -> str:
    """The exact callback URI to register with the app."""
    return f"http://127.0.0.1:{port}/callback"


@dataclass(frozen=True)
class AuthorizeRequest:
    """One sign-in attempt: the URL to open and what must come back."""

    url: str
    state: str = field(repr=False)
    verifier: str = field(repr=False)
    redirect_uri: str


def start_authorization(
    client_id: str,
    authorize_url: str,
    redirect: str,
    scopes: tuple[str, ...] = SCOPES,
    login_hint: str | None = None,
) -> AuthorizeRequest:
    """A fresh state and PKCE verifier (high entropy, single use) and the authorize URL."""
    verifier = generate_token(64)  # 64 chars of [A-Za-z0-9]: within RFC 7636's 43-128
    state = generate_token(32)
    redact.remember(verifier, state)
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect,
        "scope": " ".join(scopes),
        "state": state,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    if login_hint:
        params["login_hint"] = login_hint
    url = f"{authorize_url}?{urlencode(params, quote_via=quote)}"
    return AuthorizeRequest(url=url, state=state, verifier=verifier, redirect_uri=redirect)


@dataclass(frozen=True)
class TokenResponse:
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime | None
    scopes: tuple[str, ...]


class OAuthClient:
    """Calls to ``/2/oauth2/token`` and ``/2/oauth2/revoke`` over the given httpx client."""

    def __init__(
        self,
        http: httpx.Client,
        api_base: str,
        client_id: str,
        client_secret: str | None,
        clock: Clock,
    ) -> None:
        self.http = http
        self.token_url = f"{api_base.rstrip('/')}/2/oauth2/token"
        self.revoke_url = f"{api_base.rstrip('/')}/2/oauth2/revoke"
        self.client_id = client_id
        self.client_secret = client_secret or None
        self.clock = clock
        redact.remember(self.client_secret)

    def _post(self, url: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        headers = {"Accept": "application/json"}
        if self.client_secret:
            pair = f"{quote(self.client_id, safe='')}:{quote(self.client_secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            form = {**form, "client_id": self.client_id}
        try:
            response = self.http.post(url, data=form, headers=headers)
        except httpx.HTTPError as e:
            # Not retried: a lost answer to a refresh may already have rotated the token.
            reason = redact.text(str(e) or type(e).__name__)
            raise TransportError(f"POST {url}: {reason}") from None
        try:
            body = json.loads(response.content.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            ctype = response.headers.get("content-type", "no content type").split(";")[0]
            raise BadResponse(f"POST {url}: {response.status_code} answered with {ctype}")
        return response.status_code, body

    def _tokens(self, url: str, form: dict[str, str]) -> TokenResponse:
        status, body = self._post(url, form)
        for key in ("access_token", "refresh_token"):
            if isinstance(body.get(key), str):
                redact.remember(body[key])
        error = str(body.get("error") or "")
        if error in CLIENT_ERRORS:
            raise ClientRejected(redact.text(error), status)
        if status in (400, 401):
            raise GrantRejected(redact.text(str(body.get("error") or "invalid_request")), status)
        if status != 200 or not isinstance(body.get("access_token"), str):
            reason = redact.text(str(body.get("error_description") or body.get("error") or ""))
            raise BadResponse(f"POST {url}: {status} without a token {reason}".rstrip())
        expires_in = body.get("expires_in")
        expires_at = (
            self.clock() + timedelta(seconds=float(expires_in))
            if isinstance(expires_in, int | float)
            else None
        )
        refresh = body.get("refresh_token")
        scope = body.get("scope")
        return TokenResponse(
            access_token=body["access_token"],
            refresh_token=refresh if isinstance(refresh, str) else None,
            expires_at=expires_at,
            scopes=tuple(scope.split()) if isinstance(scope, str) else (),
        )

    def exchange_code(self, code: str, verifier: str, redirect: str) -> TokenResponse:
        redact.remember(code)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect,
            "code_verifier": verifier,
        }
        return self._tokens(self.token_url, form)

    def refresh(self, refresh_token: str) -> TokenResponse:
        redact.remember(refresh_token)
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return self._tokens(self.token_url, form)

    def revoke(self, token: str, hint: str) -> bool:
        """Revoke one token; True when X confirmed it."""
        status, body = self._post(self.revoke_url, {"token": token, "token_type_hint": hint})
        return status == 200 and body.get("revoked") is not False
