"""Whatever goes wrong, the CLI says it in one line (no secret) and exits non-zero."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.exc import OperationalError

import xpulse.operations.schedule
from xpulse.accounts import signin
from xpulse.api import redact
from xpulse.cli import cli
from xpulse.errors import ConfigError

PASSWORD = "fake-MARKER-pw-0123"  # made up for this test
TOKEN = "fake-env-bearer-MARKER-4567"  # made up for this test
DB_URL = f"postgresql://xpulse:{PASSWORD}@db.example.com/xpulse"


def _show_raises(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    """`xpulse schedule show` fails with ``exc`` past the config (none is needed)."""

    def fail(*args: object, **kwargs: object) -> list[str]:
        raise exc

    monkeypatch.setattr(xpulse.operations.schedule, "show", fail)
    monkeypatch.setattr("xpulse.config.settings.load_config", lambda: None)


def _run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, [*args, "schedule", "show"], env=env)


def test_os_error_is_one_line_naming_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    _show_raises(monkeypatch, PermissionError(13, "Permission denied", "/srv/out/report.html"))
    result = _run()
    assert result.exit_code == 1
    assert result.stderr == (
        "xpulse: error: Permission denied: /srv/out/report.html (--debug shows the traceback)\n"
    )
    assert result.stdout == ""


def test_database_error_is_one_line_without_the_password_or_the_sql(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XPULSE_DB", DB_URL)
    driver = Exception(
        f'connection to "{DB_URL}" failed: FATAL: password "{PASSWORD}" rejected\nDETAIL: more'
    )
    _show_raises(monkeypatch, OperationalError("SELECT secret FROM t", {"p": 1}, driver))
    result = _run()
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(
        "xpulse: error: database error: connection to"
    )
    assert PASSWORD not in result.output and "SELECT" not in result.stderr
    assert "postgresql://xpulse:[REDACTED]@db.example.com/xpulse" in result.stderr


def test_ctrl_c_exits_130_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    _show_raises(monkeypatch, KeyboardInterrupt())
    result = _run()
    assert result.exit_code == 130
    assert result.stderr == "xpulse: interrupted\n"


@pytest.mark.parametrize(("args", "env"), [(("--debug",), None), ((), {"XPULSE_DEBUG": "1"})])
def test_debug_adds_the_traceback(
    monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], env: dict[str, str] | None
) -> None:
    monkeypatch.setenv("XPULSE_DB", DB_URL)
    _show_raises(monkeypatch, OSError(28, "No space left on device", "/var/lib/x.db"))
    result = _run(*args, env=env)
    assert result.exit_code == 1
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert result.stderr.endswith("xpulse: error: No space left on device: /var/lib/x.db\n")
    _show_raises(monkeypatch, ConfigError("config.toml: bad"))  # library errors too
    result = _run(*args, env=env)
    assert result.exit_code == 2 and "Traceback" in result.stderr
    assert result.stderr.endswith("xpulse: error: config.toml: bad\n")


def test_a_bug_still_shows_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    _show_raises(monkeypatch, ValueError("a bug"))
    result = _run()
    assert isinstance(result.exception, ValueError)  # not swallowed into a vague line
    assert "xpulse: error" not in result.output


@pytest.mark.parametrize(
    "exc",
    [
        OSError(errno.EIO, f"keyring backend refused {TOKEN}", f"/run/user/{TOKEN}/keys"),
        OperationalError("SELECT 1", {}, Exception(f"server closed; last auth Bearer-{TOKEN}")),
    ],
    ids=["os-error", "database-error"],
)
def test_a_secret_from_the_environment_never_reaches_the_last_resort_line(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, exc: Exception
) -> None:
    """The command reads the token from the environment the way every command does, then
    fails with an error nobody turned into an XpulseError whose message echoes it."""
    config = '[[accounts]]\nname = "main"\nusername = "acme"\nauth = "bearer"\n'
    (isolated_env / "config.toml").write_text(config, encoding="utf-8")
    monkeypatch.setenv("XPULSE_BEARER_TOKEN", TOKEN)
    real_status = signin.status

    def read_then_fail(*args: object, **kwargs: object) -> signin.AccountStatus:
        real_status(*args, **kwargs)  # type: ignore[arg-type]
        raise exc

    monkeypatch.setattr(signin, "status", read_then_fail)
    result = CliRunner().invoke(cli, ["auth", "status"])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("xpulse: error: ") and result.stderr.count("\n") == 1
    assert TOKEN not in result.stderr and TOKEN not in result.stdout
    assert redact.MASK in result.stderr
