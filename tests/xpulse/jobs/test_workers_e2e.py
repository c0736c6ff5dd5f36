"""Workers end to end: real ``xpulse enqueue`` and ``xpulse worker`` processes, xsim on
the real clock over HTTP, one PostgreSQL for the store and the queue."""

from __future__ import annotations

import json

import pytest

from .conftest import FleetFactory

pytestmark = pytest.mark.postgres


def _posts_by_account(fleet) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    rows = fleet.sql("SELECT account, id FROM posts")
    out: dict[str, set[str]] = {}
    for account, post_id in rows:
        out.setdefault(account, set()).add(str(post_id))
    return out


def test_two_workers_collect_every_account_once(fleet_factory: FleetFactory) -> None:
    fleet = fleet_factory(users=5)
    first = fleet.xpulse("enqueue", "collect")
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("collect queued (job") == 5
    again = fleet.xpulse("enqueue", "collect", "--account", "acct01")
    assert again.stdout.strip() == "acct01: collect already queued"  # the queueing lock

    fleet.start_worker("--concurrency", "2")
    fleet.start_worker("--concurrency", "2")
    fleet.wait_jobs_done(5)

    status = fleet.xpulse("workers", "status")
    assert status.returncode == 0, status.stdout + status.stderr
    rows = {line.split()[0]: line.split()[1:] for line in status.stdout.splitlines()[2:]}
    for name in fleet.names:
        assert rows[name] == ["0", "0", "1", "0", "0"]  # queued running succeeded failed retried

    # every post of every account's world timeline, each stored once, each observed once
    stored = _posts_by_account(fleet)
    for name, token in zip(fleet.names, fleet.world.tokens, strict=False):
        expected = {
            p.id
            for p in fleet.world.posts.values()
            if p.author_id == token.user_id and not p.deleted
        }
        assert stored[name] == expected
    dupes = fleet.sql(
        "SELECT post_id, source, count(*) FROM observations GROUP BY post_id, source "
        "HAVING count(*) > 1"
    )
    assert dupes == []
    # the windows X's answers told are shared by the workers, under each token's key
    keys = {row[0] for row in fleet.sql("SELECT DISTINCT token FROM xpulse_rate_windows")}
    assert keys == {f"user:{name}" for name in fleet.names}
    # what xpulse recorded is what xsim billed
    cost = json.loads(fleet.xpulse("cost", "--json").stdout)
    ledger = fleet.ledger()["totals"]
    assert cost["reads"] == ledger["post_reads"]
    assert cost["cost_usd"] == pytest.approx(ledger["cost_usd"], abs=1e-9)
