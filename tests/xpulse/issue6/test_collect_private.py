"""``xpulse collect``'s private pass: promoted metrics collected, and the last private read
of each own post lands between day 29 and 30 (the runner alone reads it publicly then)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from issue6_support import ALICE_TOKEN, NOW, PROMOTED, StaticAuth, make_world
from sqlalchemy import select

from xpulse.api.client import XClient
from xpulse.collect.calllog import CallLog
from xpulse.collect.planner import AccountSpec
from xpulse.collect.private import last_private_reads
from xpulse.collect.runner import AccountJob, Runner
from xpulse.collect.schedule import slots
from xpulse.collect.source import XClientSource
from xpulse.config import Config
from xpulse.store import open_store
from xpulse.store.schema import observations
from xsim.clock import FixedClock
from xsim.server import build_app, serve_app


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
