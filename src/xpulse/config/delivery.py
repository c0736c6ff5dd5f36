"""Where reports go and when: the ``[delivery]`` part of the config.

Destinations are set once for every account and may be overridden per account::

    [delivery]
    cadence = "weekly on monday at 09:00"      # in each account's time zone
    period = "last-week"

    [delivery.slack]
    webhook_url_env = "XPULSE_SLACK_WEBHOOK"  # the URL is a secret: named, never written here

    [delivery.email]
    host = "smtp.example.com"
    port = 587
    security = "starttls"                      # or "ssl", or "none" (local relays only)
    sender = "xpulse@example.com"
    recipients = ["team@example.com"]
    username = "xpulse@example.com"
    password_env = "XPULSE_SMTP_PASSWORD"

    [delivery.files]
    folder = "~/xpulse-reports"
    formats = ["html", "md", "json", "csv"]

    [delivery.sheets]                          # Google Sheets (the `sheets` extra)
    spreadsheet_id = "1AbC...xyz"              # from the sheet's URL
    credentials_file = "~/.config/xpulse/google-key.json"  # or $XPULSE_SHEETS_CREDENTIALS

    [delivery.alerts]
    channel = "slack"
    budget_percent = [80, 100]

    [delivery.accounts.brand.slack]            # this account posts to its own channel
    webhook_url_env = "XPULSE_SLACK_WEBHOOK_BRAND"

Secrets come from the environment, or from the OS secret store (``keyring``, service
``xpulse``): the webhook URL from the entry ``webhook_url_keyring`` names, the SMTP password
from ``smtp:<username>@<host>`` (the SMTP sender's own convention).
Everything that can be checked without a secret is checked when the file loads; the
secrets themselves are checked by :func:`resolve_destinations` before a run reads anything.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from xpulse.errors import ConfigError

if TYPE_CHECKING:
    from xpulse.config.settings import AccountConfig, Config

DestinationName = Literal["slack", "email", "files", "sheets"]
DESTINATIONS: tuple[DestinationName, ...] = ("slack", "email", "files", "sheets")
KEYRING_SERVICE = "xpulse"

_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,127}")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CADENCE = re.compile(
    r"(?P<kind>daily|weekly on (?P<days>[a-z]+(?:\s*,\s*[a-z]+)*)|monthly on day (?P<dom>\d{1,2}))"
    r"\s+at\s+(?P<hh>\d{1,2}):(?P<mm>\d{2})"
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _env_name(value: str) -> str:
    if not _ENV_NAME.fullmatch(value):
        raise ValueError(f"{value!r} is not an environment variable name (use A-Z, 0-9, _)")
    return value


@dataclass(frozen=True)
class Cadence:
    """When a scheduled run happens, in local time: daily, some weekdays, or a day of month."""

    text: str
    weekdays: tuple[int, ...]  # 0 = Monday; empty unless weekly
    day_of_month: int | None
    hour: int
    minute: int


def parse_cadence(text: str) -> Cadence:
    """``daily at 07:30``, ``weekly on monday at 09:00``, ``weekly on mon, thu at 08:00`` or
    ``monthly on day 1 at 09:00``; a ``ValueError`` saying so otherwise."""
    cleaned = " ".join(text.lower().split())
    m = _CADENCE.fullmatch(cleaned)
    usage = (
        f"cadence {text!r} is not understood: use 'daily at 07:30', "
        "'weekly on monday at 09:00' or 'monthly on day 1 at 09:00'"
    )
    if m is None:
        raise ValueError(usage)
    hour, minute = int(m["hh"]), int(m["mm"])
    if hour > 23 or minute > 59:
        raise ValueError(f"cadence {text!r}: {m['hh']}:{m['mm']} is not a time of day")
    days: list[int] = []
    if m["days"]:
        for word in re.split(r"\s*,\s*", m["days"]):
            found = [i for i, d in enumerate(_WEEKDAYS) if len(word) >= 3 and d.startswith(word)]
            if not found:
                raise ValueError(f"cadence {text!r}: {word!r} is not a weekday")
            days.append(found[0])
    dom = int(m["dom"]) if m["dom"] else None
    if dom is not None and not 1 <= dom <= 28:
        raise ValueError(f"cadence {text!r}: use a day of month from 1 to 28 (every month has it)")
    return Cadence(cleaned, tuple(sorted(set(days))), dom, hour, minute)


class SlackConfig(_Model):
    """An incoming webhook; its URL is a secret, so the file names where to find it."""

    webhook_url_env: str = "XPULSE_SLACK_WEBHOOK"
    webhook_url_keyring: str | None = None  # an entry of the OS secret store, service "xpulse"

    @field_validator("webhook_url_env")
    @classmethod
    def _env(cls, v: str) -> str:
        return _env_name(v)


class EmailConfig(_Model):
    host: str
    port: int | None = Field(default=None, ge=1, le=65535)  # None: 587, 465 for ssl, 25 none
    security: Literal["starttls", "ssl", "none"] = "starttls"
    sender: str
    recipients: list[str]
    username: str | None = None  # None: send without logging in (a local relay)
    password_env: str = "XPULSE_SMTP_PASSWORD"  # noqa: S105 - a variable name, not a secret

    @field_validator("password_env")
    @classmethod
    def _env(cls, v: str) -> str:
        return _env_name(v)

    @model_validator(mode="after")
    def _smtp(self) -> EmailConfig:
        from xpulse.deliver.smtp import check_smtp

        check_smtp(
            self.host,
            self.effective_port,
            self.security,
            self.sender,
            self.recipients,
            self.username,
        )
        return self

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return {"starttls": 587, "ssl": 465, "none": 25}[self.security]


class FilesConfig(_Model):
    folder: str
    formats: list[str] = Field(default_factory=lambda: ["html", "md", "json", "csv"])

    @field_validator("formats")
    @classmethod
    def _formats(cls, v: list[str]) -> list[str]:
        from xpulse.deliver.files import check_formats

        return list(check_formats(v))

    @field_validator("folder")
    @classmethod
    def _folder(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the files folder is empty")
        return v

    def path(self) -> Path:
        return Path(os.path.expandvars(self.folder)).expanduser()


class SheetsConfig(_Model):
    """A Google spreadsheet; the key file's path is in the config, its content never."""

    spreadsheet_id: str
    credentials_file: str | None = None  # a service-account key or authorized-user file
    credentials_file_env: str = "XPULSE_SHEETS_CREDENTIALS"  # its path, when not set above
    weekly_worksheet: str = "weekly"
    posts_worksheet: str = "posts"
    api_base_url: str = "https://sheets.googleapis.com/"  # for proxies and tests
    token_url: str | None = None  # the OAuth token endpoint, if not Google's

    @field_validator("spreadsheet_id")
    @classmethod
    def _sid(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_-]{10,200}", v):
            raise ValueError(
                f"{v!r} is not a spreadsheet id (the part of the sheet's URL after /d/)"
            )
        return v

    @field_validator("credentials_file_env")
    @classmethod
    def _env(cls, v: str) -> str:
        return _env_name(v)

    @field_validator("api_base_url", "token_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", v):
            raise ValueError(f"{v!r} is not an http(s) URL")
        return v

    @model_validator(mode="after")
    def _titles(self) -> SheetsConfig:
        for title in (self.weekly_worksheet, self.posts_worksheet):
            if not title.strip() or len(title) > 100:
                raise ValueError("worksheet names are 1 to 100 characters")
        if self.weekly_worksheet == self.posts_worksheet:
            raise ValueError("weekly_worksheet and posts_worksheet must differ")
        return self


