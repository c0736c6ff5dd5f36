"""No secret reaches a log line or an exception message, even at DEBUG."""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from xpulse_api_fakes import T0, FakeClock, json_response

from xpulse.accounts.tokens import FileTokenStore, TokenRecord, refresh_lock
from xpulse.accounts.user_auth import UserTokenAuth
from xpulse.api import redact
from xpulse.api.client import XClient
from xpulse.api.oauth2 import OAuthClient, start_authorization
from xpulse.errors import ApiError, InvalidRequest

OLD_ACCESS = "fake-old-access-7f3a9c"
OLD_REFRESH = "fake-old-refresh-41d2e8"
NEW_ACCESS = "fake-new-access-b81c55"
NEW_REFRESH = "fake-new-refresh-09ea7d"
CLIENT_SECRET = "fake-client-secret-5521aa"


def test_debug_logs_and_errors_carry_no_secret(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: xpulse, httpx, httpcore

    def x_api(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/2/oauth2/token":
            return json_response(
                200,
                {
                    "token_type": "bearer",
                    "expires_in": 7200,
                    "access_token": NEW_ACCESS,
                    "refresh_token": NEW_REFRESH,
                    "scope": "tweet.read users.read offline.access",
                },
            )
        if request.headers["authorization"] != f"Bearer {NEW_ACCESS}":
            return json_response(401, {"title": "Unauthorized", "status": 401})
        if request.url.path == "/2/users/me":
            return json_response(503, {"title": "Service Unavailable"})
        # An error body that echoes the credential back, as some proxies do.
        return json_response(400, {"title": "Invalid Request", "detail": f"bad token {NEW_ACCESS}"})

    transport = httpx.MockTransport(x_api)
    store = FileTokenStore(tmp_path / "tokens")
    store.save(
        TokenRecord(
            account="main",
            access_token=OLD_ACCESS,
            refresh_token=OLD_REFRESH,
            expires_at=T0 + timedelta(hours=1),
            updated_at=T0 - timedelta(hours=1),
        )
    )
    http = httpx.Client(transport=transport)
    oauth = OAuthClient(http, "https://api.example.test", "fake-client-id", CLIENT_SECRET, clock)
    auth = UserTokenAuth("main", store, oauth, refresh_lock("main"), clock=clock)
    client = XClient(
        "https://api.example.test",
        auth,
        transport=transport,
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(1),
        max_retries=1,
    )
    messages = []
    with pytest.raises(ApiError) as first:
        client.get_me()  # 401 -> refresh (Basic auth with the secret) -> 503, 503
    messages.append(str(first.value))
    with pytest.raises(InvalidRequest) as second:
        client.get_user("12")
    messages.append(str(second.value))
    request = start_authorization(
        "fake-client-id", "https://x.com/i/oauth2/authorize", "http://127.0.0.1:8765/callback"
    )
    logging.getLogger("xpulse.api").debug("authorize at %s", redact.url(request.url))

    everything = caplog.text + "\n".join(messages)
    assert "GET https://api.example.test/2/users/me" in caplog.text  # it did log the calls
    for secret in (
        OLD_ACCESS,
        OLD_REFRESH,
        NEW_ACCESS,
        NEW_REFRESH,
        CLIENT_SECRET,
        request.verifier,
        request.state,
    ):
        assert secret not in everything
    assert "[REDACTED]" in messages[1]


def test_redact_url_masks_codes_and_verifiers() -> None:
    shown = redact.url(
        "http://127.0.0.1:8765/callback?state=fake-state-abcdef&code=fake-code-123456&x=1"
    )
    assert "fake-code" not in shown and "fake-state" not in shown
    assert "x=1" in shown


def test_redact_text_masks_authorization_headers() -> None:
    assert redact.text("Authorization: Bearer abc.def-ghi") == "Authorization: Bearer [REDACTED]"
    assert "dXNlcjpwYXNz" not in redact.text("Authorization: Basic dXNlcjpwYXNz")
