"""The authorize step of xsim's OAuth 2.0 server (``/i/oauth2/authorize``, ``/2/oauth2/authorize``).

Errors follow RFC 6749 §4.1.2.1: a bad ``client_id`` or ``redirect_uri`` is shown on a
page and never redirected (that would make xsim an open redirector); every other error
goes back to the registered ``redirect_uri`` with ``error``, ``error_description`` and
``state``.

PKCE: X accepts ``plain`` as well as ``S256``; xsim accepts S256 only, because a client
that sends ``plain`` protects nothing and xpulse must never be built that way.

Which user signs in: with ``auto_approve`` the user named by ``login_hint`` (or ``user``),
by id or @username, else the world's first user; otherwise a consent page lets a person
pick the user and Approve or Deny.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from jinja2 import Environment, FileSystemLoader
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from xsim.oauth.store import CodeGrant, OAuthError, TokenStore
from xsim.oauth.wire import KNOWN_SCOPES, S256_CHALLENGE, parse_scopes, read_form
from xsim.world.model import User, World

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True
)
_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


class _PageError(Exception):
    """An error about the client or redirect_uri: shown, never redirected."""


class _RedirectError(Exception):
    def __init__(self, redirect_uri: str, state: str | None, err: OAuthError) -> None:
        super().__init__(err.description)
        self.redirect_uri = redirect_uri
        self.state = state
        self.err = err


def _redirect(uri: str, params: dict[str, str]) -> RedirectResponse:
    """302 to ``uri`` with ``params`` added to whatever query it already has."""
    parts = urlsplit(uri)
    extra = urlencode(params)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return RedirectResponse(urlunsplit(parts._replace(query=query)), status_code=302)


def _error_redirect(e: _RedirectError) -> RedirectResponse:
    params = {"error": e.err.error, "error_description": e.err.description}
    if e.state is not None:
        params["state"] = e.state
    return _redirect(e.redirect_uri, params)


def _page(status: int, **context: object) -> HTMLResponse:
    html = _TEMPLATES.get_template("consent.html").render(**context)
    return HTMLResponse(html, status_code=status, headers=_PAGE_HEADERS)


def _single(q: QueryParams, name: str) -> str | None:
    values = q.getlist(name)
    if len(values) > 1:
        raise OAuthError("invalid_request", f"Parameter [{name}] was given more than once.")
    return values[0] if values and values[0] != "" else None


class AuthorizeEndpoint:
    """GET validates and either auto-approves or shows consent; POST answers the consent."""

    def __init__(self, world: World, store: TokenStore, *, auto_approve: bool) -> None:
        self._world = world
        self._store = store
        self._auto = auto_approve

    async def handle(self, request: Request) -> Response:
        if request.method == "POST":
            return await self._answer(request)
        try:
            grant, state = self._validate(request.query_params)
        except _PageError as e:
            return _page(400, error=str(e))
        except _RedirectError as e:
            return _error_redirect(e)
        hint = request.query_params.get("login_hint") or request.query_params.get("user")
        if self._auto:
            return self._auto_approve(grant, state, hint)
        return self._consent_page(request, grant, state, hint)

    # -- validation --------------------------------------------------------------------

    def _validate(self, q: QueryParams) -> tuple[CodeGrant, str]:
        try:
            client_id = _single(q, "client_id")
            redirect_uri = _single(q, "redirect_uri")
        except OAuthError as e:
            raise _PageError(e.description) from None
        if client_id is None:
            raise _PageError("The request has no client_id.")
        app = self._world.apps.get(client_id)
        if app is None:
            raise _PageError("No app is registered with this client_id.")
        if redirect_uri is None:
            raise _PageError("The request has no redirect_uri.")
        if redirect_uri not in app.callback_urls:
            raise _PageError(
                "The redirect_uri does not exactly match a callback URL registered for this app."
            )
        state: str | None = None
        try:
            state = _single(q, "state")
            return self._checked_grant(q, client_id, redirect_uri, state)
        except OAuthError as e:
            raise _RedirectError(redirect_uri, state, e) from None

    def _checked_grant(
        self, q: QueryParams, client_id: str, redirect_uri: str, state: str | None
    ) -> tuple[CodeGrant, str]:
        response_type = _single(q, "response_type")
        if response_type is None:
            raise OAuthError("invalid_request", "Missing required parameter [response_type].")
        if response_type != "code":
            raise OAuthError("unsupported_response_type", "response_type must be code.")
        if state is None:
            raise OAuthError("invalid_request", "Missing required parameter [state].")
        scope = _single(q, "scope")
        if scope is None:
            raise OAuthError("invalid_request", "Missing required parameter [scope].")
        scopes = parse_scopes(scope)
        challenge = _single(q, "code_challenge")
        method = _single(q, "code_challenge_method")
        if challenge is None:
            raise OAuthError("invalid_request", "Missing required parameter [code_challenge].")
        if method != "S256":
            raise OAuthError(
                "invalid_request", "code_challenge_method must be S256 (plain is not accepted)."
            )
        if not S256_CHALLENGE.fullmatch(challenge):
            raise OAuthError("invalid_request", "code_challenge is not a base64url SHA-256 hash.")
        return CodeGrant(client_id, "", scopes, redirect_uri, challenge), state

    # -- outcomes ----------------------------------------------------------------------

    def _find_user(self, hint: str | None) -> User | None:
        if hint is None:
            return next(iter(self._world.users.values()), None)
        if hint in self._world.users:
            return self._world.users[hint]
        name = hint.removeprefix("@").lower()
        return next((u for u in self._world.users.values() if u.username.lower() == name), None)

    def _approve(self, grant: CodeGrant, state: str, user_id: str) -> RedirectResponse:
        approved = CodeGrant(
            grant.client_id, user_id, grant.scopes, grant.redirect_uri, grant.code_challenge
        )
        code = self._store.new_code(approved)
        return _redirect(grant.redirect_uri, {"state": state, "code": code})

    def _auto_approve(self, grant: CodeGrant, state: str, hint: str | None) -> Response:
        user = self._find_user(hint)
        if user is None:
            if not self._world.users:
                return _page(400, error="The world has no users to sign in as.")
            err = OAuthError("access_denied", "No user matches login_hint.")
            return _error_redirect(_RedirectError(grant.redirect_uri, state, err))
        return self._approve(grant, state, user.id)

    def _consent_page(
        self, request: Request, grant: CodeGrant, state: str, hint: str | None
    ) -> Response:
        if not self._world.users:
            return _page(400, error="The world has no users to sign in as.")
        preselected = self._find_user(hint)
        app = self._world.apps[grant.client_id]
        return _page(
            200,
            app_name=app.name,
            action=request.url.path,
            request_id=self._store.hold_consent(grant, state),
            users=list(self._world.users.values()),
            selected=preselected.id if preselected else None,
            scopes=[(s, KNOWN_SCOPES[s]) for s in sorted(grant.scopes)],
            redirect_uri=grant.redirect_uri,
        )

    async def _answer(self, request: Request) -> Response:
        try:
            form = await read_form(request)
        except OAuthError as e:
            return _page(400, error=e.description)
        pending = self._store.take_consent(form.get("request_id", ""))
        if pending is None:
            return _page(
                400,
                error="This sign-in request has expired or was already answered. "
                "Start again from the app.",
            )
        grant, state = pending.grant, pending.state
        if form.get("decision") != "approve":
            err = OAuthError("access_denied", "The user denied the request.")
            return _error_redirect(_RedirectError(grant.redirect_uri, state, err))
        user_id = form.get("user_id", "")
        if user_id not in self._world.users:
            return _page(400, error="No such user. Start again from the app.")
        return self._approve(grant, state, user_id)
