"""X's rate-limit windows held across processes: a process that starts after another spent
a token's window waits for its reset instead of being answered 429 (the workers share the
windows in PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytestmark = pytest.mark.postgres

CHILD = Path(__file__).with_name("windows_child.py")
SRC = Path(__file__).resolve().parents[3] / "src"
LIMIT = 3
WINDOW_S = 5  # a short window, so that a test waits for its reset in seconds


class WindowServer(ThreadingHTTPServer):
    """One endpoint, one token: ``LIMIT`` calls per window of ``WINDOW_S`` seconds that
    starts at the first call, then 429 until the reset, as X answers."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), WindowHandler)
        self.lock = threading.Lock()
        self.reset = 0
        self.used = 0
        self.answers: list[tuple[float, int]] = []  # (time, status)


class WindowHandler(BaseHTTPRequestHandler):
    server: WindowServer

    def do_GET(self) -> None:
        server = self.server
        with server.lock:
            now = time.time()
            if now >= server.reset:
                server.reset, server.used = int(now) + WINDOW_S, 0
            status = 429 if server.used >= LIMIT else 200
            if status == 200:
                server.used += 1
            server.answers.append((now, status))
            remaining, reset = LIMIT - server.used, server.reset
        body = {"data": {"id": "1", "username": "x", "name": "X"}}
        if status == 429:
            body = {"title": "Too Many Requests", "type": "about:blank", "status": 429}
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("x-rate-limit-limit", str(LIMIT))
        self.send_header("x-rate-limit-remaining", str(remaining))
        self.send_header("x-rate-limit-reset", str(reset))
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def api() -> Iterator[WindowServer]:
    server = WindowServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


class Child:
    """A child process set up (imports, database) and waiting for :meth:`go` to call."""

    def __init__(self, db: str, server: WindowServer, calls: int, *extra: str) -> None:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        env = {**os.environ, "PYTHONPATH": str(SRC)}
        self.proc = subprocess.Popen(
            [sys.executable, str(CHILD), db, base, str(calls), *extra], env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        ready = self.proc.stdout.readline().strip()
        assert ready == "ready", ready + self.proc.communicate(timeout=30)[1]

    def go(self) -> tuple[list[int], float]:
        out, err = self.proc.communicate("go\n", timeout=60)
        assert self.proc.returncode == 0, err
        statuses, slept = out.split("\n")[:2]
        return [int(s) for s in statuses.split()], float(slept)


def test_the_second_process_waits_for_the_window_the_first_spent(
    pg_url: str, api: WindowServer
) -> None:
    first, second = Child(pg_url, api, LIMIT), Child(pg_url, api, 1)
    assert first.go() == ([200] * LIMIT, 0.0)
    reset = api.reset
    statuses, slept = second.go()
    assert statuses == [200]  # no 429: its first call waited for the reset
    assert 0 < slept <= WINDOW_S
    assert [status for _, status in api.answers] == [200] * (LIMIT + 1)
    assert api.answers[-1][0] >= reset  # the call went out once the window reopened


def test_a_process_keeping_its_own_windows_meets_the_429(pg_url: str, api: WindowServer) -> None:
    # The check above can fail: without the shared table the same second call is refused.
    first, second = Child(pg_url, api, LIMIT, "alone"), Child(pg_url, api, 1, "alone")
    assert first.go() == ([200] * LIMIT, 0.0)
    statuses, slept = second.go()
    assert statuses == [429, 200]  # answered 429, then waited for the reset X named
    assert slept > 0
