"""The authorize step: what is redirected, what is shown, and the consent page."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from conftest import Sim

pytestmark = pytest.mark.anyio


def _location(resp: httpx.Response) -> httpx.URL:
    assert resp.status_code == 302, resp.text
    return httpx.URL(resp.headers["location"])


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({"redirect_uri": "http://127.0.0.1:8765/callback/"}, "does not exactly match"),
        ({"redirect_uri": "https://evil.example/steal"}, "does not exactly match"),
        ({"redirect_uri": "<omit>"}, "no redirect_uri"),
        ({"client_id": "no-such-app"}, "No app is registered"),
    ],
)
async def test_client_and_redirect_errors_are_shown_never_redirected(
    sim: Sim, params: dict[str, str], shown: str
) -> None:
    client_id = params.pop("client_id", sim.CONF_ID)
    resp, _ = await sim.authorize(client_id, **params)
    assert resp.status_code == 400
    assert "location" not in resp.headers
    assert shown in resp.text


@pytest.mark.parametrize(
    ("params", "error", "fragment"),
    [
        ({"state": "<omit>"}, "invalid_request", "[state]"),
        ({"code_challenge_method": "plain"}, "invalid_request", "S256"),
        ({"code_challenge_method": "<omit>"}, "invalid_request", "S256"),
        ({"code_challenge": "<omit>"}, "invalid_request", "[code_challenge]"),
        ({"code_challenge": "too-short"}, "invalid_request", "code_challenge"),
        ({"scope": "tweet.read analytics.everything"}, "invalid_scope", "analytics.everything"),
        ({"scope": "<omit>"}, "invalid_request", "[scope]"),
        ({"response_type": "token"}, "unsupported_response_type", "code"),
        ({"login_hint": "@nobody"}, "access_denied", "login_hint"),
    ],
)
async def test_request_errors_go_back_to_the_app_with_state(
    sim: Sim, params: dict[str, str], error: str, fragment: str
) -> None:
    resp, _ = await sim.authorize(**params)
    url = _location(resp)
    assert str(url).startswith(sim.CALLBACK + "?")
    assert url.params["error"] == error
    assert fragment in url.params["error_description"]
    assert "code" not in url.params
    if params.get("state") == "<omit>":
        assert "state" not in url.params
    else:
        assert url.params["state"] == "st-123"


async def test_a_repeated_parameter_is_refused(sim: Sim) -> None:
    _, challenge = sim.pkce()
    query = [
        ("response_type", "code"),
        ("client_id", sim.CONF_ID),
        ("redirect_uri", sim.CALLBACK),
        ("scope", "tweet.read"),
        ("scope", "dm.write"),
        ("state", "s"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ]
    url = _location(await sim.http.get("/i/oauth2/authorize", params=query))
    assert url.params["error"] == "invalid_request"


async def test_auto_approve_picks_hinted_or_first_user(sim: Sim) -> None:
    for hint, user_id in [(None, "1001"), ("bob", "1002"), ("@BOB", "1002"), ("1002", "1002")]:
        extra = {"login_hint": hint} if hint else {}
        code, verifier = await sim.code(**extra)
        token = (await sim.exchange(code, verifier)).json()
        assert (await sim.whoami(token["access_token"])).json()["user_id"] == user_id


async def test_registered_callback_keeps_its_own_query(sim: Sim) -> None:
    resp, _ = await sim.authorize(sim.PUB_ID, redirect_uri="http://localhost/cb?keep=1")
    url = _location(resp)
    assert url.path == "/cb"
    assert url.params["keep"] == "1"
    assert url.params["state"] == "st-123"
    assert url.params["code"]


async def test_consent_page_escapes_everything(make_sim: Callable[..., Sim]) -> None:
    sim = make_sim(auto_approve=False)
    resp, _ = await sim.authorize(sim.PUB_ID, state='"><script>alert(2)</script>')
    assert resp.status_code == 200
    page = resp.text
    assert "<script>" not in page
    assert "onerror=alert(1)>" not in page  # bob's display name is markup
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt; &amp; Co" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "default-src 'none'" in resp.headers["content-security-policy"]
    assert resp.headers["x-frame-options"] == "DENY"
    # The page lists the requested scopes with X's descriptions.
    assert "offline.access" in page
    assert "View any account you can see" in page


async def _consent(sim: Sim, **params: str) -> tuple[str, str]:
    """Open the consent page; return its request_id and the PKCE verifier."""
    resp, verifier = await sim.authorize(**params)
    assert resp.status_code == 200
    marker = 'name="request_id" value="'
    start = resp.text.index(marker) + len(marker)
    return resp.text[start : resp.text.index('"', start)], verifier


async def test_consent_approve_signs_in_the_chosen_user(make_sim: Callable[..., Sim]) -> None:
    sim = make_sim(auto_approve=False)
    request_id, verifier = await _consent(sim, login_hint="bob")
    form = {"request_id": request_id, "user_id": "1002", "decision": "approve"}
    url = _location(await sim.http.post("/i/oauth2/authorize", data=form))
    assert url.params["state"] == "st-123"
    token = (await sim.exchange(url.params["code"], verifier)).json()
    assert (await sim.whoami(token["access_token"])).json()["user_id"] == "1002"

    # The form cannot be submitted twice.
    again = await sim.http.post("/i/oauth2/authorize", data=form)
    assert again.status_code == 400
    assert "location" not in again.headers


async def test_consent_deny_returns_access_denied(make_sim: Callable[..., Sim]) -> None:
    sim = make_sim(auto_approve=False)
    request_id, _ = await _consent(sim)
    form = {"request_id": request_id, "user_id": "1001", "decision": "deny"}
    url = _location(await sim.http.post("/2/oauth2/authorize", data=form))
    assert url.params["error"] == "access_denied"
    assert url.params["state"] == "st-123"
    assert "code" not in url.params


async def test_consent_expires(make_sim: Callable[..., Sim]) -> None:
    sim = make_sim(auto_approve=False)
    request_id, _ = await _consent(sim)
    sim.clock.advance(11 * 60)
    form = {"request_id": request_id, "user_id": "1001", "decision": "approve"}
    resp = await sim.http.post("/i/oauth2/authorize", data=form)
    assert resp.status_code == 400
    assert "expired" in resp.text
