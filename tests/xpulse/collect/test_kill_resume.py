"""Nothing lost: a collect process SIGKILLed mid-run, then run again, ends with exactly the
posts and observations of a run that was never interrupted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from xpulse.store.schema import observations
from xsim.clock import FixedClock
from xsim.server.http import build_app, serve_app

from .conftest import T0, Sim, count, make_world, serve, snapshot

CHILD = Path(__file__).with_name("collect_child.py")
SRC = Path(__file__).resolve().parents[3] / "src"


class KillOnRequest:
    """ASGI wrapper: SIGKILLs the collecting process when its n-th API request arrives, so
    it dies with some pages committed and one in flight."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.pid: int | None = None
        self.kill_at = 0
        self.seen = 0

    def arm(self, pid: int, kill_at: int) -> None:
        self.pid, self.kill_at, self.seen = pid, kill_at, 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/2/") and self.pid:
            self.seen += 1
            if self.seen == self.kill_at:
                os.kill(self.pid, signal.SIGKILL)
                self.pid = None
        await self.app(scope, receive, send)


# Only a bound for a hung child, never a pace the test relies on: a loaded CI machine may
# take many times the usual few seconds (each child imports the world, then collects).
CHILD_TIMEOUT = 600


def _spawn(url: str, db: Path, now: str, accounts: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.Popen(
        [sys.executable, str(CHILD), url, str(db), now, accounts],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(child: subprocess.Popen[str]) -> tuple[str, str]:
    """Let the child start (it waits for a line on stdin) and wait for it to end."""
    try:
        return child.communicate("go\n", timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise


@pytest.fixture(scope="module")
def clean_twin(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The store after the same two runs, never interrupted."""
    with serve(make_world(seed=21, posts_per_week=80)) as sim:
        engine = sim.store(tmp_path_factory.mktemp("clean") / "clean.db")
        assert sim.runner(engine).run(sim.jobs()).ok
        sim.advance(timedelta(days=8))
        assert sim.runner(engine).run(sim.jobs()).ok
        return snapshot(engine)


@pytest.mark.parametrize("kills", [(3, 4), (5, 2)])
def test_sigkill_mid_run_then_resume_matches_a_clean_run(
    tmp_path: Path, kills: tuple[int, int], clean_twin: Any
) -> None:
    expected = clean_twin
    world = make_world(seed=21, posts_per_week=80)
    clock = FixedClock(T0)
    killer = KillOnRequest(build_app(world, clock=clock))
    accounts = json.dumps([[t.access_token, world.users[t.user_id].username] for t in world.tokens])
    db = tmp_path / "killed.db"
    with serve_app(killer) as url:
        for phase, kill_at in enumerate(kills):
            now = clock.now().isoformat()
            child = _spawn(url, db, now, accounts)
            killer.arm(child.pid, kill_at)  # before the child may send anything
            out, err = _finish(child)
            assert child.returncode == -signal.SIGKILL, f"not killed: {out} {err[-2000:]}"
            resumed = _spawn(url, db, now, accounts)
            out, err = _finish(resumed)
            assert resumed.returncode == 0, err[-2000:]
            if phase == 0:
                clock.advance(timedelta(days=8).total_seconds())
        # straight after, a run reads nothing it does not need
        again = _spawn(url, db, clock.now().isoformat(), accounts)
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
