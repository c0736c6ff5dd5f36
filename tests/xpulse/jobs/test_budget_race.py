"""The monthly budget and the plan's post-read cap held in PostgreSQL: several processes
spending or reading at once never pass them together, and a process killed with a
reservation in flight does not open a hole."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import weakref
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from xpulse.collect.budget import Budget
from xpulse.collect.ledger_budget import LedgerBudget, shared_budget
from xpulse.errors import BudgetExceeded
from xpulse.store import open_store

pytestmark = pytest.mark.postgres

CHILD = Path(__file__).with_name("ledger_child.py")
SRC = Path(__file__).resolve().parents[3] / "src"
LIMIT = 1_500_000  # $1.50: about 25 calls of the ~$0.06 the children reserve
CAP = 1_500  # post reads: about 25 calls of the ~60 posts the children reserve


def _spawn(
    url: str, seed: int, calls: int, *extra: str, limit: int = LIMIT
) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.Popen(
        [sys.executable, str(CHILD), url, str(limit), str(calls), str(seed), *extra],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _spent(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        total = conn.execute(text("SELECT coalesce(sum(cost_micros), 0) FROM api_calls"))
        value = int(total.scalar_one())
    engine.dispose()
    return value


def _reads(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        value = int(
            conn.execute(text("SELECT coalesce(sum(reads), 0) FROM api_calls")).scalar_one()
        )
    engine.dispose()
    return value


def _ledger(url: str) -> tuple[int, int]:
    engine = open_store(url)
    try:
        budget = shared_budget(engine, Budget(LIMIT, 0), datetime.now(UTC))
        assert isinstance(budget, LedgerBudget)
        return budget.ledger.spent()
    finally:
        engine.dispose()


def test_four_processes_never_pass_the_budget_together(pg_url: str) -> None:
    open_store(pg_url).dispose()  # the schema, before the children race to it
    children = [_spawn(pg_url, seed, 30) for seed in range(4)]
    outs = [c.communicate(timeout=120) for c in children]
    assert [c.returncode for c in children] == [0, 0, 0, 0], outs
    refused = sum(int(out.split()[-1]) for out, _ in outs)
    assert refused > 0  # 120 calls asked for far more than the budget: many were refused
    spent = _spent(pg_url)
    assert 0 < spent <= LIMIT
    # the ledger's settled spend is the store's, to the micro-dollar; nothing in flight
    assert _ledger(pg_url) == (spent, 0)


def test_four_processes_never_pass_the_plans_read_cap_together(pg_url: str) -> None:
    # A basic plan: reads cost nothing, so only the monthly cap of post reads binds.
    open_store(pg_url).dispose()
    children = [_spawn(pg_url, seed, 30, "cap", limit=CAP) for seed in range(4)]
    outs = [c.communicate(timeout=120) for c in children]
    assert [c.returncode for c in children] == [0, 0, 0, 0], outs
    refused = sum(int(out.split()[-1]) for out, _ in outs)
    assert refused > 0  # 120 calls of ~60 posts asked for far more than the cap
    reads = _reads(pg_url)
    assert 0 < reads <= CAP
    assert _spent(pg_url) == 0
    engine = open_store(pg_url)
    try:
        budget = shared_budget(engine, Budget(None, 0, read_cap=CAP), datetime.now(UTC))
        assert isinstance(budget, LedgerBudget)
        # the ledger's settled reads are the store's, post for post; nothing in flight
        assert budget.ledger.reads() == (reads, 0)
        budget.reserve(0, CAP - reads)  # what is left of the cap fits, one post more does not
        with pytest.raises(BudgetExceeded, match=rf"could read 1 posts: {reads:,} post reads"):
            budget.reserve(0, 1)
        budget.settle(0, 0, CAP - reads, 0)
        budget.ledger.close()
    finally:
        engine.dispose()


def test_a_spender_killed_with_a_hold_in_flight(pg_url: str) -> None:
    open_store(pg_url).dispose()
    doomed = _spawn(pg_url, 9, 1, "hold-forever")
    assert doomed.stdout is not None
    assert doomed.stdout.readline().strip() == "holding"
    others = [_spawn(pg_url, seed, 40) for seed in range(2)]
    doomed.send_signal(signal.SIGKILL)
    doomed.communicate(timeout=30)
    for child in others:
        _out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
    spent = _spent(pg_url)
    assert 0 < spent <= LIMIT
    # once nothing is in flight, the dead hold's charge gives way to what was stored
    assert _ledger(pg_url) == (spent, 0)


def test_a_process_holds_one_ledger_session_however_many_jobs(pg_url: str) -> None:
    """A worker's jobs each have a ledger; their holds all ride one session of the process
    (one connection, not one a job: a worker of 16 jobs on a server of 100 connections)."""
    engine = open_store(pg_url)
    try:
        now = datetime.now(UTC)
        jobs = [LedgerBudget(engine, None, now) for _ in range(5)]
        for budget in jobs:
            budget.reserve(1_000)  # a hold in flight for each job
        assert engine.pool.checkedout() == 1  # type: ignore[attr-defined]
        with engine.connect() as conn:
            holders = conn.execute(
                text("SELECT count(DISTINCT holder_pid), count(*) FROM xpulse_budget_holds")
            ).one()
        assert tuple(holders) == (1, 5)
        for budget in jobs:
            budget.settle(1_000, 500)
        assert jobs[0].ledger.spent() == (2_500, 0)
    finally:
        engine.dispose()  # gives the session back first: no connection left open


def test_a_disposed_engine_and_its_session_are_let_go(pg_url: str) -> None:
    engine = open_store(pg_url)
    budget = LedgerBudget(engine, None, datetime.now(UTC))
    budget.reserve(1_000)
    budget.settle(1_000, 0)
    engine.dispose()
    gone = weakref.ref(engine)
    del engine, budget
    gc.collect()
    assert gone() is None  # the process's session does not keep its engine alive
