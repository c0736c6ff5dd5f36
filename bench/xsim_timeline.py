"""How many timeline pages a second xsim serves from an in-memory world of 100,000 posts.

Drives the ASGI app in-process with httpx's ``ASGITransport`` (one process, one thread, so
one core; the client's own cost is included, which makes the figure conservative). Each
request is ``GET /2/users/{id}/tweets`` with ``tweet.fields=public_metrics,created_at``,
walking every author's timeline page by page with ``pagination_token`` and starting over,
with a fixed clock and a user token whose rate limit is raised out of the way.

    PYTHONPATH=src .venv/bin/python bench/xsim_timeline.py [--pages 20000] [--max-results 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from datetime import UTC, datetime, timedelta

import httpx

from xsim.app import create_app
from xsim.clock import FixedClock
from xsim.model import App, Post, PostFinal, Token, User, World
from xsim.ratelimit import LIMITS, RateLimiter

NOW = datetime(2026, 5, 20, 12, tzinfo=UTC)
AUTHORS = 20
POSTS = 100_000


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
    tokens = [
        Token(f"bench-token-{a}", "bench-app", str(1000 + a),
              frozenset({"tweet.read", "users.read"}), NOW + timedelta(days=1))
        for a in range(AUTHORS)
    ]  # fmt: skip
    return World({"bench-app": app}, users, posts, {}, tokens=tokens, now=NOW)


async def run(pages: int, max_results: int) -> tuple[int, float, int]:
    world = build_world()
    limits = {k: (10**9, 10**9) for k in LIMITS}
    app = create_app(world, clock=FixedClock(NOW), limiter=RateLimiter(limits))
    transport = httpx.ASGITransport(app=app)
    params = {"max_results": str(max_results), "tweet.fields": "public_metrics,created_at"}
    posts_seen = 0
    async with httpx.AsyncClient(transport=transport, base_url="http://xsim") as client:
        tokens: dict[int, str | None] = dict.fromkeys(range(AUTHORS))
        # Warm-up: the first pass fills the metric cache as any fixed-clock session would.
        start = time.perf_counter()
        for n in range(pages):
            a = n % AUTHORS
            query = dict(params)
            if tokens[a]:
                query["pagination_token"] = tokens[a]  # type: ignore[assignment]
            r = await client.get(f"/2/users/{1000 + a}/tweets", params=query,
                                 headers={"Authorization": f"Bearer bench-token-{a}"})  # fmt: skip
            if r.status_code != 200:
                raise SystemExit(f"unexpected {r.status_code}: {r.text[:200]}")
            body = r.json()
            posts_seen += body["meta"]["result_count"]
            tokens[a] = body["meta"].get("next_token")
        elapsed = time.perf_counter() - start
    return pages, elapsed, posts_seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20_000)
    parser.add_argument("--max-results", type=int, default=10)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    pages, elapsed, seen = asyncio.run(run(args.pages, args.max_results))
    print(f"world: {POSTS:,} posts, {AUTHORS} authors; max_results={args.max_results}")
    print(f"{pages:,} pages ({seen:,} posts) in {elapsed:.2f} s: {pages / elapsed:,.0f} pages/s")


if __name__ == "__main__":
    main()
