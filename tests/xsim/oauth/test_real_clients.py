"""Unmodified third-party clients over real HTTP: tweepy's OAuth2UserHandler and a guide's script.

tweepy hard-codes twitter.com; a requests adapter swaps that host for the local server,
which is the only change a user would make.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
import requests
import tweepy
import uvicorn
from requests.adapters import HTTPAdapter

if TYPE_CHECKING:
    from conftest import Sim


class _ToLocal(HTTPAdapter):
    """Send what tweepy addresses to twitter.com to the local server instead."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self._base = base

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        for host in ("https://api.twitter.com", "https://twitter.com"):
            if request.url and request.url.startswith(host):
                request.url = self._base + request.url[len(host) :]
        return super().send(request, **kwargs)


@pytest.fixture
def live(sim: Sim) -> Iterator[str]:
    """Serve ``sim.app`` with uvicorn on a free loopback port; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(sim.app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:  # start-up, not a timing assumption: bail out if it never comes
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def test_tweepy_oauth2_user_handler_signs_in(
    sim: Sim, live: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the callback is plain-HTTP loopback
    handler = tweepy.OAuth2UserHandler(
        client_id=sim.CONF_ID,
        redirect_uri=sim.CALLBACK,
        scope=["tweet.read", "users.read", "offline.access"],
        client_secret=sim.CONF_SECRET,
    )
    handler.mount("https://", _ToLocal(live))
    browser = requests.Session()
    browser.mount("https://", _ToLocal(live))
    resp = browser.get(handler.get_authorization_url(), allow_redirects=False, timeout=10)
    assert resp.status_code == 302
    token = handler.fetch_token(resp.headers["location"])
    assert token["token_type"] == "bearer"
    assert set(token["scope"]) == {"tweet.read", "users.read", "offline.access"}
    me = requests.get(
        f"{live}/test/whoami",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    )
    assert me.json()["user_id"] == "1001"


def test_guide_weekly_report_refresh_over_http(sim: Sim, live: str) -> None:
    """The refresh call of the weekly-report guide's script (Basic auth and client_id in the
    body)."""

    def refresh_access_token(refresh_token: str) -> requests.Response:
        return requests.post(
            f"{live}/2/oauth2/token",
            auth=(sim.CONF_ID, sim.CONF_SECRET),
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": sim.CONF_ID,
            },
            timeout=10,
        )

    fresh = refresh_access_token(sim.PRE_REFRESH)
    fresh.raise_for_status()
    data = fresh.json()
    assert data["refresh_token"] != sim.PRE_REFRESH
    me = requests.get(
        f"{live}/test/whoami",
        headers={"Authorization": f"Bearer {data['access_token']}"},
        timeout=10,
    )
    assert me.json()["user_id"] == "1001"
    stale = refresh_access_token(sim.PRE_REFRESH)
    assert stale.status_code == 400
    assert stale.json()["error"] == "invalid_grant"
