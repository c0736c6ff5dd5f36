"""``xpulse collect``'s private pass: promoted metrics collected, and the last private read
of each own post lands between day 29 and 30 (the runner alone reads it publicly then)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import select
from xpulse_private_world import ALICE_TOKEN, NOW, PROMOTED, StaticAuth, make_world

from xpulse.api.client import XClient
from xpulse.collect.calllog import CallLog
from xpulse.collect.planner import AccountSpec
from xpulse.collect.refresh_slots import slots
from xpulse.collect.runner import AccountJob, Runner
from xpulse.collect.source import XClientSource
from xpulse.config.settings import Config
from xpulse.operations.collect import last_private_reads
from xpulse.store import open_store
from xpulse.store.schema import observations
from xsim.clock import FixedClock
from xsim.server.http import build_app, serve_app


def test_collect_run_then_last_private_read(tmp_path: Path) -> None:
    clock = FixedClock(NOW)
    engine = open_store(f"sqlite:///{tmp_path / 'c.db'}")
    prepared = SimpleNamespace(config=Config(), engine=engine, prices=None)
    with serve_app(build_app(make_world(), clock=clock)) as url:
        log = CallLog()
        client = XClient(url, StaticAuth(f"Bearer {ALICE_TOKEN}"), on_call=log, clock=clock.now)
        job = AccountJob(
            AccountSpec("alice", "alice", True),
            XClientSource(client, "alice", user_token=True),
            "user:alice",
            log,
        )

        def run() -> None:
            runner = Runner(engine, slots("weekly"), clock=clock.now)
            result = runner.run([job])
            assert result.ok, result.accounts
            last_private_reads(prepared, [job], result, clock.now)  # type: ignore[arg-type]

        def promoted_rows() -> list[tuple[object, ...]]:
            with engine.connect() as conn:
                cols = (observations.c.observed_at, observations.c.organic_impressions,
                        observations.c.promoted_impressions)  # fmt: skip
                stmt = select(*cols).where(observations.c.post_id == PROMOTED)
                return [tuple(r) for r in conn.execute(stmt.order_by(observations.c.id))]

        run()
        first = promoted_rows()
        assert len(first) == 1 and first[0][2] == 250  # promoted metrics from the sweep
        clock.advance(timedelta(days=19, hours=12).total_seconds())  # PROMOTED ~29.5 days
        run()
        rows = promoted_rows()
        assert len(rows) == 2 and rows[-1][1] is not None  # a private read at day 29.5
        client.close()
    engine.dispose()


def test_the_last_private_read_is_planned_priced_and_held_to_the_budget(tmp_path: Path) -> None:
    from xpulse.collect.budget import Budget
    from xpulse.collect.planner import make_plan
    from xpulse.collect.pricing import DEFAULT_PRICES

    clock = FixedClock(NOW)
    engine = open_store(f"sqlite:///{tmp_path / 'p.db'}")
    prepared = SimpleNamespace(config=Config(), engine=engine, prices=DEFAULT_PRICES)
    spec = AccountSpec("alice", "alice", True)
    with serve_app(build_app(make_world(), clock=clock)) as url:
        log = CallLog()
        client = XClient(url, StaticAuth(f"Bearer {ALICE_TOKEN}"), on_call=log, clock=clock.now)
        job = AccountJob(spec, XClientSource(client, "alice", user_token=True), "user:alice", log)
        runner = Runner(engine, slots("weekly"), clock=clock.now)
        assert runner.run([job]).ok
        clock.advance(timedelta(days=19, hours=12).total_seconds())  # PROMOTED ~29.5 days

        with engine.connect() as conn:
            plan = make_plan(conn, [spec], slots("weekly"), DEFAULT_PRICES, 10.0, clock.now())
        account = plan.accounts[0]
        assert PROMOTED in account.private_ids and PROMOTED not in account.refresh_ids
        assert account.private_billable == len(account.private_ids)
        # a day later: today's profile counts are one user read
        profile = account.user_reads * DEFAULT_PRICES.user_micros
        refresh_only = (account.refresh_billable + account.timeline_posts) * 1_000 + profile
        assert account.micros == refresh_only + account.private_billable * 1_000  # own: $0.001
        assert plan.reads == account.user_reads + account.timeline_posts + len(
            account.refresh_ids
        ) + len(account.private_ids)
        assert f"last private read {len(account.private_ids)} posts" in plan.lines()[0]

        # The refresh is paid for; the private pass would pass the budget: it is not made.
        result = runner.run([job])
        assert result.ok
        spent = result.accounts[0].micros
        tight = Budget(limit_micros=spent + 500, spent_micros=spent)  # < one post's price
        last_private_reads(prepared, [job], result, clock.now, tight)  # type: ignore[arg-type]
        assert "private metrics: stopped before a call" in (result.accounts[0].error or "")
        assert tight.spent == spent and tight._reserved == 0
        with engine.connect() as conn:
            stmt = select(observations.c.organic_impressions).where(
                observations.c.post_id == PROMOTED
            )
            organic = [r for (r,) in conn.execute(stmt.order_by(observations.c.id))]
        assert len(organic) == 1  # only the first sweep's: no private read was made
        # With room in the budget the same pass makes it.
        result.accounts[0].error = None
        last_private_reads(prepared, [job], result, clock.now, Budget(None, spent))  # type: ignore[arg-type]
        assert result.accounts[0].error is None
        with engine.connect() as conn:
            organic = [r for (r,) in conn.execute(stmt.order_by(observations.c.id))]
        assert len(organic) == 2 and organic[1] is not None
        client.close()
    engine.dispose()
