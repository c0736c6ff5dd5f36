"""Each account's destinations, their secrets resolved before anything runs: a missing or
malformed one, or an override naming no account, is a config error and nothing is opened.
The SMTP password comes from its variable, else from the OS keyring entry
``smtp:<username>@<host>`` (service ``xpulse``); missing, the error names both."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from xpulse_delivery_config import EMAIL, HOOK, write_delivery

from xpulse.api import redact
from xpulse.config.delivery import EmailConfig
from xpulse.config.settings import load_config
from xpulse.errors import ConfigError
from xpulse.operations.outbox import Transports
from xpulse.operations.run import RunOptions, run_job
from xpulse.operations.targets import resolve_destinations, resolve_email

PASSWORD = "fake-keyring-password-3c9e"  # made up for this test


def email(**extra: Any) -> EmailConfig:
    return EmailConfig(
        host="smtp.example.com",
        sender="reports@example.com",
        recipients=["team@example.org"],
        **extra,
    )


@pytest.fixture
def keyring_store(monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, str], str]:
    """An OS keyring in memory: (service, entry) -> secret, every lookup asked of it."""
    keyring = pytest.importorskip("keyring")
    entries: dict[tuple[str, str], str] = {}
    monkeypatch.setattr(
        keyring, "get_password", lambda service, entry: entries.get((service, entry))
    )
    return entries


def test_the_variable_comes_first(
    keyring_store: dict[tuple[str, str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring_store[("xpulse", "smtp:reports-bot@smtp.example.com")] = PASSWORD
    monkeypatch.setenv("XPULSE_SMTP_PASSWORD", "fake-variable-password-77")
    target = resolve_email(email(username="reports-bot"), "delivery")
    assert target.password == "fake-variable-password-77"


def test_the_keyring_entry_names_the_user_and_host(
    keyring_store: dict[tuple[str, str], str],
) -> None:
    keyring_store[("xpulse", "smtp:reports-bot@smtp.example.com")] = PASSWORD
    target = resolve_email(email(username="reports-bot"), "delivery")
    assert target.password == PASSWORD and PASSWORD not in repr(target)
    assert PASSWORD not in redact.text(f"login failed for {PASSWORD}")  # remembered
    smtp = target.smtp(transports=Transports())
    assert smtp.password == PASSWORD and PASSWORD not in repr(smtp)


def test_no_password_anywhere_says_where_to_set_it(
    keyring_store: dict[tuple[str, str], str],
) -> None:
    keyring_store[("xpulse", "smtp:someone-else@smtp.example.com")] = PASSWORD
    with pytest.raises(ConfigError) as err:
        resolve_email(email(username="reports-bot"), "delivery")
    assert str(err.value) == (
        "delivery.email: SMTP user 'reports-bot' has no password: set $XPULSE_SMTP_PASSWORD "
        "or keyring xpulse/smtp:reports-bot@smtp.example.com"
    )


def test_no_login_needs_no_password(keyring_store: dict[tuple[str, str], str]) -> None:
    target = resolve_email(email(), "delivery")
    assert target.password is None and target.smtp(transports=Transports()).username is None


def test_missing_or_malformed_secrets_fail_before_anything_runs(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_delivery(isolated_env, '[delivery.slack]\nwebhook_url_env = "TEAM_HOOK"\n' + EMAIL)
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
    write_delivery(isolated_env, "[delivery.accounts.typo.files]\nfolder = 'x'\n")
    with pytest.raises(ConfigError, match=r"delivery\.accounts\.typo: no account named 'typo'"):
        run_job(load_config(), RunOptions())
