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
    webhook_url_env = "BRAND_SLACK_WEBHOOK"    # any variable name you choose

Secrets come from the environment, or from the OS secret store (``keyring``, service
``xpulse``): the webhook URL from the entry ``webhook_url_keyring`` names, the SMTP password
from ``smtp:<username>@<host>`` (the SMTP sender's own convention).
Everything that can be checked without a secret is checked when the file loads (this module
is the schema and nothing else); the secrets themselves are resolved and checked by
:mod:`xpulse.operations.targets` before a run reads anything.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import getaddresses, parseaddr
from importlib.util import find_spec
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from xpulse.config.env import SHEETS_CREDENTIALS, SLACK_WEBHOOK, SMTP_PASSWORD
from xpulse.errors import message_line

DestinationName = Literal["slack", "email", "files", "sheets"]
DESTINATIONS: tuple[DestinationName, ...] = ("slack", "email", "files", "sheets")
# The formats a files destination may write, each with its file suffix ("text" is the
# plain terminal rendering; pdf and xlsx need their extras).
FILE_SUFFIXES: Final[dict[str, str]] = {
    "html": "html",
    "md": "md",
    "json": "json",
    "csv": "csv",
    "text": "txt",
    "pdf": "pdf",
    "xlsx": "xlsx",
}
DEFAULT_FILE_FORMATS: Final = ("html", "md", "json", "csv")
SMTP_SECURITIES: Final = ("starttls", "ssl", "none")
LOOPBACK: Final = frozenset({"127.0.0.1", "localhost", "::1"})

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


def check_formats(formats: Sequence[str]) -> tuple[str, ...]:
    """The file formats, de-duplicated, if every one is known; else ``ValueError``."""
    if isinstance(formats, str) or not formats:
        raise ValueError(f"file formats must be a list of: {', '.join(FILE_SUFFIXES)}")
    out: list[str] = []
    for name in formats:
        key = {"txt": "text", "markdown": "md"}.get(name, name)
        if key == "xlsx" and find_spec("xlsxwriter") is None:
            raise ValueError("xlsx needs XlsxWriter: pip install 'xpulse[xlsx]'")
        if key not in FILE_SUFFIXES:
            raise ValueError(f"unknown file format {name!r} (use {', '.join(FILE_SUFFIXES)})")
        if key not in out:
            out.append(key)
    return tuple(out)


def check_address(value: str) -> str:
    """``value`` if it is one plausible email address (optionally with a display name).

    Raises ``ValueError`` with a one-line reason. Rejects CR/LF (header injection), several
    addresses in one, and anything without ``local@domain.tld``-like parts.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError("an email address is empty")
    text = value.strip()
    if any(ch in text for ch in "\r\n\x00"):
        raise ValueError(f"{message_line(text)[:60]!r} contains a line break")
    pairs = getaddresses([text])
    if len(pairs) != 1:
        raise ValueError(f"{text[:60]!r} is not one email address")
    _name, addr = parseaddr(text)
    local, sep, domain = addr.rpartition("@")
    if (
        not sep
        or not local
        or not domain
        or any(ch.isspace() for ch in addr)
        or "." not in domain.strip(".")
        or domain.startswith((".", "-"))
        or ".." in domain
        or len(addr) > 254
    ):
        raise ValueError(f"{text[:60]!r} is not a valid email address (like name@example.com)")
    return text


def check_smtp(
    host: str,
    port: int,
    security: str,
    sender: str,
    recipients: Sequence[str],
    username: str | None = None,
) -> None:
    """Raise ``ValueError`` (one line) unless these SMTP settings can work."""
    if not isinstance(host, str) or not host.strip():
        raise ValueError("the SMTP host is empty")
    if any(ch.isspace() or ch in "/@:" for ch in host.strip()) and not host.startswith("["):
        raise ValueError(f"the SMTP host {message_line(host)[:60]!r} is not a host name")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValueError(f"the SMTP port {port!r} is not between 1 and 65535")
    if security not in SMTP_SECURITIES:
        raise ValueError(f"SMTP security {security!r}: use starttls, ssl or none")
    if security == "none" and host.strip().lower() not in LOOPBACK:
        raise ValueError(
            f"SMTP security 'none' sends in clear: use starttls or ssl for {host.strip()}"
        )
    check_address(sender)
    if isinstance(recipients, str) or not recipients:
        raise ValueError("the email destination needs a list of one or more recipients")
    for recipient in recipients:
        check_address(recipient)
    if username is not None and not username.strip():
        raise ValueError("the SMTP username is empty (leave it out to send without login)")


class SlackConfig(_Model):
    """An incoming webhook; its URL is a secret, so the file names where to find it."""

    webhook_url_env: str = SLACK_WEBHOOK.name
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
    password_env: str = SMTP_PASSWORD.name

    @field_validator("password_env")
    @classmethod
    def _env(cls, v: str) -> str:
        return _env_name(v)

    @model_validator(mode="after")
    def _smtp(self) -> EmailConfig:
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
    formats: list[str] = Field(default_factory=lambda: list(DEFAULT_FILE_FORMATS))

    @field_validator("formats")
    @classmethod
    def _formats(cls, v: list[str]) -> list[str]:
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
    credentials_file_env: str = SHEETS_CREDENTIALS.name  # its path, when not set above
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
