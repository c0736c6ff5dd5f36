"""Wall time to collect 200 accounts from xsim with 100 ms added to every API call.

xsim runs in a child process (one uvicorn worker, so the server does not share this
process's GIL), with an ASGI wrapper that sleeps ``--latency`` before each ``/2/`` request.
Each account has its own user token. Two runs are timed:

1. first run: per account, ``/2/users/me`` (the user id is then cached) and the timeline
   sweep (29 days back by default, ``--history-days``; ~40 posts: one page; the world goes
   back 40 days, so ``--history-days 90`` adds the older window's sweep, one more call);
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
import cProfile
import os
import pstats
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

import slow_xsim
from xpulse.api.transport import CallRecord
from xpulse.collect.calllog import CallLog
from xpulse.collect.refresh_slots import slots
from xpulse.collect.runner import AccountJob, Runner
from xsim.clock import FixedClock
from xsim.world.model import World

# The world and collector wiring shared with the collect tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "xpulse" / "collect"))
from collect_world import T0, accounts_of, sqlite_store, user_jobs
from collect_world import make_world as collect_world


def make_world(accounts: int) -> World:
    w = collect_world(users=accounts, posts_per_week=10, seed=3)
    # 200 accounts' first run reads ~9,000 posts (29 days) or ~16,000 (90 days): over the
    # generated app's 15,000 monthly cap, which is not what this measures
    for app in w.apps.values():
        app.monthly_read_cap = None
    return w


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
) -> tuple[float, float, float, int, int]:
    calls.clear()
    started, cpu, server = time.perf_counter(), time.process_time(), cpu_of(server_pid)
    result = runner.run(jobs)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    server = cpu_of(server_pid) - server
    failed = [a for a in result.accounts if a.error]
    if failed:
        raise SystemExit(f"{len(failed)} accounts failed: {failed[0].error}")
    return wall, cpu, server, sum(calls.values()), sum(a.reads for a in result.accounts)


def profile_workers(runner: Runner) -> list[cProfile.Profile]:
    """cProfile each account's work in its worker thread (a profiler enabled in the main
    thread sees only the pool's waiting). Call once per runner: the list collects every
    run's profiles; the caller reads and clears it after each run. Times are per thread, so
    the totals add up the waits of every thread, not wall time."""
    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()
    collect = runner._collect_safely  # the per-account entry point

    def profiled(job: AccountJob, result: Any) -> None:
        prof = cProfile.Profile()
        prof.enable()
        try:
            collect(job, result)
        finally:
            prof.disable()
            with lock:
                profiles.append(prof)

    setattr(runner, "_collect_safely", profiled)  # noqa: B010 - the instance, not the class
    return profiles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--parallel", type=int, default=16, help="accounts at a time")
    parser.add_argument("--per-token", type=int, default=4)
    parser.add_argument(
        "--history-days", type=int, default=29,
        help="how far the first sweep reaches back (xpulse collect's default is 90; over 29 "
        "the older window is a second sweep per account)",
    )  # fmt: skip
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the collector's worker threads"
    )
    args = parser.parse_args()
    if not 1 <= args.history_days <= 3650:
        parser.error("--history-days must be 1..3650")
    if args.accounts < 1 or args.parallel < 1 or args.per_token < 1 or args.latency < 0:
        parser.error("--accounts, --parallel and --per-token must be at least 1, --latency >= 0")

    w = make_world(args.accounts)
    url, server = slow_xsim.start(w, args.latency, FixedClock(T0), wait_s=10)
    now = [T0]
    calls: Counter[str] = Counter()
    jobs, clients = user_jobs(
        url, accounts_of(w), lambda: now[0], log_for=lambda name: Counting(calls, name)
    )
    with tempfile.TemporaryDirectory() as tmp:
        engine = sqlite_store(Path(tmp) / "bench.db")
        runner = Runner(engine, slots("weekly"), clock=lambda: now[0], per_token=args.per_token,
                        max_parallel_accounts=args.parallel,
                        history=timedelta(days=args.history_days))  # fmt: skip
        print(f"{args.accounts} accounts, {args.latency * 1000:.0f} ms added per call, "
              f"{args.parallel} accounts at a time, {args.per_token} calls per token")  # fmt: skip
        profiles = profile_workers(runner) if args.profile else None
        for label, advance in (("first run", None), ("8 days later", timedelta(days=8))):
            if advance is not None:
                now[0] += advance
                httpx.post(f"{url}/_sim/clock", json={"advance_seconds": advance.total_seconds()})
            assert server.pid is not None
            wall, cpu, server_cpu, total, reads = timed_run(runner, jobs, calls, server.pid)
            if profiles:
                stats = pstats.Stats(*profiles)
                stats.sort_stats("cumulative").print_stats(30)
                stats.sort_stats("tottime").print_stats(25)
                profiles.clear()
            chain = max(calls.values())
            bound = max(total * args.latency / args.parallel, chain * args.latency)
            ratio = f"({wall / bound:.2f}x)" if bound else ""
            print(f"{label:<14} {total:>5} calls {reads:>6,} reads  wall {wall:6.2f} s  "
                  f"bound {bound:6.2f} s  {ratio}  "
                  f"CPU: collector {cpu:5.2f} s, xsim {server_cpu:5.2f} s")  # fmt: skip
        engine.dispose()
    for client in clients:
        client.close()
    server.terminate()
    server.join()


if __name__ == "__main__":
    main()
