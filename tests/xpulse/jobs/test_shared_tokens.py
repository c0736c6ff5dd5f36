"""Workers on two "machines" (two XPULSE_HOMEs, no token on either disk) share the
accounts' sign-ins through the database: each refresh's rotated token, saved by one
machine, is the one the other uses next."""

from __future__ import annotations

import json
import os
import time

import pytest

from .conftest import FleetFactory

pytestmark = pytest.mark.postgres

EXPIRE_ALL = (
    "UPDATE xpulse_tokens SET record = "
    "jsonb_set(record::jsonb, '{expires_at}', '\"2020-01-01T00:00:00+00:00\"')::text"
)


def _access_tokens(fleet) -> dict[str, str]:  # type: ignore[no-untyped-def]
    rows = fleet.sql("SELECT account, record FROM xpulse_tokens ORDER BY account")
    out = {}
    for account, raw in rows:
        record = json.loads(raw)
        assert not record["needs_sign_in"], record["reason"]
        out[account] = record["access_token"]
    return out


def test_two_machines_refresh_through_the_database(fleet_factory: FleetFactory) -> None:
    fleet = fleet_factory(users=4)
    imported = fleet.xpulse("workers", "import-tokens")
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert imported.stdout.count("copied from") == 4
    for path in (fleet.home / "state" / "tokens").iterdir():
        path.unlink()  # from now on only the database holds them
    other = fleet.home.parent / "machine-b"
    other.mkdir()
    (other / "config.toml").write_text((fleet.home / "config.toml").read_text())
    fleet.sql_exec(EXPIRE_ALL)
    before = _access_tokens(fleet)

    fleet.start_worker("--concurrency", "2", "--shared-tokens")
    home = fleet.env["XPULSE_HOME"]
    fleet.env["XPULSE_HOME"] = str(other)
    fleet.start_worker("--concurrency", "2", "--shared-tokens")
    fleet.env["XPULSE_HOME"] = home
    deadline = time.monotonic() + 120
    while fleet.sql_count("SELECT count(*) FROM procrastinate_workers") < 2:
        assert time.monotonic() < deadline, fleet.logs()
        time.sleep(0.2)

    for round_ in (1, 2):
        assert fleet.xpulse("enqueue", "collect").returncode == 0
        fleet.wait_jobs_done(4 * round_)
        after = _access_tokens(fleet)
        assert all(after[name] != before[name] for name in fleet.names)  # refreshed, once
        before = after
        fleet.sql_exec(EXPIRE_ALL)  # time passes: the next round refreshes again
    logs = [p.read_text() for p in sorted(fleet.home.glob("worker-*.log"))]
    assert all("collected 1 account(s)" in log for log in logs)  # both machines worked
    status = fleet.xpulse("workers", "status")
    assert status.returncode == 0, status.stdout
    assert not list((fleet.home / "state" / "tokens").iterdir())
    assert not (other / "state" / "tokens").exists() or not os.listdir(other / "state" / "tokens")
