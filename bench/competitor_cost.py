"""The competitor cost shown before ``xpulse competitors add``, against what a month cost.

For each seed: an xsim world (over HTTP, on a fixed clock that the bench moves) whose
users post for ``--days`` before the start and 30 days after it. One user is a competitor,
read with the app bearer token. At the start, the estimate is made exactly as the command
makes it (:func:`xpulse.collect.competitors.estimate` on the user object X returns and
the times of its 20 newest posts). Then
the collector runs once a day for 30 days (the first run is the first sweep, reported
apart), and the month's recorded cost (``api_calls.cost_micros``, the same figures the
xsim ledger bills) is compared with the monthly estimate.

    PYTHONPATH=src .venv/bin/python bench/competitor_cost.py --seeds 1 2 3 4 5
"""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from xpulse.api.client import XClient
from xpulse.collect.calllog import CallLog
from xpulse.collect.competitors import LOOKUP_FIELDS, estimate, post_times, sample_posts
from xpulse.collect.planner import AccountSpec
from xpulse.collect.pricing import DEFAULT_PRICES
from xpulse.collect.refresh_slots import slots
from xpulse.collect.runner import AccountJob, Runner
from xpulse.collect.source import XClientSource
from xpulse.store import open_store
from xpulse.store.schema import api_calls
from xsim.clock import FixedClock
from xsim.server.http import build_app, serve_app
from xsim.world.generate import GenerateOptions, generate_world

START = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
MONTH_DAYS = 30


class Bearer:
    def __init__(self, token: str) -> None:
        self.token = token

    def authorization(self) -> str:
        return f"Bearer {self.token}"

    def after_unauthorized(self, sent: str) -> bool:
        return False


def one(seed: int, days: int, per_week: float, history_days: int, folder: Path) -> dict[str, float]:
    world = generate_world(
        GenerateOptions(seed, 2, days + MONTH_DAYS, START + timedelta(days=MONTH_DAYS), per_week)
    )
    rival = sorted(world.users.values(), key=lambda u: u.id)[0]
    app = next(a for a in world.apps.values() if a.bearer_tokens)
    clock = FixedClock(START)
    schedule = slots("weekly")
    engine = open_store(f"sqlite:///{folder / f'cost-{seed}.db'}")
    with serve_app(build_app(world, clock=clock)) as url:
        log = CallLog()
        client = XClient(url, Bearer(app.bearer_tokens[0]), on_call=log, clock=clock.now)
        user = client.get_user_by_username(rival.username, LOOKUP_FIELDS)
        recent = post_times(sample_posts(client, str(user["id"])))  # as `competitors add`
        guess = estimate(user, clock.now(), schedule, DEFAULT_PRICES, history_days, recent)
        log.drain()
        spec = AccountSpec("competitor_" + rival.username.lower(), rival.username, False)
        job = AccountJob(spec, XClientSource(client, rival.username, user_token=False), "app", log)
        runner = Runner(engine, schedule, clock=clock.now, history=timedelta(days=history_days))
        assert runner.run([job]).ok
        first_end = clock.now()
        for _ in range(MONTH_DAYS):
            clock.advance(timedelta(days=1).total_seconds())
            assert runner.run([job]).ok
        client.close()
    with engine.connect() as conn:
        first = conn.execute(
            select(func.sum(api_calls.c.cost_micros)).where(api_calls.c.at <= first_end)
        ).scalar_one()
        month = conn.execute(
            select(func.sum(api_calls.c.cost_micros)).where(api_calls.c.at > first_end)
        ).scalar_one()
    engine.dispose()
    return {
        "seed": seed,
        "estimate_usd": guess.monthly_micros / 1e6,
        "actual_usd": (month or 0) / 1e6,
        "ratio": round(guess.monthly_micros / month, 2) if month else float("nan"),
        "first_sweep_estimate_usd": guess.first_sweep_micros / 1e6,
        "first_sweep_actual_usd": (first or 0) / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--days", type=int, default=120, help="History before the start.")
    parser.add_argument("--posts-per-week", type=float, default=14.0)
    parser.add_argument("--history-days", type=int, default=90)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            row = one(seed, args.days, args.posts_per_week, args.history_days, Path(tmp))
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
