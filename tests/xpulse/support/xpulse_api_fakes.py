"""Fakes of the API client tests: a clock and sleep, scripted answers, a token server."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import httpx

T0 = datetime(2026, 5, 13, 9, 0, tzinfo=UTC)


class FakeClock:
    """Time that moves only when slept on (or advanced by the test)."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers or {})


def rate_headers(limit: int, remaining: int, reset: datetime, now: datetime) -> dict[str, str]:
    return {
        "x-rate-limit-limit": str(limit),
        "x-rate-limit-remaining": str(remaining),
        "x-rate-limit-reset": str(int(reset.timestamp())),
        "date": now.strftime("%a, %d %b %Y %H:%M:%S GMT"),
    }


Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class Script:
    """A MockTransport handler answering from a list, recording every request."""

    answers: list[Handler | httpx.Response | Exception]
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return answer(request)


# -- a fake OAuth token server over real HTTP, for the multi-process tests -------------


@dataclass
class TokenServerState:
    """Rotating refresh tokens as X issues them: each refresh kills the old one."""

    live_refresh: set[str] = field(default_factory=set)
    live_access: set[str] = field(default_factory=set)
    refresh_calls: int = 0
    serial: int = 0
    expires_in: int = 7200
    refresh_delay: float = 0.0  # widens the race window of the concurrency test
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self) -> dict[str, Any]:
        self.serial += 1
        access, refresh = f"fake-access-{self.serial:04d}", f"fake-refresh-{self.serial:04d}"
        self.live_access.add(access)
        self.live_refresh.add(refresh)
        return {
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "access_token": access,
            "refresh_token": refresh,
            "scope": "tweet.read users.read offline.access",
        }


class _TokenHandler(BaseHTTPRequestHandler):
    server: _TokenServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        state = self.server.state
        with state.lock:
            if self.path == "/2/oauth2/token" and form.get("grant_type") == "refresh_token":
                state.refresh_calls += 1
                token = form.get("refresh_token", "")
                if token not in state.live_refresh:
                    self._send(400, {"error": "invalid_request", "error_description": "bad"})
                    return
                state.live_refresh.discard(token)
                if state.refresh_delay:
                    time.sleep(state.refresh_delay)
                self._send(200, state.issue())
                return
            if self.path == "/2/oauth2/revoke":
                state.live_refresh.discard(form.get("token", ""))
                state.live_access.discard(form.get("token", ""))
                self._send(200, {"revoked": True})
                return
        self._send(404, {"title": "Not Found"})

    def do_GET(self) -> None:
        auth = self.headers.get("authorization", "")
        if auth.removeprefix("Bearer ") not in self.server.state.live_access:
            self._send(401, {"title": "Unauthorized", "type": "about:blank", "status": 401})
            return
        self._send(200, {"data": {"id": "2244994945", "username": "xdev", "name": "X Dev"}})


class _TokenServer(ThreadingHTTPServer):
    state: TokenServerState


@contextlib.contextmanager
def serve_tokens() -> Iterator[tuple[str, TokenServerState]]:
    server = _TokenServer(("127.0.0.1", 0), _TokenHandler)
    server.state = TokenServerState()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.state
    finally:
        server.shutdown()
        server.server_close()
