"""Without cron or a systemd user session, `schedule install` prints what to install by
hand (exactly what it would have written) and `schedule show` says nothing is installed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from xpulse_schedule_fakes import write_config

from xpulse.operations.schedule import BEGIN, END

XPULSE = str(Path(sys.executable).parent / "xpulse")


def _xpulse(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # A PATH without crontab or systemctl: a container, a minimal server.
    env = {**os.environ, "XPULSE_HOME": str(home), "PATH": str(Path(sys.executable).parent)}
    return subprocess.run(
        [XPULSE, *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def test_without_a_scheduler_install_prints_the_lines_and_fails(isolated_env: Path) -> None:
    write_config(isolated_env, "weekly on monday at 09:00", [None, "America/New_York"])
    done = _xpulse(isolated_env, "schedule", "install")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "xpulse: error: neither crontab nor a systemd user session is available here, so "
        "nothing was installed; install the lines above by hand, then check with: "
        "xpulse schedule show"
    ]
    out = done.stdout.splitlines()
    assert out[0].startswith("Either add these lines to your crontab")
    block = out[out.index(f"  {BEGIN}") : out.index(f"  {END}") + 1]
    assert "  CRON_TZ=Europe/Berlin" in block and "  CRON_TZ=America/New_York" in block
    jobs = [line for line in block if line.startswith("  0 9 * * 1 ")]
    assert len(jobs) == 2 and all(f"XPULSE_HOME={isolated_env}" in j for j in jobs)
    assert all(f"exec {XPULSE} run --account acct" in j for j in jobs)
    # The same jobs as systemd units, one timer per zone.
    timers = [line[6:-4] for line in out if line.startswith("  --- ") and ".timer" in line]
    assert len(timers) == 2  # one per zone
    assert any(line.endswith(f"enable --now {' '.join(timers)}`:") for line in out)
    assert any(line.startswith("  OnCalendar=Mon *-*-* 09:00:00 Europe/Berlin") for line in out)
    assert any(line.startswith("  OnCalendar=Mon *-*-* 09:00:00 America/New_York") for line in out)
    assert any(line.startswith(f"  ExecStart={XPULSE} run") for line in out)

    shown = _xpulse(isolated_env, "schedule", "show")
    assert shown.returncode == 0
    assert shown.stdout.startswith("no scheduler here (neither crontab nor a systemd user")
    assert "nothing is installed" in shown.stdout
    assert "not installed; `xpulse schedule install` would run:" in shown.stdout
