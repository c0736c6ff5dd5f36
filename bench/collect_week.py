"""Reads and dollars over a simulated week: xpulse collect vs the seeds' weekly-report script.

One account posts about 50 times a week. Both are run every hour (cron) for 7 days against
xsim with a fixed clock advanced an hour at a time, each against its own xsim so each has
its own billing ledger. Before the measured week both run hourly for 8 days, so the week is
steady state (the first run's 29-day backfill is not in the figures).

- xpulse: ``Runner`` with the ``weekly`` (24 h, 7 d) or ``lifecycle`` schedule.
- seed script (seeds/000): each run calls ``/2/users/me`` then pages through
  ``/2/users/:id/tweets?start_time=<now-7d>&max_results=100&tweet.fields=public_metrics,
  organic_metrics,created_at``, exactly as the guide's script does (minus the Slack post).
- the schedule's lower bound: one read per post created in the week (finding it) plus one
  read per schedule slot that falls inside the week.

"reads" are resources X returned (what the monthly cap counts); "billed" applies X's rule
that a resource read again the same UTC day is free; dollars at pay-per-use prices.

    PYTHONPATH=src .venv/bin/python bench/collect_week.py
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from xpulse.collect.refresh_slots import reads_needed, slots
from xpulse.collect.runner import Runner
from xsim.clock import FixedClock
from xsim.server.http import build_app, serve_app
from xsim.world.model import World

# The world and collector wiring shared with the collect tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "xpulse" / "collect"))
from collect_world import accounts_of, make_world, sqlite_store, user_job

START = datetime(2026, 5, 4, 0, 0, tzinfo=UTC)  # the measured week starts here
WARMUP = timedelta(days=8)
WEEK = timedelta(days=7)
HOUR = timedelta(hours=1)


def world(seed: int) -> World:
    return make_world(users=1, posts_per_week=50, seed=seed, now=START + WEEK, days=60)


def ledger_between(url: str, since: datetime) -> dict[str, Any]:
    entries = httpx.get(f"{url}/_sim/ledger", timeout=30).json()["entries"]
    inside = [e for e in entries if datetime.fromisoformat(e["at"].replace("Z", "+00:00")) >= since]
    return {
        "calls": len({(e["at"], e["endpoint"]) for e in inside}),
        "post_reads": sum(1 for e in inside if e["resource_type"] == "post"),
        "user_reads": sum(1 for e in inside if e["resource_type"] == "user"),
        "billed": sum(1 for e in inside if not e["deduped"]),
        "usd": sum(e["charged_usd"] for e in inside),
    }


def hourly(clock: FixedClock, step: Callable[[], None]) -> None:
    clock.set(START - WARMUP)
    while clock.now() < START + WEEK:
        step()
        clock.advance(HOUR.total_seconds())


def run_xpulse(w: World, schedule: str, tmp: Path) -> dict[str, Any]:
    clock = FixedClock(START - WARMUP)
    with serve_app(build_app(w, clock=clock)) as url:
        token, username = accounts_of(w)[0]
        job, client = user_job(url, token, username, clock.now)
        engine = sqlite_store(tmp / f"{schedule}.db")
        runner = Runner(engine, slots(schedule), clock=clock.now)

        def step() -> None:
            result = runner.run([job])
            if not result.ok:
                raise SystemExit(f"collect failed: {result.accounts}")

        hourly(clock, step)
        client.close()
        engine.dispose()
        return ledger_between(url, START)


def run_seed_script(w: World) -> dict[str, Any]:
    clock = FixedClock(START - WARMUP)
    with serve_app(build_app(w, clock=clock)) as url:
        token = w.tokens[0].access_token
        http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"})

        def step() -> None:  # seeds/000's script, one cron run
            me = http.get("/2/users/me", params={"user.fields": "public_metrics"}).json()
            start = (clock.now() - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
            params: dict[str, Any] = {
                "max_results": 100,
                "tweet.fields": "public_metrics,organic_metrics,created_at",
                "start_time": start,
            }
            while True:
                page = http.get(f"/2/users/{me['data']['id']}/tweets", params=params).json()
                token_ = page.get("meta", {}).get("next_token")
                if not token_:
                    break
                params["pagination_token"] = token_

        hourly(clock, step)
        http.close()
        return ledger_between(url, START)


def lower_bound(w: World, schedule: str) -> int:
    """Reads the schedule demands of the week's runs: find each new post once, and read it
    once per slot. The runs are at START, START+1h, ... START+WEEK-1h; a run reads what
    came due since the previous one, so the week covers moments in (START-1h, last run]."""
    author = w.tokens[0].user_id
    first, last = START - HOUR, START + WEEK - HOUR
    total = 0
    for p in w.posts.values():
        if p.author_id != author or p.deleted:
            continue
        if first < p.created_at <= last:
            total += 1
        plan = slots(schedule)
        total += reads_needed(plan, p.created_at, last) - reads_needed(plan, p.created_at, first)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    w = world(args.seed)
    author = w.tokens[0].user_id
    posted = sum(
        1
        for p in w.posts.values()
        if p.author_id == author and START <= p.created_at < START + WEEK and not p.deleted
    )
    print(f"account posted {posted} times in the measured week; collect runs hourly (168 runs)")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for schedule in ("weekly", "lifecycle"):
            got = run_xpulse(world(args.seed), schedule, Path(tmp))
            rows.append((f"xpulse collect, {schedule} schedule", got, lower_bound(w, schedule)))
    rows.append(("seeds/000 script, hourly", run_seed_script(world(args.seed)), None))
    print(f"{'strategy':<36} {'post reads':>10} {'user reads':>10} {'billed':>8} {'USD':>9}  bound")
    for name, r, bound in rows:
        b = "" if bound is None else f"{bound}"
        print(
            f"{name:<36} {r['post_reads']:>10,} {r['user_reads']:>10,} {r['billed']:>8,} "
            f"{r['usd']:>9.3f}  {b}"
        )


if __name__ == "__main__":
    main()
