"""Issue 6 fixtures: the small world of ``xpulse_issue6_support``, served on 127.0.0.1."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).parent / "helpers"))

from xpulse_issue6_support import ALICE, NOW, Live, make_world

from xpulse.store import open_store
from xpulse.store import queries as q
from xsim.clock import FixedClock
from xsim.server.http import build_app, serve_app

_ = timedelta


@pytest.fixture
def live() -> Iterator[Live]:
    world = make_world()
    with serve_app(build_app(world, clock=FixedClock(NOW))) as url:
        yield Live(url, world)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    with eng.begin() as conn:
        q.ensure_account(conn, "alice", "alice", NOW)
        q.set_user_id(conn, "alice", ALICE, NOW)
    yield eng
    eng.dispose()
