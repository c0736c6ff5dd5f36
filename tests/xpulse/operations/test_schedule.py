"""``xpulse schedule``: crontab and systemd entries in the account's zone, through a fake."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from xpulse_schedule_fakes import FakeSystem
from xpulse_schedule_fakes import write_config as _config

from xpulse.config.delivery import parse_cadence
from xpulse.config.settings import load_config
from xpulse.operations.schedule import BEGIN, END, install, next_run, remove, show


def test_cron_install_writes_one_block_at_the_end_in_the_zone(isolated_env: Path) -> None:
    _config(isolated_env, "weekly on monday at 09:00", [None, None])
    mine = "MAILTO=me@example.com\n15 3 * * * /usr/bin/backup\n"
    system = FakeSystem(isolated_env / "units", systemd=False, crontab=mine)
    printed = install(load_config(), system)
    install(load_config(), system)  # twice: still one block
    lines = system.crontab.splitlines()
    assert lines[:2] == mine.splitlines()  # the user's own lines are kept, first
    assert lines.count(BEGIN) == 1 and lines[-1] == END
    assert "CRON_TZ=Europe/Berlin" in lines
    job = next(line for line in lines if line.startswith("0 9 "))
    assert job.startswith("0 9 * * 1 ") and " run " in job + " " and "--account" not in job
    assert "XPULSE_HOME=" in job  # cron's bare environment still finds this config
    assert all(f"  {line}" in printed for line in lines[lines.index(BEGIN) :])  # printed as is

    assert remove(system) == ["removed the xpulse block from your crontab"]
    assert system.crontab == mine


def test_systemd_timer_per_zone_and_commands(isolated_env: Path) -> None:
    _config(isolated_env, "weekly on mon, thu at 08:30", ["Europe/Berlin", "America/New_York"])
    system = FakeSystem(isolated_env / "units", systemd=True)
    printed = install(load_config(), system)
    timer = (system.unit_dir / "xpulse-run-acct1.timer").read_text("utf-8")
    assert "OnCalendar=Mon,Thu *-*-* 08:30:00 America/New_York" in timer
    assert "Persistent=true" in timer
    service = (system.unit_dir / "xpulse-run-acct0.service").read_text("utf-8")
    assert "run --account acct0" in service and "Type=oneshot" in service
    assert system.commands[0] == ("daemon-reload",)
    assert ("enable", "--now", "xpulse-run-acct1.timer") in system.commands
    assert "ran: systemctl --user enable --now xpulse-run-acct0.timer" in printed

    now = datetime(2026, 5, 27, 10, 0, tzinfo=UTC)  # Wednesday
    shown = show(load_config(), system, now)
    assert shown[0].startswith("installed as systemd user timers: xpulse-run-acct0")
    assert any("next run Thu 2026-05-28 08:30 EDT (2026-05-28 12:30 UTC)" in s for s in shown)

    removed = remove(system)
    assert "ran: systemctl --user disable --now xpulse-run-acct0.timer" in removed
    assert not list(system.unit_dir.glob("xpulse-run*"))


@pytest.mark.parametrize(
    ("cadence", "now", "expected"),
    [
        # Berlin moves to summer time on Sunday 2026-03-29: 09:00 is 07:00 UTC after it.
        ("weekly on monday at 09:00", "2026-03-28T12:00:00+00:00", "2026-03-30T07:00:00+00:00"),
        ("weekly on monday at 09:00", "2026-03-23T08:00:00+00:00", "2026-03-30T07:00:00+00:00"),
        ("weekly on monday at 09:00", "2026-03-23T07:59:00+00:00", "2026-03-23T08:00:00+00:00"),
        ("daily at 02:30", "2026-03-29T00:10:00+00:00", "2026-03-29T01:30:00+00:00"),  # gap
        ("monthly on day 1 at 06:00", "2026-01-31T12:00:00+00:00", "2026-02-01T05:00:00+00:00"),
    ],
)
def test_next_run_in_the_zone_across_dst(cadence: str, now: str, expected: str) -> None:
    at = next_run(parse_cadence(cadence), "Europe/Berlin", datetime.fromisoformat(now))
    assert at.astimezone(UTC) == datetime.fromisoformat(expected)


def test_show_before_install_says_so_and_remove_with_nothing(isolated_env: Path) -> None:
    _config(isolated_env, "daily at 07:00", [None])
    system = FakeSystem(isolated_env / "units", systemd=False)
    shown = show(load_config(), system, datetime(2026, 5, 27, 10, 0, tzinfo=UTC))
    assert shown[0] == "not installed; `xpulse schedule install` would run:"
    assert "next run Thu 2026-05-28 07:00 CEST" in shown[1]
    assert remove(system) == ["nothing to remove: no xpulse schedule is installed"]


def test_reinstall_replaces_what_an_earlier_install_left(isolated_env: Path) -> None:
    _config(isolated_env, "daily at 07:00", ["Europe/Berlin", "America/New_York"])
    system = FakeSystem(isolated_env / "units", systemd=True, crontab="")
    install(load_config(), system)
    _config(isolated_env, "daily at 07:00", [None, None])  # now one zone: one shared timer
    printed = install(load_config(), system)
    assert "ran: systemctl --user disable --now xpulse-run-acct0.timer" in printed
    assert sorted(p.name for p in system.unit_dir.iterdir()) == [
        "xpulse-run.service",
        "xpulse-run.timer",
    ]
    printed = install(load_config(), system, "cron")  # moving to cron: the timer goes
    assert "ran: systemctl --user disable --now xpulse-run.timer" in printed
    assert not list(system.unit_dir.iterdir()) and BEGIN in system.crontab


def test_cli_install_show_remove(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    import xpulse.operations.schedule
    from xpulse.cli import cli

    _config(isolated_env, "weekly on friday at 17:00", [None])
    system = FakeSystem(isolated_env / "units", systemd=False)
    monkeypatch.setattr(xpulse.operations.schedule, "RealSystem", lambda: system)
    installed = CliRunner().invoke(cli, ["schedule", "install"])
    assert installed.exit_code == 0, installed.output
    assert installed.output.startswith("wrote these lines at the end of your crontab")
    assert "CRON_TZ=Europe/Berlin" in installed.output and "0 17 * * 5 " in system.crontab
    shown = CliRunner().invoke(cli, ["schedule", "show"])
    assert shown.exit_code == 0 and "installed in your crontab" in shown.output
    assert "xpulse-run (every account): weekly on friday at 17:00 Europe/Berlin; next run" in (
        shown.output
    )
    removed = CliRunner().invoke(cli, ["schedule", "remove"])
    assert removed.output == "removed the xpulse block from your crontab\n"
    assert system.crontab == ""


def test_install_refuses_a_config_that_delivers_nothing(isolated_env: Path) -> None:
    from click.testing import CliRunner

    import xpulse.operations.schedule
    from xpulse.cli import cli

    _config(isolated_env, "weekly on monday at 09:00", [None], files=False)
    system = FakeSystem(isolated_env / "units", systemd=False)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(xpulse.operations.schedule, "RealSystem", lambda: system)
        result = CliRunner().invoke(cli, ["schedule", "install"])
    assert result.exit_code != 0
    assert "no destination is configured under [delivery]" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert system.crontab == ""  # nothing written


def test_install_warns_about_an_account_without_a_destination(isolated_env: Path) -> None:
    _config(isolated_env, "weekly on monday at 09:00", [None, None], files=False)
    with (isolated_env / "config.toml").open("a", encoding="utf-8") as f:
        f.write(f'[delivery.accounts.acct0.files]\nfolder = "{isolated_env / "r"}"\n')
    system = FakeSystem(isolated_env / "units", systemd=False)
    printed = install(load_config(), system)
    assert "warning: account 'acct1' has no destination; its runs deliver nothing" in printed
    assert not any("'acct0'" in line for line in printed)
