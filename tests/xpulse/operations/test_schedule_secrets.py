"""``xpulse schedule install``: a database password never reaches the crontab, the units or
the screen; it goes to run.env (mode 600), which the job reads."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest
from xpulse_schedule_fakes import FakeSystem, write_config

from xpulse.config.settings import load_config
from xpulse.operations.schedule import install, remove
from xpulse.operations.schedule_env import MARK, env_file, unit_arg, unit_env_value

PASSWORD = "fake-MARKER-pw%40x"  # made up; '%' as a URL-encoded password would have
DB_URL = f"postgresql://xpulse:{PASSWORD}@db.example.com:5432/xpulse"


def _sourced(path: Path, key: str) -> str:
    """What the cron job's ``set -a; . run.env`` gives ``key``, by a real POSIX shell."""
    done = subprocess.run(
        ["sh", "-c", f'set -a; . "$1"; printf %s "${key}"', "sh", str(path)],
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize("backend", ["cron", "systemd"])
def test_db_url_goes_only_to_the_private_env_file(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    write_config(isolated_env, "weekly on monday at 09:00", [None])
    monkeypatch.setenv("XPULSE_DB", DB_URL)
    system = FakeSystem(isolated_env / "units", systemd=backend == "systemd")
    printed = install(load_config(), system)
    written = system.crontab + "".join(p.read_text("utf-8") for p in system.unit_dir.glob("*"))
    assert written and "XPULSE_HOME" in written  # the non-secret location is still passed
    for shown in (written, "\n".join(printed)):
        assert PASSWORD not in shown and "XPULSE_DB=" not in shown
        assert "fake-MARKER" not in shown
    assert any("wrote XPULSE_DB to" in line for line in printed)
    path = env_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _sourced(path, "XPULSE_DB") == DB_URL
    if backend == "systemd":
        service = (system.unit_dir / "xpulse-run.service").read_text("utf-8")
        assert f"EnvironmentFile=-{path}" in service


def test_env_file_keeps_the_users_lines_and_install_replaces_its_own(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(isolated_env, "daily at 07:00", [None])
    path = env_file()
    path.write_text("XPULSE_SMTP_PASSWORD=fake-smtp\nXPULSE_DB=sqlite:////old.db\n", "utf-8")
    path.chmod(0o644)
    system = FakeSystem(isolated_env / "units", systemd=False)
    odd = "postgresql://u:fake\"q$`x\\y'z@h/db"  # every character a shell treats specially
    monkeypatch.setenv("XPULSE_DB", odd)
    install(load_config(), system)
    install(load_config(), system)  # twice: one line, not two
    text = path.read_text("utf-8")
    assert text.count("XPULSE_DB=") == 1 and text.startswith("XPULSE_SMTP_PASSWORD=fake-smtp\n")
    assert _sourced(path, "XPULSE_DB") == odd
    assert _sourced(path, "XPULSE_SMTP_PASSWORD") == "fake-smtp"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    monkeypatch.delenv("XPULSE_DB")  # installed from a shell on the default database
    printed = install(load_config(), system)
    assert "XPULSE_DB" not in path.read_text("utf-8") and MARK not in path.read_text("utf-8")
    assert any("removed the settings an earlier install wrote" in line for line in printed)

    monkeypatch.setenv("XPULSE_DB", DB_URL)
    install(load_config(), system)
    removed = remove(system)
    assert path.read_text("utf-8") == "XPULSE_SMTP_PASSWORD=fake-smtp\n"  # the user's stays
    assert any("removed the settings" in line for line in removed)


def test_systemd_values_are_escaped_for_the_unit_file() -> None:
    assert unit_env_value("XPULSE_HOME", '/srv/a "b"\\c 100%') == (
        'Environment="XPULSE_HOME=/srv/a \\"b\\"\\\\c 100%%"'
    )
    assert unit_arg("/usr/bin/xpulse") == "/usr/bin/xpulse"
    assert unit_arg("/opt/50%/xpulse") == "/opt/50%%/xpulse"
    assert unit_arg("/opt/my $dir/x") == '"/opt/my $$dir/x"'


def test_a_percent_in_a_path_is_escaped_for_cron(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home 100%"
    home.mkdir()
    monkeypatch.setenv("XPULSE_HOME", str(home))
    write_config(home, "daily at 07:00", [None])
    system = FakeSystem(home / "units", systemd=False)
    install(load_config(), system)
    job = next(line for line in system.crontab.splitlines() if line.startswith("0 7 "))
    assert "100\\%" in job and "100%" not in job.replace("100\\%", "")
