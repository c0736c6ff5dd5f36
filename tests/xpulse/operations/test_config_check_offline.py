"""`xpulse config check --offline`: a checklist, one line per check with what failed and
how to fix it; no secret printed, no host reached (``test_config_check_live`` reaches them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from xpulse_delivery_config import EMAIL, HOOK, write_delivery

from xpulse.cli import cli


def test_config_check_prints_a_checklist_without_secrets(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_delivery(
        isolated_env, "[delivery.slack]\n" + EMAIL + "[delivery.files]\nfolder = 'out'\n"
    )
    monkeypatch.setenv("XPULSE_SMTP_PASSWORD", "smtp-password-made-up")
    result = CliRunner().invoke(cli, ["config", "check", "--offline"])  # made-up hosts
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert "[FAIL] account main slack: no webhook URL: set $XPULSE_SLACK_WEBHOOK" in lines
    assert "[FAIL] account main sign-in: not signed in" in result.output
    assert any(line.startswith("[ok] account main email: email to 1 recipient") for line in lines)
    assert lines[-1].endswith(" failed") and "ok" in lines[-1]

    monkeypatch.setenv("XPULSE_SLACK_WEBHOOK", HOOK)
    monkeypatch.setenv("XPULSE_ACCESS_TOKEN_MAIN", "access-token-made-up-for-this-test")
    result = CliRunner().invoke(cli, ["config", "check", "--offline"])
    assert result.exit_code == 0, result.output
    assert "[ok] account main slack: slack https://hooks.slack.com/…" in result.output
    assert "[ok] schedule (every account): weekly on monday at 09:00 UTC; next " in result.output
    for secret in ("made-up-path-for-tests", "smtp-password-made-up", "access-token-made-up"):
        assert secret not in result.output


def test_config_check_fails_a_files_folder_that_cannot_be_made(isolated_env: Path) -> None:
    blocker = isolated_env / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    write_delivery(isolated_env, f"[delivery.files]\nfolder = '{blocker / 'reports'}'\n")
    result = CliRunner().invoke(cli, ["config", "check", "--offline"])
    assert result.exit_code == 2
    expected = f"[FAIL] account main files: cannot make the folder {blocker / 'reports'}: "
    assert expected + f"{blocker} is not a folder" in result.output.splitlines()
    write_delivery(
        isolated_env, f"[delivery.files]\nfolder = '{isolated_env / 'new' / 'reports'}'\n"
    )
    result = CliRunner().invoke(cli, ["config", "check", "--offline"])
    assert "[ok] account main files: " in result.output  # made on first use


def test_config_check_of_an_unreadable_file(isolated_env: Path) -> None:
    (isolated_env / "config.toml").write_text("[delivery\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["config", "check", "--offline"])
    assert result.exit_code == 2
    assert result.output.startswith("[FAIL] config file: ") and "not valid TOML" in result.output


def test_config_check_offline_names_a_spreadsheet_without_credentials(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XPULSE_SHEETS_CREDENTIALS", raising=False)
    write_delivery(isolated_env, "[delivery.sheets]\nspreadsheet_id = '1AbCdEfGhIjKlMnOp'\n")
    result = CliRunner().invoke(cli, ["config", "check", "--offline"])
    assert result.exit_code == 2
    assert (
        "[FAIL] account main sheets: no Google credentials: set credentials_file, or "
        "$XPULSE_SHEETS_CREDENTIALS to the key file's path (see docs/delivery.md)"
    ) in result.output.splitlines()
    monkeypatch.setenv("XPULSE_SHEETS_CREDENTIALS", str(isolated_env / "key.json"))
    result = CliRunner().invoke(cli, ["config", "check", "--offline"])
    assert "account main sheets" not in result.output  # the rest is on Google's side
    assert "no destination" not in result.output
