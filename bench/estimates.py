"""What collect said a run would read and cost, against what it then read and paid.

Generated worlds of different sizes (posts a week, days of history), two accounts each:
the app owner's (own posts $0.001) and a client's read through the owner's app ($0.005).
An account is created when its posting begins (its average rate since creation is its
rate), except in the last world, where xsim's accounts are years older than their first
post (a dormant account that started posting: the one case the average misleads).
Each account is signed in the way ``xpulse auth login`` does it (one ``/2/users/me`` read
with ``public_metrics``, which gives the post count), then:

- the first run: the plan (``make_plan``, as ``collect --dry-run`` prints it) against the
  run (``Runner``) that follows, reads and dollars per account;
- a week of hourly runs (168): each run planned, then made; ratio of the week's totals, and
  how often the run's actual reads fell inside the plan's range.

The clock is xsim's, fixed and moved an hour at a time, so the figures are deterministic
for a seed. Ratios are estimate / actual (1.0 = exact; the target is 0.8 to 1.25).

    PYTHONPATH=src .venv/bin/python bench/estimates.py
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from xpulse.api.client import XClient
from xpulse.collect.calllog import CallLog
from xpulse.collect.planner import AccountSpec, make_plan
from xpulse.collect.pricing import MICRO, plan_prices
from xpulse.collect.private import collect_private
from xpulse.collect.refresh_slots import slots
from xpulse.collect.runner import AccountJob, Runner
from xpulse.collect.source import XClientSource
from xpulse.store import open_store
from xsim.clock import FixedClock
from xsim.server.http import build_app, serve_app
from xsim.world.generate import generate_world
from xsim.world.generate_people import GenerateOptions

START = datetime(2026, 9, 1, 0, 0, tzinfo=UTC)  # the first run
WEEK = timedelta(days=7)
HOUR = timedelta(hours=1)
HISTORY = timedelta(days=90)  # the default history_days
# (posts a week, days of history before the first run, created years before the first post)
WORLDS = [
    (5, 30, False),
    (20, 60, False),
    (50, 90, False),
    (150, 60, False),
    (400, 90, False),
    (50, 180, False),
    (50, 180, True),
]


class StaticAuth:
    def __init__(self, token: str) -> None:
        self.token = token

    def authorization(self) -> str:
        return f"Bearer {self.token}"

    def after_unauthorized(self, sent: str) -> bool:
        return False


@dataclass
class Tally:
    estimated: float = 0
    actual: int = 0
    est_micros: int = 0
    act_micros: int = 0
    inside: int = 0
    runs: int = 0
    ratios: list[float] = field(default_factory=list)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else ("1.00" if a == 0 else "inf")


def measure(per_week: int, days: int, dormant: bool, seed: int, tmp: Path) -> list[str]:
    now = START + WEEK
    world = generate_world(
        GenerateOptions(seed=seed, users=2, days=days + 7, now=now, posts_per_week=per_week)
    )
    if not dormant:  # created when its posting began
        for user in world.users.values():
            user.created_at = now - timedelta(days=days + 7)
    for token in world.tokens:
        token.expires_at = now + timedelta(days=365)
    app = next(a for a in world.apps.values() if a.client_secret)
    clock = FixedClock(START)
    engine = open_store(f"sqlite:///{tmp / f'{per_week}-{days}-{dormant}.db'}")
    out: list[str] = []
    with serve_app(build_app(world, clock=clock)) as url:
        jobs, clients = [], []
        for token in world.tokens[:2]:
            user = world.users[token.user_id]
            log = CallLog()
            auth = StaticAuth(token.access_token)
            with XClient(url, auth, clock=clock.now) as signin:  # its read is not the run's
                me = signin.get_me(("id", "username", "created_at", "public_metrics"))
            # the user id as open_client gives it from the token store
            client = XClient(url, auth, on_call=log, clock=clock.now, user_id=me["id"])
            spec = AccountSpec(
                user.username.lower(),
                user.username,
                True,
                app.owner == user.id,
                me["public_metrics"]["tweet_count"],
                datetime.fromisoformat(me["created_at"].replace("Z", "+00:00")),
            )
            source = XClientSource(client, user.username, user_token=True)
            jobs.append(AccountJob(spec, source, f"user:{spec.name}", log))
            clients.append(client)
        prices = plan_prices("pay-per-use")
        runner = Runner(engine, slots("weekly"), prices=prices, clock=clock.now, history=HISTORY)

        def one_run() -> list[tuple[float, int, int, int, int, int]]:
            with engine.connect() as conn:
                plan = make_plan(
                    conn, [j.spec for j in jobs], runner.schedule, prices, 1e6, clock.now(), HISTORY
                )
            result = runner.run(jobs)
            if not result.ok:
                raise SystemExit(f"collect failed: {result.accounts}")
            out = []
            for p, r, job, client in zip(
                plan.accounts, result.accounts, jobs, clients, strict=True
            ):
                # what collect does after the runner: the last private read (service.py)
                done = collect_private(
                    engine, client, job.spec.name, str(client.user_id), user_context=True,
                    schedule=runner.schedule, clock=clock.now, calls=job.calls, prices=prices,
                    owned_reads=job.spec.owned_reads,
                )  # fmt: skip
                mean = p.timeline.mean if p.timeline.mean is not None else p.timeline.expected
                fine = p.reads - p.timeline.expected + mean  # unrounded, to sum over a week
                fine_m = p.micros + round((mean - p.timeline.expected) * p.post_micros)
                low = p.reads - p.timeline.expected + p.timeline.low
                out.append((fine, p.worst_reads, low, fine_m, r.reads + done.observations,
                            r.micros + done.micros))  # fmt: skip
            return out

        first = one_run()
        for (est, _high, _low, est_m, act, act_m), job in zip(first, jobs, strict=True):
            who = "owner" if job.spec.owns_app else "client"
            world_name = f"{per_week}/week, {days} days" + (", created years before" * dormant)
            out.append(
                f"| {world_name} | {who} | {job.spec.post_count:,} | first run | "
                f"{est:,.0f} | {act:,} | **{ratio(est, act)}** | ${est_m / MICRO:.3f} | "
                f"${act_m / MICRO:.3f} | **{ratio(est_m, act_m)}** |"
            )
        week = [Tally() for _ in jobs]
        for _ in range(int(WEEK / HOUR)):
            clock.advance(HOUR.total_seconds())
            for tally, (est, high, low, est_m, act, act_m) in zip(week, one_run(), strict=True):
                tally.estimated += est
                tally.actual += act
                tally.est_micros += est_m
                tally.act_micros += act_m
                tally.runs += 1
                tally.inside += low <= act <= high
        for tally, job in zip(week, jobs, strict=True):
            who = "owner" if job.spec.owns_app else "client"
            out.append(
                f"| | {who} | | 168 hourly runs ({tally.inside} of {tally.runs} inside the "
                f"range) | {tally.estimated:,.0f} | {tally.actual:,} | "
                f"**{ratio(tally.estimated, tally.actual)}** | ${tally.est_micros / MICRO:.3f} | "
                f"${tally.act_micros / MICRO:.3f} | "
                f"**{ratio(tally.est_micros, tally.act_micros)}** |"
            )
        for client in clients:
            client.close()
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    print(
        "| world | account | posts at sign-in | runs | reads estimated | reads actual | ratio "
        "| USD estimated | USD actual | ratio |"
    )
    print("|---|---|---:|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for per_week, days, dormant in WORLDS:
            for line in measure(per_week, days, dormant, args.seed, Path(tmp)):
                print(line, flush=True)


if __name__ == "__main__":
    main()
