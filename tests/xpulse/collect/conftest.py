"""Collect fixtures: xsim over real HTTP with a clock the test moves, and a runner wired to it.

The test and xsim share one :class:`FixedClock`: the runner stamps observations and bills
with it, xsim serves metrics and bills at the same instant, so two runs at the same instant
must store exactly the same thing.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from xpulse.api.client import XClient
from xpulse.collect.refresh_slots import slots
from xpulse.collect.runner import AccountJob, Runner
from xpulse.store import open_store
from xpulse.store import queries as q
from xpulse.store.schema import observations, posts
from xsim.clock import FixedClock
from xsim.server.http import build_app, serve_app
from xsim.world.model import World

from .collect_world import T0, accounts_of, make_world, sqlite_store, user_jobs

sys.path.insert(0, str(Path(__file__).parent))  # the private-metrics world, by module name

import xpulse_private_world as private_world

__all__ = ["T0", "make_world"]  # re-exported for the tests: `from .conftest import T0`


@dataclass
class Sim:
    url: str
    world: World
    clock: FixedClock
    app: Any
    engines: list[Engine] = field(default_factory=list)
    clients: list[XClient] = field(default_factory=list)

    def now(self) -> datetime:
        return self.clock.now()

    def advance(self, delta: timedelta) -> None:
        self.clock.advance(delta.total_seconds())

    def ledger(self) -> dict[str, Any]:
        return httpx.get(f"{self.url}/_sim/ledger", timeout=10).json()  # type: ignore[no-any-return]

    def store(self, path: Path) -> Engine:
        engine = sqlite_store(path)
        self.engines.append(engine)
        return engine

    def jobs(self, sleep: Callable[[float], None] = lambda s: None) -> list[AccountJob]:
        jobs, clients = user_jobs(
            self.url, accounts_of(self.world), self.now, sleep=sleep, max_retries=6
        )
        self.clients.extend(clients)
        return jobs

    def runner(self, engine: Engine, schedule: str = "weekly", **kw: Any) -> Runner:
        return Runner(engine, slots(schedule), clock=self.now, **kw)


class PathCounter:
    """ASGI wrapper counting requests per path (e.g. token refreshes)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.hits: Counter[str] = Counter()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.hits[scope["path"]] += 1
        await self.app(scope, receive, send)


@contextmanager
def serve(world: World, **opts: Any) -> Iterator[Sim]:
    clock = FixedClock(T0)
    app = PathCounter(build_app(world, clock=clock, **opts))
    with serve_app(app) as url:
        sim = Sim(url, world, clock, app)
        try:
            yield sim
        finally:
            for client in sim.clients:
                client.close()
            for engine in sim.engines:
                engine.dispose()


@pytest.fixture
def sim() -> Iterator[Sim]:
    with serve(make_world()) as s:
        yield s


@pytest.fixture
def live() -> Iterator[private_world.Live]:
    """xsim serving the private-metrics world at its fixed instant."""
    world = private_world.make_world()
    with serve_app(build_app(world, clock=FixedClock(private_world.NOW))) as url:
        yield private_world.Live(url, world)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A SQLite store holding alice's account, with her user id known."""
    engine = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as conn:
        q.ensure_account(conn, "alice", "alice", private_world.NOW)
        q.set_user_id(conn, "alice", private_world.ALICE, private_world.NOW)
    yield engine
    engine.dispose()


def snapshot(engine: Engine) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Posts and observations as comparable rows: ids, times and values; not surrogate keys,
    nor the endpoint (a post a page left out is fetched by id: same read, other source)."""
    with engine.connect() as conn:
        p = [
            tuple(r)
            for r in conn.execute(
                select(posts.c.id, posts.c.account, posts.c.text).order_by(posts.c.id)
            )
        ]
        cols = [c for c in observations.columns if c.name not in ("id", "source")]
        order = (observations.c.post_id, observations.c.observed_at)
        o = [tuple(r) for r in conn.execute(select(*cols).order_by(*order))]
    return p, o


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())
