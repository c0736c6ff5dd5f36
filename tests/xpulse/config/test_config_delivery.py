"""Bad delivery config is a clear error at load or `config check`, never mid-run."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from xpulse.cli import cli
from xpulse.config.delivery import parse_cadence
from xpulse.config.settings import load_config
from xpulse.errors import ConfigError
from xpulse.operations.run import RunOptions, run_job
from xpulse.operations.targets import resolve_destinations

BASE = """
[[accounts]]
name = "main"
username = "someone"
owns_app = true

[delivery]
"""
EMAIL = """
[delivery.email]
host = "smtp.example.com"
sender = "xpulse@example.com"
recipients = ["team@example.com"]
username = "xpulse@example.com"
"""
HOOK = "https://hooks.slack.com/services/T0FAKE/B0FAKE/made-up-path-for-tests"


def _write(home: Path, extra: str) -> None:
    (home / "config.toml").write_text(BASE + extra, encoding="utf-8")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[delivery.email]\nhost = "smtp .x"\nsender = "a@b.co"\nrecipients = ["c@d.co"]',
         "delivery.email: the SMTP host 'smtp .x' is not a host name"),
        ('[delivery.email]\nhost = "smtp.x.com"\nsender = "a@b.co"\nrecipients = ["nobody"]',
         "delivery.email: 'nobody' is not a valid email address"),
        ('[delivery.email]\nhost = "smtp.x.com"\nsender = "a@b.co"\nrecipients = []',
         "delivery.email: the email destination needs a list of one or more recipients"),
        ('[delivery.email]\nhost = "smtp.x.com"\nsecurity = "none"\nsender = "a@b.co"\n'
         'recipients = ["c@d.co"]', "sends in clear"),
        ('[delivery.slack]\nwebhook_url_env = "lower-case"', "is not an environment variable"),
        ('[delivery.slack]\nwebhook_url = "https://hooks.slack.com/x"', "webhook_url: Extra"),
        ('[delivery.files]\nfolder = "out"\nformats = ["odt"]', "unknown file format 'odt'"),
        ('cadence = "every blue moon"', "cadence 'every blue moon' is not understood"),
        ('[delivery.alerts]\nchannel = "email"', "alerts go to email, but [delivery.email]"),
    ],
)  # fmt: skip
def test_bad_destinations_fail_at_load(isolated_env: Path, extra: str, message: str) -> None:
    _write(isolated_env, extra)
    with pytest.raises(ConfigError) as err:
        load_config()
    assert message in str(err.value)
    assert str(err.value).startswith(str(isolated_env / "config.toml"))


def test_missing_or_malformed_secrets_fail_before_anything_runs(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(isolated_env, '[delivery.slack]\nwebhook_url_env = "TEAM_HOOK"\n' + EMAIL)
    config = load_config()
    with pytest.raises(ConfigError, match=r"slack: no webhook URL: set \$TEAM_HOOK"):
        run_job(config, RunOptions())
    monkeypatch.setenv("TEAM_HOOK", "http://hooks.slack.com/services/T0/B0/secret-part")
    with pytest.raises(ConfigError) as err:
        resolve_destinations(config, config.account("main"))
    assert "must use https" in str(err.value) and "secret-part" not in str(err.value)
    monkeypatch.setenv("TEAM_HOOK", HOOK)
    with pytest.raises(ConfigError, match=r"has no password: set \$XPULSE_SMTP_PASSWORD"):
        resolve_destinations(config, config.account("main"))
    assert not (isolated_env / "data").exists()  # nothing was opened, read or written


def test_per_account_override_must_name_an_account(isolated_env: Path) -> None:
    _write(isolated_env, "[delivery.accounts.typo.files]\nfolder = 'x'\n")
    with pytest.raises(ConfigError, match=r"delivery\.accounts\.typo: no account named 'typo'"):
        run_job(load_config(), RunOptions())


def test_config_check_prints_a_checklist_without_secrets(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(isolated_env, "[delivery.slack]\n" + EMAIL + "[delivery.files]\nfolder = 'out'\n")
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
    _write(isolated_env, f"[delivery.files]\nfolder = '{blocker / 'reports'}'\n")
    result = CliRunner().invoke(cli, ["config", "check", "--offline"])
    assert result.exit_code == 2
    expected = f"[FAIL] account main files: cannot make the folder {blocker / 'reports'}: "
    assert expected + f"{blocker} is not a folder" in result.output.splitlines()
    _write(isolated_env, f"[delivery.files]\nfolder = '{isolated_env / 'new' / 'reports'}'\n")
    result = CliRunner().invoke(cli, ["config", "check", "--offline"])
    assert "[ok] account main files: " in result.output  # made on first use


def test_config_check_of_an_unreadable_file(isolated_env: Path) -> None:
    (isolated_env / "config.toml").write_text("[delivery\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["config", "check", "--offline"])
    assert result.exit_code == 2
    assert result.output.startswith("[FAIL] config file: ") and "not valid TOML" in result.output


@pytest.mark.parametrize(
    ("text", "days", "dom", "hm"),
    [
        ("weekly on Monday at 09:00", (0,), None, (9, 0)),
        ("weekly on mon, thu at 8:30", (0, 3), None, (8, 30)),
        ("daily at 23:59", (), None, (23, 59)),
        ("monthly on day 28 at 06:00", (), 28, (6, 0)),
    ],
)
def test_cadences(text: str, days: tuple[int, ...], dom: int | None, hm: tuple[int, int]) -> None:
    c = parse_cadence(text)
    assert (c.weekdays, c.day_of_month, (c.hour, c.minute)) == (days, dom, hm)


@pytest.mark.parametrize(
    "text", ["weekly on mo at 09:00", "daily at 24:00", "monthly on day 31 at 09:00", "weekly"]
)
def test_bad_cadences(text: str) -> None:
    with pytest.raises(ValueError, match="cadence"):
        parse_cadence(text)


def test_run_with_a_bad_period_or_only_is_one_line(isolated_env: Path, tmp_path: Path) -> None:
    _write(isolated_env, f"[delivery.files]\nfolder = '{tmp_path / 'out'}'\n")
    result = CliRunner().invoke(cli, ["run", "--period", "someday"])
    assert result.exit_code == 2
    assert result.output.startswith("xpulse: error: ") and len(result.output.splitlines()) == 1
    result = CliRunner().invoke(cli, ["run", "--only", "email"])
    assert result.exit_code == 2
    assert "no email destination is configured under [delivery] for main" in result.output


def test_config_check_offline_names_a_spreadsheet_without_credentials(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XPULSE_SHEETS_CREDENTIALS", raising=False)
    _write(isolated_env, "[delivery.sheets]\nspreadsheet_id = '1AbCdEfGhIjKlMnOp'\n")
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
