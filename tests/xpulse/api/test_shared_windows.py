"""Rate-limit windows shared between transports of one token (workers share them through
PostgreSQL; here a dict stands in): a window spent by one is waited for by the others."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import httpx
from xpulse_api_fakes import FakeClock, Script, json_response, rate_headers

from xpulse.api.auth import BearerAuth
from xpulse.api.client import XClient
from xpulse.api.ratelimit import SHARED_FRESH_FOR

ME = {"data": {"id": "2244994945", "username": "xdev", "name": "X Dev"}}
TOO_MANY = {"title": "Too Many Requests", "type": "about:blank", "status": 429}


class DictWindows:
    """The shared windows of one token, in memory, counting the reads and writes."""

    def __init__(self) -> None:
        self.windows: dict[str, tuple[int, int, datetime]] = {}
        self.reads = 0
        self.writes = 0

    def read(self, endpoint: str) -> tuple[int, int, datetime] | None:
        self.reads += 1
        return self.windows.get(endpoint)

    def write(self, endpoint: str, limit: int, remaining: int, reset: datetime) -> None:
        self.writes += 1
        self.windows[endpoint] = (limit, remaining, reset)


class Window:
    """A server's one window of ``limit`` calls until ``reset``: 429 once spent."""

    def __init__(self, clock: FakeClock, limit: int, reset: datetime) -> None:
        self.clock, self.limit, self.reset, self.used = clock, limit, reset, 0
        self.statuses: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.clock.now >= self.reset:
            self.used, self.reset = 0, self.reset + timedelta(minutes=15)
        if self.used >= self.limit:
            self.statuses.append(429)
            headers = rate_headers(self.limit, 0, self.reset, self.clock.now)
            return json_response(429, TOO_MANY, headers)
        self.used += 1
        self.statuses.append(200)
        headers = rate_headers(self.limit, self.limit - self.used, self.reset, self.clock.now)
        return json_response(200, ME, headers)


def client(server: Window, clock: FakeClock, shared: DictWindows | None) -> XClient:
    return XClient(
        "https://api.example.test",
        BearerAuth("fake-bearer-for-tests", source="test"),
        transport=httpx.MockTransport(Script([server])),
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(7),
        shared_windows=shared,
    )


def test_a_second_transport_waits_for_a_window_the_first_spent(clock: FakeClock) -> None:
    server = Window(clock, 3, clock.now + timedelta(seconds=120))
    shared = DictWindows()
    first = client(server, clock, shared)
    for _ in range(3):
        first.get_me()
    assert shared.windows["/2/users/me"][1] == 0  # spent, as the last answer said
    second = client(server, clock, shared)
    second.get_me()
    assert server.statuses == [200, 200, 200, 200]  # no 429: it waited for the reset
    assert clock.sleeps == [120.0]


def test_without_shared_windows_the_second_meets_a_429(clock: FakeClock) -> None:
    server = Window(clock, 3, clock.now + timedelta(seconds=120))
    first = client(server, clock, None)
    for _ in range(3):
        first.get_me()
    client(server, clock, None).get_me()
    assert server.statuses == [200, 200, 200, 429, 200]
    assert clock.sleeps == [121.0]  # the 429's reset, and a second's margin


def test_one_write_per_answer_and_reads_only_when_stale(clock: FakeClock) -> None:
    server = Window(clock, 100, clock.now + timedelta(seconds=600))
    shared = DictWindows()
    x = client(server, clock, shared)
    for _ in range(5):
        x.get_me()
    assert shared.writes == 5
    assert shared.reads == 1  # before the first call only: every answer kept it fresh
    clock.advance(SHARED_FRESH_FOR.total_seconds())
    x.get_me()
    assert shared.reads == 2  # idle past the freshness: asked again


def test_a_spent_window_seen_meanwhile_is_waited_for(clock: FakeClock) -> None:
    server = Window(clock, 100, clock.now + timedelta(seconds=600))
    shared = DictWindows()
    x = client(server, clock, shared)
    x.get_me()
    # another process spent the window since: its last answer said so
    shared.windows["/2/users/me"] = (100, 0, server.reset)
    server.used = 100
    clock.advance(SHARED_FRESH_FOR.total_seconds())
    x.get_me()
    assert server.statuses == [200, 200]
    assert clock.sleeps == [600.0 - SHARED_FRESH_FOR.total_seconds()]


def test_a_fuller_stored_window_does_not_undo_a_spent_one(clock: FakeClock) -> None:
    server = Window(clock, 3, clock.now + timedelta(seconds=120))
    shared = DictWindows()
    x = client(server, clock, shared)
    for _ in range(3):
        x.get_me()
    # a late write of an earlier answer of the same window
    shared.windows["/2/users/me"] = (3, 2, server.reset)
    clock.advance(SHARED_FRESH_FOR.total_seconds())
    x.get_me()
    assert server.statuses == [200, 200, 200, 200]
    assert clock.sleeps == [120.0 - SHARED_FRESH_FOR.total_seconds()]
