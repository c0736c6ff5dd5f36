"""How many timeline pages a second xsim serves from an in-memory world of 100,000 posts.

Two ways to drive it (``--mode``):

- ``http`` (the figure we quote): one uvicorn worker in a child process pinned to one core
  serves the app over loopback; the load generator runs in this process on the other core
  with a few keep-alive connections, so the server's core does nothing but serve.
- ``asgi``: the app in-process through httpx's ``ASGITransport``; client and server share
  one thread, so the client's own cost is in the figure (a lower bound).

Each request is ``GET /2/users/{id}/tweets?max_results=N&tweet.fields=public_metrics,
created_at`` (``--dialect 2.167``: ``post.fields=...``, answered in 2.167 names) walking
the 20 authors' timelines page by page with ``pagination_token`` and starting over at the
end, with rate limits raised out of the way. With the fixed clock (default) the first read
of a post at an instant computes its metrics and JSON and later reads reuse them;
``--warm`` does one full pass before timing, ``--real-clock`` serves on the wall clock so
every request is a new instant and nothing is reused (the worst case).

    PYTHONPATH=src .venv/bin/python bench/xsim_timeline.py --mode http --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import os
import re
import socket
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

# httpx's ASGITransport tries ``import sniffio`` on every request; it is not installed, and
# a failing import costs ~0.1 ms. Marking it absent makes that check free (client side only).
sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

import httpx  # noqa: E402

from xsim.clock import FixedClock, RealClock  # noqa: E402
from xsim.server.app import create_app  # noqa: E402
from xsim.v2.ratelimit import LIMITS, RateLimiter  # noqa: E402
from xsim.world.model import App, Post, PostFinal, Token, User, World  # noqa: E402

NOW = datetime(2026, 5, 20, 12, tzinfo=UTC)
AUTHORS = 20
POSTS = 100_000
FIELDS = "public_metrics,created_at"
FIELDS_PARAM = {"2.159": "tweet.fields", "2.167": "post.fields"}
_NEXT = re.compile(rb'"next_token":"([0-9a-z]+)"')


def build_world() -> World:
    users = {
        str(1000 + a): User(str(1000 + a), f"user{a}", f"User {a}", NOW) for a in range(AUTHORS)
    }
    posts: dict[str, Post] = {}
    per_author = POSTS // AUTHORS
    for a in range(AUTHORS):
        for i in range(per_author):
            created = NOW - timedelta(minutes=(per_author - i) * 17 + a)
            pid = str(1_700_000_000_000_000_000 + (i * AUTHORS + a) * 4096)
            final = PostFinal(1000 + i % 977, 40 + i % 31, 7, 3, 1, bookmarks=2)
            posts[pid] = Post(pid, str(1000 + a), f"post {i} by {a}", created, final=final)
    app = App("bench-app", "bench", ["http://127.0.0.1/cb"], plan="pro", monthly_read_cap=None)
    expires = max(NOW, datetime.now(UTC)) + timedelta(days=1)  # valid on either clock
    scopes = frozenset({"tweet.read", "users.read"})
    tokens = [
        Token(f"bench-token-{a}", "bench-app", str(1000 + a), scopes, expires)
        for a in range(AUTHORS)
    ]
    return World({"bench-app": app}, users, posts, {}, tokens=tokens, now=NOW)


def build_app(real_clock: bool = False) -> Any:
    limits = {k: (10**9, 10**9) for k in LIMITS}
    clock = RealClock() if real_clock else FixedClock(NOW)
    return create_app(build_world(), clock=clock, limiter=RateLimiter(limits))


class Walker:
    """Which page to ask for next: each author's timeline in turn, from the top again."""

    def __init__(self, max_results: int, dialect: str = "2.159") -> None:
        self.max_results = max_results
        self.param = FIELDS_PARAM[dialect]
        self.tokens: dict[int, str | None] = dict.fromkeys(range(AUTHORS))
        self.n = 0

    def next_target(self) -> tuple[int, str]:
        a = self.n % AUTHORS
        self.n += 1
        path = f"/2/users/{1000 + a}/tweets?max_results={self.max_results}&{self.param}={FIELDS}"
        if self.tokens[a]:
            path += f"&pagination_token={self.tokens[a]}"
        return a, path


# -- in-process -----------------------------------------------------------------------------


