"""No request, however malformed, makes the OAuth endpoints fail with a 5xx or a crash."""

from __future__ import annotations

import asyncio
import base64
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

if TYPE_CHECKING:
    from conftest import Sim

FIELDS = [
    "grant_type",
    "code",
    "redirect_uri",
    "code_verifier",
    "client_id",
    "refresh_token",
    "scope",
    "token",
    "token_type_hint",
    "request_id",
    "decision",
    "user_id",
    "response_type",
    "state",
    "code_challenge",
    "code_challenge_method",
    "login_hint",
]
GRANTS = st.sampled_from(["authorization_code", "refresh_token", "client_credentials", "x"])
HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=40)
AUTH = st.one_of(
    st.none(),
    HEADER_TEXT,
    HEADER_TEXT.map(lambda t: "Basic " + base64.b64encode(t.encode("latin-1")).decode()),
    st.just("Basic " + base64.b64encode(b"conf-client:fake-secret-for-tests").decode()),
)
VALUES = st.one_of(GRANTS, st.text(max_size=60), st.just("conf-client"), st.just("pub-client"))
FORMS = st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=7)
PATHS = st.sampled_from(
    ["/2/oauth2/token", "/2/oauth2/revoke", "/oauth2/token", "/i/oauth2/authorize"]
)
CONTENT_TYPES = st.sampled_from(
    ["application/x-www-form-urlencoded", "application/json", "text/plain", ""]
)
SETTINGS = settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@SETTINGS
@given(path=PATHS, form=FORMS, auth=AUTH, ctype=CONTENT_TYPES)
def test_posts_never_crash(
    sim: Sim, path: str, form: dict[str, str], auth: str | None, ctype: str
) -> None:
    # Bytes, so that any Latin-1 header reaches the server as sent.
    headers = {"Content-Type": ctype.encode()}
    if auth is not None:
        headers["Authorization"] = auth.encode("latin-1")
    resp = _send(sim, "POST", path, content=urlencode(form).encode(), headers=headers)
    assert resp.status_code < 500


@SETTINGS
@given(form=FORMS)
def test_authorize_queries_never_crash(sim: Sim, form: dict[str, str]) -> None:
    resp = _send(sim, "GET", "/i/oauth2/authorize", params=form)
    assert resp.status_code in (200, 302, 400)
    if resp.status_code == 302:
        # Only ever back to a callback the app registered.
        location = resp.headers["location"]
        assert location.startswith((sim.CALLBACK, "http://localhost/cb?keep=1"))


def _send(sim: Sim, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request on a fresh loop; the ASGI transport re-raises any app exception."""

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=sim.app, raise_app_exceptions=True)
        async with httpx.AsyncClient(transport=transport, base_url=sim.BASE) as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())
