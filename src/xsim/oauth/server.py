"""xsim's OAuth 2.0 server and app-only bearer authentication, as X runs them.

Routes (mount them on the xsim app with :meth:`OAuthServer.routes`):

==============================  ======  ==================================================
``/i/oauth2/authorize``         GET     code flow with PKCE S256 and ``state``; consent
``/2/oauth2/authorize``         GET     page, or auto-approve (``login_hint=@username``)
                                POST    the consent form's Approve/Deny
``/2/oauth2/token``             POST    ``authorization_code`` and ``refresh_token`` grants
``/2/oauth2/revoke``            POST    revoke an access or refresh token
``/oauth2/token``               POST    app-only bearer for consumer key/secret (v1.1 way)
==============================  ======  ==================================================

The resource endpoints call :meth:`OAuthServer.authenticate` with the request's
``Authorization`` header and answer 401 themselves when it returns None. All state is
in memory; time comes from the injected clock only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from starlette.routing import BaseRoute, Route

from xsim.oauth.authorize import AuthorizeEndpoint
from xsim.oauth.store import AppBearers, TokenStore, token_id
from xsim.oauth.token import TokenEndpoints
from xsim.world.model import Token, World

__all__ = ["OAuthServer", "Principal"]


@dataclass(frozen=True)
class Principal:
    """Who a request acts for: a user (OAuth 2.0 user context) or an app (bearer)."""

    kind: Literal["user", "app"]
    client_id: str
    user_id: str | None  # None for app-only bearer
    scopes: frozenset[str]  # empty for app-only
    token_id: str  # stable opaque id of the token, for per-token rate limits


class OAuthServer:
    """The authorization server and token checker behind every xsim request."""

    def __init__(
        self,
        world: World,
        clock: Callable[[], datetime],
        *,
        access_token_lifetime: timedelta = timedelta(hours=2),
        auto_approve: bool = False,
    ) -> None:
        self._world = world
        self._store = TokenStore(clock, access_token_lifetime)
        self._store.preload(world.tokens)
        self._bearers = AppBearers(world.apps)
        self._authorize = AuthorizeEndpoint(world, self._store, auto_approve=auto_approve)
        self._tokens = TokenEndpoints(world, self._store, self._bearers)

    @property
    def store(self) -> TokenStore:
        """The user-token store (snapshots and resets: :mod:`xsim.server.state_file`)."""
        return self._store

    def authenticate(self, authorization: str | None) -> Principal | None:
        """The principal behind an ``Authorization: Bearer ...`` header, or None.

        None means: no header, another scheme, or an unknown, revoked or expired token.
        """
        if not authorization:
            return None
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None
        record = self._store.access(token)
        if record is not None:
            return Principal(
                "user", record.client_id, record.user_id, record.scopes, token_id(token)
            )
        client_id = self._bearers.client_of(token)
        if client_id is not None:
            return Principal("app", client_id, None, frozenset(), token_id(token))
        return None

    def issue_user_token(self, client_id: str, user_id: str, scopes: frozenset[str]) -> Token:
        """A user token pair without a browser, for tests and tooling (not an HTTP route)."""
        if client_id not in self._world.apps or user_id not in self._world.users:
            raise ValueError("unknown client_id or user_id")
        issued = self._store.issue(client_id, user_id, scopes)
        record = self._store.access(issued.access_token)
        if record is None:  # pragma: no cover - a token issued this instant cannot be expired
            raise RuntimeError("freshly issued token is not live")
        return Token(
            issued.access_token,
            client_id,
            user_id,
            scopes,
            record.expires_at,
            issued.refresh_token,
        )

    def routes(self) -> list[BaseRoute]:
        both = ["GET", "POST"]
        return [
            Route("/i/oauth2/authorize", self._authorize.handle, methods=both),
            Route("/2/oauth2/authorize", self._authorize.handle, methods=both),
            Route("/2/oauth2/token", self._tokens.token, methods=["POST"]),
            Route("/2/oauth2/revoke", self._tokens.revoke, methods=["POST"]),
            Route("/oauth2/token", self._tokens.app_token, methods=["POST"]),
        ]
