"""Wall time to collect 200 accounts from xsim with 100 ms added to every API call.

xsim runs in a child process (one uvicorn worker, so the server does not share this
process's GIL), with an ASGI wrapper that sleeps ``--latency`` before each ``/2/`` request.
Each account has its own user token. Two runs are timed:

1. first run: per account, ``/2/users/me`` (the user id is then cached) and the timeline
   sweep (29 days back; ~40 posts: one page);
2. eight days later: the sweep for new posts and the refresh of due posts (``/2/tweets``,
   100 ids a call).

The bound: calls within one account's sweep are sequential (each page's token comes from
the previous page), and the runner works on ``--parallel`` accounts at a time, so the
wall time is at least max(total calls x latency / parallel, longest account chain x
latency). The per-token rate limits (75 users/me, 1,500 timeline pages, 300 lookups per
15 minutes per token) do not bind at 2-3 calls per token per run.

    PYTHONPATH=src .venv/bin/python bench/collect_200.py --parallel 16
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import socket
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from xpulse.api.transport import CallRecord
from xpulse.collect.calllog import CallLog
from xpulse.collect.runner import AccountJob, Runner
from xpulse.collect.schedule import slots
from xsim.clock import FixedClock
from xsim.model import World
from xsim.server import build_app

# The world and collector wiring shared with the collect tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "xpulse" / "collect"))
from collect_world import T0, accounts_of, sqlite_store, user_jobs
from collect_world import make_world as collect_world


class Latency:
    def __init__(self, app: Any, seconds: float) -> None:
        self.app, self.seconds = app, seconds

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/2/"):
            await asyncio.sleep(self.seconds)
        await self.app(scope, receive, send)


def make_world(accounts: int) -> World:
    return collect_world(users=accounts, posts_per_week=10, seed=3)


def serve(w: World, sock: socket.socket, latency: float) -> None:
    import uvicorn

    app = Latency(build_app(w, clock=FixedClock(T0)), latency)
    config = uvicorn.Config(app, log_level="error", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


class Counting(CallLog):
    """The runner's call log, also counting calls per account for the bound."""

    def __init__(self, counter: Counter[str], name: str) -> None:
        super().__init__()
        self.counter, self.name = counter, name

    def __call__(self, record: CallRecord) -> None:
        self.counter[self.name] += 1
        super().__call__(record)


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_run(
    runner: Runner, jobs: list[AccountJob], calls: Counter[str], server_pid: int
) -> tuple[float, float, float, int]:
    calls.clear()
    started, cpu, server = time.perf_counter(), time.process_time(), cpu_of(server_pid)
    result = runner.run(jobs)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    server = cpu_of(server_pid) - server
    failed = [a for a in result.accounts if a.error]
    if failed:
        raise SystemExit(f"{len(failed)} accounts failed: {failed[0].error}")
    return wall, cpu, server, sum(calls.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--parallel", type=int, default=16, help="accounts at a time")
    parser.add_argument("--per-token", type=int, default=4)
    parser.add_argument("--profile", action="store_true", help="cProfile the client side")
    args = parser.parse_args()

    w = make_world(args.accounts)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = multiprocessing.get_context("fork").Process(
        target=serve, args=(w, sock, args.latency), daemon=True
    )
    server.start()
    for _ in range(200):
        try:
            httpx.get(f"{url}/_sim/clock", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.05)  # waiting for the child server to listen
    now = [T0]
    calls: Counter[str] = Counter()
    jobs, clients = user_jobs(
        url, accounts_of(w), lambda: now[0], log_for=lambda name: Counting(calls, name)
    )
    with tempfile.TemporaryDirectory() as tmp:
        engine = sqlite_store(Path(tmp) / "bench.db")
        runner = Runner(engine, slots("weekly"), clock=lambda: now[0], per_token=args.per_token,
                        max_parallel_accounts=args.parallel)  # fmt: skip
        print(f"{args.accounts} accounts, {args.latency * 1000:.0f} ms added per call, "
              f"{args.parallel} accounts at a time, {args.per_token} calls per token")  # fmt: skip
        for label, advance in (("first run", None), ("8 days later", timedelta(days=8))):
            if advance is not None:
                now[0] += advance
                httpx.post(f"{url}/_sim/clock", json={"advance_seconds": advance.total_seconds()})
            if args.profile:
                import cProfile
                import pstats

                prof = cProfile.Profile()
                prof.enable()
            assert server.pid is not None
            wall, cpu, server_cpu, total = timed_run(runner, jobs, calls, server.pid)
            if args.profile:
                prof.disable()
                pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
            chain = max(calls.values())
            bound = max(total * args.latency / args.parallel, chain * args.latency)
            ratio = f"({wall / bound:.2f}x)" if bound else ""
            print(f"{label:<14} {total:>5} calls  wall {wall:6.2f} s  bound {bound:6.2f} s  "
                  f"{ratio}  CPU: collector {cpu:5.2f} s, xsim {server_cpu:5.2f} s")  # fmt: skip
        engine.dispose()
    for client in clients:
        client.close()
    server.terminate()
    server.join()


if __name__ == "__main__":
    main()
