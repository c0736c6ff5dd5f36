"""Each account's destinations, resolved: the secrets looked up and checked.

The config file names where a secret is (an environment variable, an entry of the OS
secret store, service ``xpulse``), never the secret; this is where it is looked for: the
webhook URL from the entry ``webhook_url_keyring`` names, the SMTP password from the entry
``smtp:<username>@<host>``. A missing or malformed secret is a
:class:`~xpulse.errors.ConfigError` naming where it was looked for, never the value; every
value found is remembered by the log redaction.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xpulse.api import redact
from xpulse.config.delivery import (
    DESTINATIONS,
    DestinationName,
    EmailConfig,
    FilesConfig,
    SheetsConfig,
    SlackConfig,
)
from xpulse.config.env import KEYRING_SERVICE
from xpulse.config.settings import AccountConfig, Config
from xpulse.errors import ConfigError
from xpulse.operations.destinations import (
    AlertChannel,
    Destination,
    EmailTarget,
    FilesTarget,
    SheetsTarget,
    SlackTarget,
)


def secret(env: str, keyring_entry: str | None) -> tuple[str | None, str]:
    """The secret's value (or None) and where it was looked for, for a message."""
    value = os.environ.get(env, "").strip()
    if value:
        redact.remember(value)
        return value, f"${env}"
    if keyring_entry:
        try:
            import keyring

            found = keyring.get_password(KEYRING_SERVICE, keyring_entry)
        except Exception:  # any backend failure means "not available here"
            found = None
        if found:
            redact.remember(found)
            return found.strip(), f"keyring {KEYRING_SERVICE}/{keyring_entry}"
        return None, f"${env} or keyring {KEYRING_SERVICE}/{keyring_entry}"
    return None, f"${env}"


def resolve_slack(conf: SlackConfig, label: str) -> SlackTarget:
    from xpulse.deliver.slack import check_webhook_url, redact_url

    url, where = secret(conf.webhook_url_env, conf.webhook_url_keyring)
    if url is None:
        raise ConfigError(f"{label}.slack: no webhook URL: set {where}")
    try:
        check_webhook_url(url)
    except ValueError as e:
        raise ConfigError(f"{label}.slack ({where}): {e}") from None
    return SlackTarget(url, redact_url(url))


def resolve_email(conf: EmailConfig, label: str) -> EmailTarget:
    if conf.username is None:
        return EmailTarget(conf, None)
    password, where = secret(conf.password_env, f"smtp:{conf.username}@{conf.host}")
    if password is None:
        raise ConfigError(
            f"{label}.email: SMTP user {conf.username!r} has no password: set {where}"
        )
    return EmailTarget(conf, password)


def resolve_files(conf: FilesConfig, label: str) -> FilesTarget:
    """A folder holds no secret: nothing to resolve."""
    return FilesTarget(conf)


def resolve_sheets(conf: SheetsConfig, label: str) -> SheetsTarget:
    """Where the key file is; its content is read (and checked) when sending."""
    path = conf.credentials_file or os.environ.get(conf.credentials_file_env, "").strip()
    if not path:
        raise ConfigError(
            f"{label}.sheets: no Google credentials: set credentials_file, or "
            f"${conf.credentials_file_env} to the key file's path (see docs/delivery.md)"
        )
    return SheetsTarget(conf, Path(os.path.expandvars(path)).expanduser())


# Each kind's resolver, by the name of its section under [delivery].
RESOLVERS: dict[DestinationName, Callable[[Any, str], Destination]] = {
    "slack": resolve_slack,
    "email": resolve_email,
    "files": resolve_files,
    "sheets": resolve_sheets,
}


# The kinds an alert can go to, by the name ``[delivery.alerts] channel`` gives.
ALERT_CHANNELS: dict[str, Callable[[Any, str], AlertChannel]] = {
    "slack": resolve_slack,
    "email": resolve_email,
}


@dataclass(frozen=True)
class AccountTargets:
    """One account's destinations with their secrets resolved and checked, in the order
    of ``DESTINATIONS``."""

    account: str
    destinations: dict[DestinationName, Destination]

    def names(self) -> list[DestinationName]:
        return list(self.destinations)


def check_account_names(config: Config) -> None:
    """``[delivery.accounts.X]`` must name a configured account."""
    known = {a.name for a in config.accounts}
    for name in config.delivery.accounts:
        if name not in known:
            raise ConfigError(
                f"{config.path}: delivery.accounts.{name}: no account named {name!r} is configured"
            )


def resolve_destinations(
    config: Config, account: AccountConfig, only: Collection[str] = DESTINATIONS
) -> AccountTargets:
    """The account's destinations among ``only``, secrets included; a :class:`ConfigError`
    naming what is missing or malformed (never the secret itself). Destinations left out
    of ``only`` are not checked: ``--only files`` must work while Slack's secret is unset."""
    check_account_names(config)
    dests = config.delivery.for_account(account.name)
    label = f"{config.path}: delivery ({account.name})"
    found: dict[DestinationName, Destination] = {}
    for name in DESTINATIONS:
        conf = getattr(dests, name)
        if conf is not None and name in only:
            found[name] = RESOLVERS[name](conf, label)
    return AccountTargets(account.name, found)
