"""Token endpoints of xsim: ``POST /2/oauth2/token``, ``/2/oauth2/revoke``, ``/oauth2/token``.

``/2/oauth2/token`` grants ``authorization_code`` (PKCE S256 checked) and ``refresh_token``
(rotated: the old refresh token dies at once). A refresh token is issued only with
``offline.access``. Errors use RFC 6749 codes (400 ``invalid_request``/``invalid_grant``/
``unsupported_grant_type``, 401 ``invalid_client``) with X's own descriptions where known.
Real X is looser with codes (a bad code or refresh token comes back as ``invalid_request``,
a missing Basic header as ``unauthorized_client``): a client must treat any 400/401 from a
refresh as "sign in again", never branch on the exact code.

``/oauth2/token`` is X's older app-only endpoint: ``grant_type=client_credentials`` with
Basic auth of the app's consumer key and secret returns the app's bearer token. Its errors
use the v1.1 ``{"errors": [{"code", "message"}]}`` shape, as X's do.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote_plus

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from xsim.oauth.store import AppBearers, IssuedTokens, OAuthError, TokenStore
from xsim.oauth.wire import (
    NO_STORE,
    authenticate_client,
    basic_credentials,
    check_verifier_format,
    error_response,
    format_scopes,
    json_response,
    matches,
    parse_scopes,
    read_form,
    require,
    verifier_matches,
)
from xsim.world.model import App, World

log = logging.getLogger("xsim.oauth")


def _token_body(issued: IssuedTokens) -> dict[str, object]:
    # Key order as X answers it.
    body: dict[str, object] = {
        "token_type": "bearer",
        "expires_in": issued.expires_in,
        "access_token": issued.access_token,
        "scope": format_scopes(issued.scopes),
    }
    if issued.refresh_token is not None:
        body["refresh_token"] = issued.refresh_token
    return body


class TokenEndpoints:
    def __init__(self, world: World, store: TokenStore, bearers: AppBearers) -> None:
        self._world = world
        self._store = store
        self._bearers = bearers

    async def token(self, request: Request) -> Response:
        try:
            form = await read_form(request)
            app = authenticate_client(self._world, request, form)
            grant_type = require(form, "grant_type")
            if grant_type == "authorization_code":
                issued = self._code_grant(app, form)
            elif grant_type == "refresh_token":
                issued = self._refresh_grant(app, form)
            else:
                raise OAuthError(
                    "unsupported_grant_type",
                    "grant_type must be authorization_code or refresh_token.",
                )
        except OAuthError as e:
            log.info("token request refused: %s", e.error)
            return error_response(e)
        log.info("issued %s token for client %s", grant_type, app.client_id)
        return json_response(_token_body(issued))

    def _code_grant(self, app: App, form: dict[str, str]) -> IssuedTokens:
        code = require(form, "code")
        redirect_uri = require(form, "redirect_uri")
        verifier = require(form, "code_verifier")
        check_verifier_format(verifier)
        return self._store.redeem_code(
            code,
            app.client_id,
            redirect_uri,
            lambda challenge: verifier_matches(verifier, challenge),
        )

    def _refresh_grant(self, app: App, form: dict[str, str]) -> IssuedTokens:
        refresh = require(form, "refresh_token")
        scope = form.get("scope")
        narrowed = parse_scopes(scope) if scope is not None else None
        return self._store.rotate(refresh, app.client_id, narrowed)

    async def revoke(self, request: Request) -> Response:
        try:
            form = await read_form(request)
            app = authenticate_client(self._world, request, form)
            token = require(form, "token")
            self._store.revoke(token, app.client_id, form.get("token_type_hint"))
        except OAuthError as e:
            return error_response(e)
        return json_response({"revoked": True})

    async def app_token(self, request: Request) -> Response:
        """``POST /oauth2/token``: an app-only bearer for consumer key and secret."""
        app = self._consumer(request.headers.get("authorization"))
        if app is None:
            return _v1_error(99, "Unable to verify your credentials", "authenticity_token_error")
        try:
            form = await read_form(request)
        except OAuthError:
            form = {}
        if form.get("grant_type") != "client_credentials":
            return _v1_error(
                170, "Missing required parameter: grant_type", "forbidden_missing_parameter"
            )
        log.info("issued app-only bearer for client %s", app.client_id)
        return json_response(
            {"token_type": "bearer", "access_token": self._bearers.bearer_for(app)}
        )

    def _consumer(self, authorization: str | None) -> App | None:
        try:
            creds = basic_credentials(authorization)
        except OAuthError:
            return None
        if creds is None:
            return None
        key, secret = creds
        keys = {key, unquote_plus(key)}
        for app in self._world.apps.values():
            if app.consumer_key is None or app.consumer_secret is None:
                continue
            if app.consumer_key in keys and matches(secret, app.consumer_secret):
                return app
        return None


def _v1_error(code: int, message: str, label: str) -> JSONResponse:
    body = {"errors": [{"code": code, "message": message, "label": label}]}
    return JSONResponse(body, status_code=403, headers=NO_STORE)
