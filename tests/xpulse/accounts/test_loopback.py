"""The sign-in callback listener: one request, state checked, clear timeout."""

from __future__ import annotations

import threading

import httpx
import pytest
from xpulse_auth_world import free_port

from xpulse.accounts.loopback import CallbackListener
from xpulse.api.oauth2 import authorize_endpoint, redirect_uri, start_authorization
from xpulse.errors import SignInError


def _answer_later(port: int, query: str, paths: tuple[str, ...] = ("/callback",)) -> None:
    def run() -> None:
        for path in paths:
            httpx.get(f"http://127.0.0.1:{port}{path}?{query}", timeout=5)

    threading.Thread(target=run, daemon=True).start()


def test_code_comes_back_when_state_matches() -> None:
    with CallbackListener(free_port()) as listener:
        _answer_later(listener.port, "state=s-123&code=fake-code", ("/favicon.ico", "/callback"))
        assert listener.wait("s-123", timeout=10) == "fake-code"


def test_wrong_state_is_refused() -> None:
    with CallbackListener(free_port()) as listener:
        _answer_later(listener.port, "state=forged&code=fake-code")
        with pytest.raises(SignInError, match="wrong state"):
            listener.wait("s-123", timeout=10)


def test_denied_sign_in_says_so() -> None:
    with CallbackListener(free_port()) as listener:
        _answer_later(listener.port, "state=s-1&error=access_denied")
        with pytest.raises(SignInError, match="did not authorize xpulse: access_denied"):
            listener.wait("s-1", timeout=10)


def test_times_out_with_a_clear_message_and_frees_the_port() -> None:
    port = free_port()
    with CallbackListener(port) as listener, pytest.raises(SignInError, match="no answer from"):
        listener.wait("s-1", timeout=0.2)
    CallbackListener(port).close()  # the port is free again


def test_busy_port_is_a_clear_error() -> None:
    with (
        CallbackListener(free_port()) as first,
        pytest.raises(SignInError, match=r"cannot listen on 127\.0\.0\.1"),
    ):
        CallbackListener(first.port)


def test_authorize_url_has_pkce_s256_fresh_state_and_exact_redirect() -> None:
    a = start_authorization("cid", "https://x.com/i/oauth2/authorize", redirect_uri(8765))
    b = start_authorization("cid", "https://x.com/i/oauth2/authorize", redirect_uri(8765))
    q = httpx.URL(a.url).params
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43
    assert q["redirect_uri"] == "http://127.0.0.1:8765/callback"
    assert q["scope"] == "tweet.read users.read offline.access"
    assert a.state != b.state and a.verifier != b.verifier and len(a.verifier) >= 43
    assert "%20" in a.url  # scopes are space-separated, encoded as %20


def test_authorize_endpoint_for_x_and_for_xsim() -> None:
    assert authorize_endpoint("https://api.x.com") == "https://x.com/i/oauth2/authorize"
    assert authorize_endpoint("http://127.0.0.1:9000") == "http://127.0.0.1:9000/i/oauth2/authorize"
    assert (
        authorize_endpoint("https://api.x.com", "https://alt.test/auth") == "https://alt.test/auth"
    )
