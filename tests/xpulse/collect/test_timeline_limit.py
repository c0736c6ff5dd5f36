"""A first sweep that reaches X's 3,200-post limit says which dates are out of reach."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from xpulse.collect.planner import TIMELINE_LIMIT
from xpulse.collect.refresh_slots import slots
from xpulse.collect.runner import Runner
from xsim.clock import FixedClock
from xsim.server.http import build_app, serve_app

from .collect_world import T0, accounts_of, make_world, sqlite_store, user_jobs


def test_the_run_summary_names_what_the_limit_left_out(tmp_path: Path) -> None:
    # ~40 posts a day for 90 days: about 3,600 posts, 3,200 of them reachable
    world = make_world(users=1, posts_per_week=280, now=T0, days=90)
    author = world.tokens[0].user_id
    mine = sorted(
        (p for p in world.posts.values() if p.author_id == author and p.created_at <= T0),
        key=lambda p: p.created_at,
    )
    assert len(mine) > TIMELINE_LIMIT
    oldest_reachable = mine[-TIMELINE_LIMIT].created_at
    clock = FixedClock(T0)
    engine = sqlite_store(tmp_path / "l.db")
    with serve_app(build_app(world, clock=clock)) as url:
        jobs, clients = user_jobs(url, accounts_of(world), clock.now)
        runner = Runner(engine, slots("weekly"), clock=clock.now, history=timedelta(days=90))
        result = runner.run(jobs)
        for client in clients:
            client.close()
    engine.dispose()
    assert result.ok
    notice = result.accounts[0].notice
    assert notice is not None
    start = (T0 - timedelta(days=90)).date().isoformat()
    assert f"posts from {start} to {oldest_reachable.date().isoformat()} are out of reach" in (
        notice
    )
    assert "xpulse backfill --help" in notice
    assert notice in result.summary()
