"""The pieces of the workers that need no database: the cadence minute, the errors a user
sees before any database is touched."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from xpulse.cli import cli
from xpulse.config.delivery import parse_cadence
from xpulse.jobs.tasks import cadence_due


def test_the_cadence_minute_is_in_the_accounts_time_zone() -> None:
    weekly = parse_cadence("weekly on monday at 09:00")
    # 2026-06-01 is a Monday; 09:00 in Berlin (summer time) is 07:00 UTC
    assert cadence_due(weekly, "Europe/Berlin", datetime(2026, 6, 1, 7, 0, tzinfo=UTC))
    assert not cadence_due(weekly, "Europe/Berlin", datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    assert not cadence_due(weekly, "Europe/Berlin", datetime(2026, 6, 1, 7, 1, tzinfo=UTC))
    assert not cadence_due(weekly, "Europe/Berlin", datetime(2026, 6, 2, 7, 0, tzinfo=UTC))
    daily = parse_cadence("daily at 23:30")
    # 23:30 in Los Angeles on 1 June is 06:30 UTC on 2 June
    assert cadence_due(daily, "America/Los_Angeles", datetime(2026, 6, 2, 6, 30, tzinfo=UTC))
    monthly = parse_cadence("monthly on day 1 at 00:00")
    assert cadence_due(monthly, "UTC", datetime(2026, 7, 1, 0, 0, tzinfo=UTC))
    assert not cadence_due(monthly, "UTC", datetime(2026, 7, 2, 0, 0, tzinfo=UTC))


def test_workers_on_sqlite_is_one_line_naming_the_fix(isolated_env: Path) -> None:
    (isolated_env / "config.toml").write_text(
        '[[accounts]]\nname = "main"\nusername = "someone"\n', encoding="utf-8"
    )
    for args in (["enqueue", "collect"], ["workers", "status"], ["worker"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, result.output  # a config error
        lines = result.output.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("xpulse: error: workers need the store on PostgreSQL")
        assert "XPULSE_DB=postgresql+psycopg://" in lines[0]


def test_an_unknown_account_is_refused_before_anything_is_queued(isolated_env: Path) -> None:
    (isolated_env / "config.toml").write_text(
        '[[accounts]]\nname = "main"\nusername = "someone"\n', encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["enqueue", "run", "--account", "nope"])
    assert result.exit_code == 2
    assert "no account named 'nope' (configured: main)" in result.output