async def run_asgi(
    seconds: float, max_results: int, warm: bool, dialect: str = "2.159"
) -> tuple[int, float]:
    transport = httpx.ASGITransport(app=build_app())
    walker = Walker(max_results, dialect)
    async with httpx.AsyncClient(transport=transport, base_url="http://xsim") as client:

        async def one() -> None:
            a, path = walker.next_target()
            r = await client.get(path, headers={"Authorization": f"Bearer bench-token-{a}"})
            if r.status_code != 200:
                raise SystemExit(f"unexpected {r.status_code}: {r.text[:200]}")
            walker.tokens[a] = r.json()["meta"].get("next_token")

        if warm:
            for _ in range(AUTHORS * (3200 // max_results + 1)):
                await one()
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            for _ in range(100):
                await one()
            count += 100
        return count, time.perf_counter() - start


# -- over loopback --------------------------------------------------------------------------


def _serve(sock: socket.socket, core: int | None, http: str, real_clock: bool) -> None:
    if core is not None:
        os.sched_setaffinity(0, {core})
    import uvicorn

    app = build_app(real_clock)
    gc.freeze()  # as `xsim serve` does once the world is loaded
    config = uvicorn.Config(app, http=http, log_level="error", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


async def _connection(port: int, walker: Walker, stop: float, counts: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    while time.perf_counter() < stop:
        a, path = walker.next_target()
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer bench-token-{a}\r\n\r\n".encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise SystemExit(f"unexpected answer: {head[:80]!r}")
        length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
        body = await reader.readexactly(length)
        found = _NEXT.search(body)
        walker.tokens[a] = found.group(1).decode() if found else None
        counts[0] += 1
    writer.close()


async def _load(port: int, seconds: float, walker: Walker, connections: int) -> int:
    counts = [0]
    stop = time.perf_counter() + seconds
    await asyncio.gather(*(_connection(port, walker, stop, counts) for _ in range(connections)))
    return counts[0]


def _cpu_seconds(pid: int | None) -> float:
    """CPU time (user + system) a process has used: the server's own cost on its core."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_http(
    seconds: float,
    max_results: int,
    warm: bool,
    connections: int,
    http: str,
    real_clock: bool,
    dialect: str = "2.159",
) -> tuple[int, float, float]:
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    server_core = cores[0] if cores else None
    if len(cores) > 1:
        os.sched_setaffinity(0, set(cores[1:]))  # the load generator keeps off the server's core
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # NODELAY
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    ctx = multiprocessing.get_context("fork")
    server = ctx.Process(target=_serve, args=(sock, server_core, http, real_clock), daemon=True)
    server.start()
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("server did not start") from None
                time.sleep(0.05)
        walker = Walker(max_results, dialect)
        if warm:
            asyncio.run(_warm(port, walker))
        cpu_before = _cpu_seconds(server.pid)
        start = time.perf_counter()
        count = asyncio.run(_load(port, seconds, walker, connections))
        wall = time.perf_counter() - start
        return count, wall, _cpu_seconds(server.pid) - cpu_before
    finally:
        server.terminate()
        server.join(10)


async def _warm(port: int, walker: Walker) -> None:
    """One full pass over every reachable post, so each post's metrics are cached."""
    target = AUTHORS * (3200 // walker.max_results + 1)
    counts = [0]
    while counts[0] < target:
        await _connection(port, walker, time.perf_counter() + 0.5, counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--mode", choices=["http", "asgi"], default="http")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--max-results", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--http",
        choices=["auto", "h11", "httptools"],
        default="auto",
        help="uvicorn's HTTP parser (auto: httptools when installed)",
    )
    parser.add_argument(
        "--real-clock",
        action="store_true",
        help="serve with the wall clock: every request is a new instant, so "
        "nothing is cached (the worst case)",
    )
    parser.add_argument("--warm", action="store_true", help="read every post once first")
    parser.add_argument(
        "--dialect",
        choices=sorted(FIELDS_PARAM),
        default="2.159",
        help="the spelling of the request (tweet.fields or post.fields)",
    )
    args = parser.parse_args()
    if args.mode == "asgi":
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        count, elapsed = asyncio.run(
            run_asgi(args.seconds, args.max_results, args.warm, args.dialect)
        )
        cpu = elapsed
    else:
        count, elapsed, cpu = run_http(
            args.seconds,
            args.max_results,
            args.warm,
            args.connections,
            args.http,
            args.real_clock,
            args.dialect,
        )
    summary = {
        "mode": args.mode,
        "posts_in_world": POSTS,
        "max_results": args.max_results,
        "warm": args.warm,
        "real_clock": args.real_clock,
        "dialect": args.dialect,
        "http": args.http if args.mode == "http" else None,
        "pages": count,
        "seconds": round(elapsed, 2),
        "pages_per_second": round(count / elapsed),
        # Pages per second of CPU the server used: what one core does when it is not shared
        # (the machine may run other work; wall-clock figures then understate it).
        "server_cpu_seconds": round(cpu, 2),
        "pages_per_server_cpu_second": round(count / cpu) if cpu else None,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
