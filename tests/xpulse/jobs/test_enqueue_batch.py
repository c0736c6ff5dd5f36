"""A large batch of jobs is queued with the job table's statistics brought up to date:
the workers' fetch of the next job is planned on them (2,000 waiting jobs planned on an
empty table's statistics: 65-99 ms a fetch, under 1 ms once analysed; bench/fresh_plans.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from xpulse.config.settings import AccountConfig
from xpulse.jobs.app import make_app
from xpulse.jobs.engine import ensure_schema
from xpulse.jobs.queue import ANALYSE_AFTER, enqueue_all

pytestmark = pytest.mark.postgres


def _queue(url: str, accounts: int) -> object:
    engine = create_engine(url)
    try:
        ensure_schema(engine)
        app = make_app(url)
        with app.open():
            names = [AccountConfig(name=f"a{i}", username=f"a{i}") for i in range(accounts)]
            queued = enqueue_all(app, "collect", names)
        assert all(q.job_id is not None for q in queued)
        with engine.connect() as conn:
            return conn.execute(
                text(
                    "SELECT last_analyze FROM pg_stat_user_tables "
                    "WHERE relname = 'procrastinate_jobs'"
                )
            ).scalar_one()
    finally:
        engine.dispose()


def test_a_large_batch_is_analysed(pg_url: str) -> None:
    assert _queue(pg_url, ANALYSE_AFTER) is not None


def test_a_few_jobs_are_not(pg_url: str) -> None:
    assert _queue(pg_url, 3) is None
