"""Token refresh across machines: X rotates refresh tokens, so two machines refreshing one
account at once sign it out unless a lock both can see serialises them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from xpulse.accounts.tokens import FileTokenStore, TokenRecord
from xpulse.store import open_store
from xpulse.store.pg_locks import AdvisoryLock, LockTimeout
from xsim.clock import RealClock
from xsim.server.http import build_app, serve_app
from xsim.world.generate import generate_world
from xsim.world.generate_people import GenerateOptions
from xsim.world.model import World

pytestmark = pytest.mark.postgres

CHILD = Path(__file__).with_name("refresh_child.py")
SRC = Path(__file__).resolve().parents[3] / "src"


@pytest.fixture
def xsim() -> Iterator[tuple[str, World]]:
    now = datetime.now(UTC).replace(microsecond=0)
    world = generate_world(GenerateOptions(seed=3, users=1, days=3, now=now))
    with serve_app(build_app(world, clock=RealClock())) as url:
        yield url, world


def _machines(url: str, world: World, tmp_path: Path, db: str) -> list[str]:
    """Two "machines" refreshing the same expired token at once; their outputs."""
    token = world.tokens[0]
    app = next(a for a in world.apps.values() if a.client_id == token.client_id)
    shared = tmp_path / "tokens"
    FileTokenStore(shared).save(
        TokenRecord(
            account="main", access_token=token.access_token, refresh_token=token.refresh_token,
            expires_at=datetime.now(UTC) - timedelta(minutes=1), client_id=app.client_id,
            api_base=url,
        )
    )  # fmt: skip
    children = []
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    for i in range(2):
        home = tmp_path / f"machine{i}"
        home.mkdir()
        env = {
            **os.environ, "PYTHONPATH": str(SRC), "XPULSE_HOME": str(home),
            "XPULSE_CLIENT_SECRET": app.client_secret or "", "BARRIER_DIR": str(barrier),
        }  # fmt: skip
        children.append(
            subprocess.Popen(
                [sys.executable, str(CHILD), url, app.client_id, str(shared), db, "main"],
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    for child in children:  # both ready: go at once
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    return [child.communicate(timeout=60)[0].strip() for child in children]


def test_the_postgresql_lock_lets_one_machine_refresh(
    xsim: tuple[str, World], tmp_path: Path, pg_url: str
) -> None:
    open_store(pg_url).dispose()
    url, world = xsim
    first, second = _machines(url, world, tmp_path, pg_url)
    assert first == second  # one refresh: the other machine waited and used its token
    assert not first.startswith("needs sign-in")
    stored = FileTokenStore(tmp_path / "tokens").load("main")
    assert stored is not None and stored.access_token == first and not stored.needs_sign_in


def test_without_it_the_second_refresh_signs_the_account_out(
    xsim: tuple[str, World], tmp_path: Path
) -> None:
    """The failure the lock prevents: each machine's file lock is its own."""
    url, world = xsim
    outputs = _machines(url, world, tmp_path, "-")
    assert sum(out.startswith("needs sign-in") for out in outputs) == 1


def test_a_held_lock_times_out_in_another_session(pg_url: str) -> None:
    engine = open_store(pg_url)
    try:
        with AdvisoryLock(engine, "token:main"):
            with pytest.raises(LockTimeout), AdvisoryLock(engine, "token:main", timeout=0.2):
                pass
            with AdvisoryLock(engine, "token:other", timeout=0.2):
                pass  # another account's lock is free
        with AdvisoryLock(engine, "token:main", timeout=0.2):
            pass  # released
    finally:
        engine.dispose()
