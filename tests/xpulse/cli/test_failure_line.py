"""The last-resort error line: one line, and no secret this process knows about."""

from __future__ import annotations

import errno

import pytest

from xpulse.api import redact
from xpulse.cli import failure


def test_a_remembered_secret_is_masked_in_the_last_resort_line() -> None:
    secret = "tok-remembered-0123456789"
    redact.remember(secret)
    exc = OSError(errno.EACCES, "Permission denied", f"/tmp/{secret}/state.json")
    line = failure.message(exc)
    assert secret not in line
    assert redact.MASK in line and "Permission denied" in line


def test_a_database_password_is_masked_wherever_the_driver_echoes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XPULSE_DB", "postgresql+psycopg://u:hunter2pass@db.local/x")
    line = failure.clean("could not connect as u (password hunter2pass)\nsecond line")
    assert "hunter2pass" not in line and "\n" not in line
    assert failure.clean("postgresql://u:s3cretpw@h/db failed") == (
        f"postgresql://u:{redact.MASK}@h/db failed"
    )
