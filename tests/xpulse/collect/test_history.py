"""A new account's first collect reaches back ``history_days`` (90 by default), in two
windows: posts under 29 days with private fields, older ones without, each read once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from xpulse.collect.planner import AccountSpec, make_plan
from xpulse.collect.pricing import DEFAULT_PRICES
from xpulse.collect.refresh_slots import slots
from xpulse.collect.runner import BACKFILL, HISTORY_JOB
from xpulse.config.settings import parse_config
from xpulse.errors import ConfigError
from xpulse.store.schema import checkpoints, observations, posts
from xsim.clock import FixedClock
from xsim.server.http import build_app, serve_app

from .conftest import T0, Sim, count, make_world, serve, snapshot
from .test_kill_resume import CHILD, SRC, KillOnRequest, _finish

HISTORY = timedelta(days=90)


def _world() -> Any:
    # posts from 100 days before T0: some lie beyond the 90-day reach
    return make_world(seed=33, posts_per_week=60, days=110)


def _expected(sim: Sim, reach: timedelta) -> dict[str, Any]:
    """The users' visible posts of the last ``reach``, by id, with their creation time."""
    now = sim.now()
    users = {t.user_id for t in sim.world.tokens}
    return {
        p.id: p.created_at
        for p in sim.world.posts.values()
        if p.author_id in users and not p.deleted and now - reach <= p.created_at <= now
    }


def test_first_collect_reads_90_days_once_with_private_metrics_only_under_30(
    tmp_path: Path,
) -> None:
    with serve(_world()) as sim:
        engine = sim.store(tmp_path / "a.db")
        jobs = sim.jobs()
        first = sim.runner(engine, history=HISTORY).run(jobs)
        assert first.ok, first.accounts
        expected = _expected(sim, HISTORY)
        assert len(_expected(sim, timedelta(days=110))) > len(expected)  # some out of reach
        assert any(sim.now() - c > timedelta(days=60) for c in expected.values())
        with engine.connect() as conn:
            stored = set(conn.execute(select(posts.c.id)).scalars())
            obs = conn.execute(
                select(observations.c.post_id, observations.c.organic_impressions)
            ).all()
            since = set(
                conn.execute(
                    select(checkpoints.c.since_id).where(checkpoints.c.job == "timeline")
                ).scalars()
            )
        assert stored == set(expected)
        assert len(obs) == len(stored)  # one read each
        recent = {i for i, c in expected.items() if sim.now() - c <= BACKFILL}
        assert 0 < len(recent) < len(stored)
        for post_id, organic in obs:  # private metrics exactly on the posts under 29 days
            assert (organic is not None) == (post_id in recent), post_id
        assert None not in since  # every first sweep completed and moved since_id

        ledger = sim.ledger()
        reads = Counter(e["resource_id"] for e in ledger["entries"] if e["resource_type"] == "post")
        assert set(reads) == stored
        assert max(reads.values()) == 1  # no post read twice

        second = sim.runner(engine, history=HISTORY).run(jobs)
        assert second.ok
        assert sum(a.reads for a in second.accounts) == 0
        assert count(engine, observations) == len(stored)


def test_a_short_history_stays_in_one_window(sim: Sim, tmp_path: Path) -> None:
    engine = sim.store(tmp_path / "a.db")
    result = sim.runner(engine, history=timedelta(days=10)).run(sim.jobs())
    assert result.ok
    with engine.connect() as conn:
        stored = set(conn.execute(select(posts.c.id)).scalars())
        jobs = set(conn.execute(select(checkpoints.c.job)).scalars())
    assert stored == set(_expected(sim, timedelta(days=10)))
    assert jobs == {"timeline"}


def test_the_plan_states_the_first_sweep_window(tmp_path: Path) -> None:
    from .collect_world import sqlite_store

    engine = sqlite_store(tmp_path / "p.db")
    try:
        with engine.connect() as conn:
            specs = [AccountSpec("own", "own", True), AccountSpec("other", "other", False)]
            plan = make_plan(conn, specs, slots("weekly"), DEFAULT_PRICES, 100.0, T0, HISTORY)
            short = make_plan(conn, specs[:1], slots("weekly"), DEFAULT_PRICES, 100.0, T0)
    finally:
        engine.dispose()
    own, other = plan.lines()[:2]
    assert "first sweep (last 90 days, private fields for the last 29): ~3,200 (0-3,200)" in own
    assert "first sweep (last 90 days): ~3,200 (0-3,200) posts" in other
    assert "first sweep (last 29 days)" in short.lines()[0]


def test_history_days_is_validated(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    assert parse_config({}, path).history_days == 90
    assert parse_config({"history_days": 365}, path).history_days == 365
    for bad in (0, 3651):
        with pytest.raises(ConfigError, match="history_days"):
            parse_config({"history_days": bad}, path)


def _spawn(url: str, db: Path, now: str, accounts: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    argv = [sys.executable, str(CHILD), url, str(db), now, accounts, str(HISTORY.days)]
    return subprocess.Popen(
        argv,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _history_in_flight(db: Path) -> bool:
    from .collect_world import sqlite_store

    engine = sqlite_store(db)
    try:
        with engine.connect() as conn:
            tokens = conn.execute(
                select(checkpoints.c.pagination_token).where(checkpoints.c.job == HISTORY_JOB)
            ).scalars()
            return any(t is not None for t in tokens)
    finally:
        engine.dispose()


def test_sigkill_in_the_older_window_then_resume_matches_a_clean_run(tmp_path: Path) -> None:
    with serve(_world()) as sim:
        clean = sim.store(tmp_path / "clean.db")
        assert sim.runner(clean, history=HISTORY).run(sim.jobs()).ok
        expected = snapshot(clean)

    world = _world()
    clock = FixedClock(T0)
    killer = KillOnRequest(build_app(world, clock=clock))
    accounts = json.dumps([[t.access_token, world.users[t.user_id].username] for t in world.tokens])
    db = tmp_path / "killed.db"
    now = clock.now().isoformat()
    with serve_app(killer) as url:
        child = _spawn(url, db, now, accounts)
        killer.arm(child.pid, 5)  # 2 user lookups, then older-window pages
        out, err = _finish(child)
        assert child.returncode == -signal.SIGKILL, f"not killed: {out} {err[-2000:]}"
        assert _history_in_flight(db)  # it died inside the older window
        resumed = _spawn(url, db, now, accounts)
        out, err = _finish(resumed)
        assert resumed.returncode == 0, err[-2000:]
        again = _spawn(url, db, now, accounts)
        out, err = _finish(again)
        assert again.returncode == 0, err[-2000:]
        assert " 0 reads, $0.000" in out

    sim = Sim(url, world, clock, None)
    engine = sim.store(db)
    try:
        assert snapshot(engine) == expected
        assert count(engine, observations) == len(expected[1])
    finally:
        engine.dispose()