class AlertsConfig(_Model):
    channel: Literal["slack", "email"] = "slack"
    budget_percent: list[int] = Field(default_factory=lambda: [80, 100])
    spikes: bool = True
    sign_in: bool = True
    failed_runs: bool = True

    @field_validator("budget_percent")
    @classmethod
    def _pct(cls, v: list[int]) -> list[int]:
        if any(p < 1 or p > 1000 for p in v):
            raise ValueError("budget_percent values are percentages from 1 to 1000")
        return sorted(set(v))


class Destinations(_Model):
    slack: SlackConfig | None = None
    email: EmailConfig | None = None
    files: FilesConfig | None = None
    sheets: SheetsConfig | None = None


class DeliveryConfig(Destinations):
    cadence: str = "weekly on monday at 09:00"
    period: str = "last-week"
    alerts: AlertsConfig | None = None
    accounts: dict[str, Destinations] = Field(default_factory=dict)

    @field_validator("cadence")
    @classmethod
    def _cadence(cls, v: str) -> str:
        parse_cadence(v)
        return v

    @model_validator(mode="after")
    def _alert_channel(self) -> DeliveryConfig:
        if self.alerts is not None and getattr(self, self.alerts.channel) is None:
            raise ValueError(
                f"alerts go to {self.alerts.channel}, but [delivery.{self.alerts.channel}] "
                "is not configured"
            )
        return self

    def cadence_spec(self) -> Cadence:
        return parse_cadence(self.cadence)

    def for_account(self, name: str) -> Destinations:
        """The account's destinations: its own where it sets them, else the global ones."""
        own = self.accounts.get(name)
        return Destinations(
            slack=own.slack if own and own.slack else self.slack,
            email=own.email if own and own.email else self.email,
            files=own.files if own and own.files else self.files,
            sheets=own.sheets if own and own.sheets else self.sheets,
        )


