"""``xpulse enqueue run`` on workers: each account's report delivered once, a failing
account's error in one line in ``xpulse workers status``, nothing sent twice."""

from __future__ import annotations

import pytest

from .conftest import FleetFactory, write_config

pytestmark = pytest.mark.postgres


def test_run_jobs_deliver_once_and_report_a_failure(fleet_factory: FleetFactory) -> None:
    fleet = fleet_factory(users=3)
    out = fleet.home / "reports"
    write_config(fleet, extra=f'[delivery.files]\nfolder = "{out}"\nformats = ["json"]\n')
    (fleet.home / "state" / "tokens" / "acct02.json").unlink()  # never signed in

    assert fleet.xpulse("enqueue", "run").returncode == 0
    fleet.start_worker("--concurrency", "3")
    fleet.wait_jobs_done(3)

    sent = fleet.sql("SELECT account, status, attempts FROM deliveries ORDER BY account")
    assert [tuple(r) for r in sent] == [("acct00", "sent", 1), ("acct01", "sent", 1)]
    files = sorted(p.name for p in out.rglob("*-W*.json"))
    assert len(files) == 2 and all("acct02" not in f for f in files)

    status = fleet.xpulse("workers", "status")
    assert status.returncode == 1  # a failed job is listed
    failed = [line for line in status.stdout.splitlines() if line.startswith("job ")]
    assert len(failed) == 1
    assert " run acct02 failed at " in failed[0]
    assert "xpulse auth login" in failed[0]  # the error says what fixes it
    keys = {row[0] for row in fleet.sql("SELECT DISTINCT token FROM xpulse_rate_windows")}
    assert keys == {"user:acct00", "user:acct01"}  # the run's windows are shared too

    # a second round: the reports already went out, nothing is sent again
    again = fleet.xpulse("enqueue", "run", "--account", "acct00", "--account", "acct01")
    assert again.returncode == 0, again.stderr
    fleet.wait_jobs_done(5)
    resent = fleet.sql("SELECT account, status, attempts FROM deliveries ORDER BY account")
    assert [tuple(r) for r in resent] == [("acct00", "sent", 1), ("acct01", "sent", 1)]
    assert sorted(p.name for p in out.rglob("*-W*.json")) == files
