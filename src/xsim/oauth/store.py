"""In-memory state of xsim's OAuth 2.0 server: codes, access and refresh tokens, grants.

Tokens are kept by their SHA-256 digest, never by value, so a lookup does not compare
secrets character by character and a dump of this state holds nothing that signs in.
A *grant* is everything one sign-in produced: its code, every access token and the live
refresh token. Rotation keeps the grant; revoking a refresh token, or replaying a used
code (RFC 6749 §4.1.2), ends the whole grant.

Every method takes the lock and never awaits, so the store is safe from uvicorn's event
loop and from Starlette's thread pool (sync endpoints) alike.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from xsim.clock import iso_z, parse_instant
from xsim.world.model import App, Token, World

CODE_LIFETIME = timedelta(seconds=30)
CONSENT_LIFETIME = timedelta(minutes=10)
OFFLINE_ACCESS = "offline.access"

# X's own wording for a bad code or refresh token (seen in client bug reports).
BAD_CODE_MSG = "Value passed for the authorization code was invalid."
BAD_REFRESH = "Value passed for the token was invalid."


class OAuthError(Exception):
    """An RFC 6749 §5.2 error: ``error`` code, a description and the HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


def digest(token: str) -> str:
    """Hex SHA-256 of a token: the key it is stored under."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_id(token: str) -> str:
    """The stable, non-secret id of a token (for per-token rate limits and logs)."""
    return digest(token)[:16]


@dataclass(frozen=True)
class CodeGrant:
    """What an authorization code stands for, checked when it is redeemed."""

    client_id: str
    user_id: str
    scopes: frozenset[str]
    redirect_uri: str
    code_challenge: str


@dataclass
class _Code:
    grant: CodeGrant
    grant_id: str
    expires_at: datetime
    used: bool = False


@dataclass(frozen=True)
class AccessRecord:
    client_id: str
    user_id: str
    scopes: frozenset[str]
    expires_at: datetime
    grant_id: str


@dataclass(frozen=True)
class _Refresh:
    client_id: str
    user_id: str
    scopes: frozenset[str]
    grant_id: str


@dataclass(frozen=True)
class IssuedTokens:
    """A fresh token pair, as the token endpoint answers it."""

    access_token: str = field(repr=False)
    expires_in: int
    scopes: frozenset[str]
    refresh_token: str | None = field(repr=False)


@dataclass(frozen=True)
class PendingConsent:
    """An authorization request waiting on the consent page (already validated)."""

    grant: CodeGrant
    state: str = field(repr=False)
    expires_at: datetime


class TokenStore:
    """Codes, tokens and pending consents, all in memory, all expiring by ``clock``."""

    def __init__(self, clock: Callable[[], datetime], access_lifetime: timedelta) -> None:
        if access_lifetime <= timedelta(0):
            raise ValueError("access token lifetime must be positive")
        self._clock = clock
        self._lifetime = access_lifetime
        self._lock = threading.Lock()
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, AccessRecord] = {}
        self._refresh: dict[str, _Refresh] = {}
        self._rotated: set[str] = set()  # digests of refresh tokens already exchanged
        self._pending: dict[str, PendingConsent] = {}

    @property
    def access_lifetime(self) -> timedelta:
        return self._lifetime

    # -- pre-issued tokens -------------------------------------------------------------

    def preload(self, tokens: Iterable[Token]) -> None:
        """Register the world's pre-issued tokens with their stated expiry."""
        with self._lock:
            for tok in tokens:
                grant_id = secrets.token_hex(8)
                self._access[digest(tok.access_token)] = AccessRecord(
                    tok.client_id, tok.user_id, tok.scopes, tok.expires_at, grant_id
                )
                if tok.refresh_token:
                    self._refresh[digest(tok.refresh_token)] = _Refresh(
                        tok.client_id, tok.user_id, tok.scopes, grant_id
                    )

    # -- state kept across restarts (xsim.server.state_file) ---------------------------

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """Live access and refresh tokens by digest (nothing here signs in)."""
        with self._lock:
            self._purge(self._clock())
            access = [
                {"digest": key, "client_id": r.client_id, "user_id": r.user_id,
                 "scopes": sorted(r.scopes), "expires_at": iso_z(r.expires_at),
                 "grant": r.grant_id}
                for key, r in self._access.items()
            ]  # fmt: skip
            refresh = [
                {"digest": key, "client_id": r.client_id, "user_id": r.user_id,
                 "scopes": sorted(r.scopes), "grant": r.grant_id}
                for key, r in self._refresh.items()
            ]  # fmt: skip
        return {"access": access, "refresh": refresh}

    def restore(self, doc: dict[str, Any], world: World) -> None:
        """Replace every token with a snapshot's (apps and users must be in ``world``)."""
        access: dict[str, AccessRecord] = {}
        refresh: dict[str, _Refresh] = {}
        for row in doc.get("access", []):
            if row["client_id"] not in world.apps or row["user_id"] not in world.users:
                raise KeyError(f"token for {row['client_id']}/{row['user_id']}")
            access[str(row["digest"])] = AccessRecord(
                row["client_id"], row["user_id"], frozenset(row["scopes"]),
                parse_instant(row["expires_at"]), str(row["grant"]),
            )  # fmt: skip
        for row in doc.get("refresh", []):
            if row["client_id"] not in world.apps or row["user_id"] not in world.users:
                raise KeyError(f"token for {row['client_id']}/{row['user_id']}")
            refresh[str(row["digest"])] = _Refresh(
                row["client_id"], row["user_id"], frozenset(row["scopes"]), str(row["grant"])
            )
        with self._lock:
            self._access, self._refresh = access, refresh
            self._codes.clear()
            self._pending.clear()

    def reset(self, tokens: Iterable[Token]) -> None:
        """Back to the world's pre-issued tokens only."""
        with self._lock:
            self._access.clear()
            self._refresh.clear()
            self._codes.clear()
            self._pending.clear()
        self.preload(tokens)

    # -- authorization codes -----------------------------------------------------------

    def new_code(self, grant: CodeGrant) -> str:
        code = secrets.token_urlsafe(32)
        with self._lock:
            now = self._clock()
            self._purge(now)
            self._codes[digest(code)] = _Code(grant, secrets.token_hex(8), now + CODE_LIFETIME)
        return code

    def redeem_code(
        self, code: str, client_id: str, redirect_uri: str, check_verifier: Callable[[str], bool]
    ) -> IssuedTokens:
        """Exchange a code once. Any attempt by its client uses it up, right or wrong."""
        with self._lock:
            now = self._clock()
            entry = self._codes.get(digest(code))
            if entry is None or entry.grant.client_id != client_id:
                raise OAuthError("invalid_grant", BAD_CODE_MSG)
            if entry.used:
                # A replayed code means it leaked: end everything it produced.
                self._end_grant(entry.grant_id)
                raise OAuthError("invalid_grant", "Authorization code was already used.")
            entry.used = True
            if now >= entry.expires_at:
                raise OAuthError("invalid_grant", "Authorization code has expired.")
            if entry.grant.redirect_uri != redirect_uri:
                raise OAuthError(
                    "invalid_grant", "redirect_uri does not match the authorization request."
                )
            if not check_verifier(entry.grant.code_challenge):
                raise OAuthError("invalid_grant", "code_verifier does not match code_challenge.")
            g = entry.grant
            return self._issue(g.client_id, g.user_id, g.scopes, entry.grant_id, now)

    # -- tokens ------------------------------------------------------------------------

    def issue(self, client_id: str, user_id: str, scopes: frozenset[str]) -> IssuedTokens:
        """A new grant without a browser (for tests and admin tooling)."""
        with self._lock:
            now = self._clock()
            self._purge(now)
            return self._issue(client_id, user_id, scopes, secrets.token_hex(8), now)

    def rotate(
        self, refresh_token: str, client_id: str, scopes: frozenset[str] | None
    ) -> IssuedTokens:
        """Exchange a refresh token for a new pair; the old refresh token dies at once."""
        key = digest(refresh_token)
        with self._lock:
            entry = self._refresh.get(key)
            if entry is None or entry.client_id != client_id:
                detail = "Refresh token was already used." if key in self._rotated else BAD_REFRESH
                raise OAuthError("invalid_grant", detail)
            granted = entry.scopes if scopes is None else scopes
            if not granted <= entry.scopes:
                raise OAuthError(
                    "invalid_scope", "Requested scope exceeds the scope originally granted."
                )
            del self._refresh[key]
            self._rotated.add(key)
            now = self._clock()
            self._purge(now)
            return self._issue(client_id, entry.user_id, granted, entry.grant_id, now)

    def access(self, token: str) -> AccessRecord | None:
        """The live record of an access token; None when unknown, revoked or expired."""
        with self._lock:
            rec = self._access.get(digest(token))
            if rec is None or self._clock() >= rec.expires_at:
                return None
            return rec

    def revoke(self, token: str, client_id: str, hint: str | None) -> None:
        """Revoke an access token, or a refresh token and its grant's access tokens.

        An unknown token is not an error (RFC 7009 §2.2); another client's token is.
        """
        del hint  # a digest names one token only, so the hint cannot change the answer
        key = digest(token)
        with self._lock:
            refresh = self._refresh.get(key)
            access = self._access.get(key)
            owner = refresh.client_id if refresh else access.client_id if access else None
            if owner is None:
                return
            if owner != client_id:
                raise OAuthError("invalid_request", "Token was not issued to this client.")
            if refresh is not None:
                self._end_grant(refresh.grant_id)
            else:
                del self._access[key]

    # -- consent -----------------------------------------------------------------------

    def hold_consent(self, grant: CodeGrant, state: str) -> str:
        """Park a validated request for the consent form; returns its opaque id."""
        request_id = secrets.token_urlsafe(24)
        with self._lock:
            now = self._clock()
            self._purge(now)
            self._pending[request_id] = PendingConsent(grant, state, now + CONSENT_LIFETIME)
        return request_id

    def take_consent(self, request_id: str) -> PendingConsent | None:
        """The parked request, once; None if unknown, already answered or stale."""
        with self._lock:
            pending = self._pending.pop(request_id, None)
            if pending is None or self._clock() >= pending.expires_at:
                return None
            return pending

    # -- internals (call with the lock held) -------------------------------------------

    def _issue(
        self,
        client_id: str,
        user_id: str,
        scopes: frozenset[str],
        grant_id: str,
        now: datetime,
    ) -> IssuedTokens:
        access = secrets.token_urlsafe(48)
        self._access[digest(access)] = AccessRecord(
            client_id, user_id, scopes, now + self._lifetime, grant_id
        )
        refresh: str | None = None
        if OFFLINE_ACCESS in scopes:
            refresh = secrets.token_urlsafe(48)
            self._refresh[digest(refresh)] = _Refresh(client_id, user_id, scopes, grant_id)
        expires_in = math.ceil(self._lifetime.total_seconds())  # never 0 for sub-second tests
        return IssuedTokens(access, expires_in, scopes, refresh)

    def _end_grant(self, grant_id: str) -> None:
        for table in (self._access, self._refresh):
            dead = [k for k, rec in table.items() if rec.grant_id == grant_id]
            for k in dead:
                del table[k]

    def _purge(self, now: datetime) -> None:
        """Drop expired codes, consents and access tokens so memory stays bounded."""
        for code_key in [k for k, c in self._codes.items() if now >= c.expires_at + CODE_LIFETIME]:
            del self._codes[code_key]
        for req_id in [k for k, p in self._pending.items() if now >= p.expires_at]:
            del self._pending[req_id]
        for acc_key in [k for k, a in self._access.items() if now >= a.expires_at]:
            del self._access[acc_key]


class AppBearers:
    """App-only bearer tokens: the world's, plus any minted by ``POST /oauth2/token``.

    The index is rebuilt on a miss, so tokens added to the world later still work.
    """

    def __init__(self, apps: dict[str, App]) -> None:
        self._apps = apps
        self._lock = threading.Lock()
        self._index: dict[str, str] = {}
        self._rebuild()

    def client_of(self, token: str) -> str | None:
        key = digest(token)
        with self._lock:
            if key not in self._index:
                self._rebuild()
            return self._index.get(key)

    def bearer_for(self, app: App) -> str:
        """The app's bearer token; like X, the same one on every request until revoked."""
        with self._lock:
            if not app.bearer_tokens:
                # X's bearer tokens start with a run of "A"s; keep the look, not the secret.
                app.bearer_tokens.append("AAAAAAAAAAAAAAAAAAAAA" + secrets.token_urlsafe(64))
                self._rebuild()
            return app.bearer_tokens[0]

    def _rebuild(self) -> None:
        self._index = {
            digest(tok): app.client_id for app in self._apps.values() for tok in app.bearer_tokens
        }