# -- secrets and the checks that need them ----------------------------------------------------


def secret(env: str, keyring_entry: str | None) -> tuple[str | None, str]:
    """The secret's value (or None) and where it was looked for, for a message."""
    value = os.environ.get(env, "").strip()
    if value:
        _remember(value)
        return value, f"${env}"
    if keyring_entry:
        try:
            import keyring

            found = keyring.get_password(KEYRING_SERVICE, keyring_entry)
        except Exception:  # any backend failure means "not available here"
            found = None
        if found:
            _remember(found)
            return found.strip(), f"keyring {KEYRING_SERVICE}/{keyring_entry}"
        return None, f"${env} or keyring {KEYRING_SERVICE}/{keyring_entry}"
    return None, f"${env}"


def _remember(value: str) -> None:
    from xpulse.api import redact

    redact.remember(value)


@dataclass(frozen=True)
class SlackTarget:
    webhook_url: str = field(repr=False)  # its path is the secret
    where: str  # the URL without its secret path


@dataclass(frozen=True)
class EmailTarget:
    config: EmailConfig
    password: str | None = field(repr=False)


@dataclass(frozen=True)
class SheetsTarget:
    config: SheetsConfig
    key_file: Path  # read when sending: a file made unreadable fails that send alone


@dataclass(frozen=True)
class AccountTargets:
    """One account's destinations with their secrets resolved and checked."""

    account: str
    slack: SlackTarget | None
    email: EmailTarget | None
    files: FilesConfig | None
    sheets: SheetsTarget | None = None

    def names(self) -> list[DestinationName]:
        return [d for d in DESTINATIONS if getattr(self, d) is not None]


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
    from xpulse.deliver.smtp import keyring_password

    password, where = secret(conf.password_env, None)
    if password is None:
        password = keyring_password(conf.username, conf.host)
        where += f" or keyring {KEYRING_SERVICE}/smtp:{conf.username}@{conf.host}"
    if password is None:
        raise ConfigError(
            f"{label}.email: SMTP user {conf.username!r} has no password: set {where}"
        )
    _remember(password)
    return EmailTarget(conf, password)


def resolve_sheets(conf: SheetsConfig, label: str) -> SheetsTarget:
    """Where the key file is; its content is read (and checked) when sending."""
    path = conf.credentials_file or os.environ.get(conf.credentials_file_env, "").strip()
    if not path:
        raise ConfigError(
            f"{label}.sheets: no Google credentials: set credentials_file, or "
            f"${conf.credentials_file_env} to the key file's path (see docs/delivery.md)"
        )
    return SheetsTarget(conf, Path(os.path.expandvars(path)).expanduser())


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
    return AccountTargets(
        account.name,
        resolve_slack(dests.slack, label) if dests.slack and "slack" in only else None,
        resolve_email(dests.email, label) if dests.email and "email" in only else None,
        dests.files if "files" in only else None,
        resolve_sheets(dests.sheets, label) if dests.sheets and "sheets" in only else None,
    )


def account_timezone(config: Config, account: AccountConfig) -> str:
    return account.timezone or config.timezone
