"""The SMTP password is resolved before sending: from its variable, else from the OS keyring
entry ``smtp:<username>@<host>`` (service ``xpulse``); missing, a config error naming both."""

from __future__ import annotations

from typing import Any

import pytest

from xpulse.api import redact
from xpulse.config.delivery import EmailConfig
from xpulse.errors import ConfigError
from xpulse.operations.outbox import Transports
from xpulse.operations.targets import resolve_email

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
