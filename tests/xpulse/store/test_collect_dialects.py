"""The collector writes the same store on SQLite and PostgreSQL (xsim over HTTP)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Engine, func, select

from xpulse.collect.planner import month_start, next_month_start
from xpulse.store import queries
from xpulse.store.schema import observations, posts

from ..collect.conftest import T0, make_world, serve


def test_collect_twice_on_each_dialect(store_url: str, open_db: Callable[[str], Engine]) -> None:
    engine = open_db(store_url)
    with serve(make_world(seed=31)) as sim:
        jobs = sim.jobs()
        assert sim.runner(engine).run(jobs).ok
        sim.advance(timedelta(days=8))
        assert sim.runner(engine).run(jobs).ok
        again = sim.runner(engine).run(jobs)
        ledger = sim.ledger()["totals"]
    assert sum(a.reads for a in again.accounts) == 0  # straight after: nothing to read
    with engine.connect() as conn:
        n_posts = conn.execute(select(func.count()).select_from(posts)).scalar_one()
        n_obs = conn.execute(select(func.count()).select_from(observations)).scalar_one()
        spent = queries.spent_micros(conn, month_start(T0), next_month_start(T0))
    assert n_obs == ledger["post_reads"] and n_obs > n_posts > 100
    assert spent == round(ledger["cost_usd"] * 1_000_000)
