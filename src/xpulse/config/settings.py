"""xpulse's configuration: a TOML file validated into pydantic models.

Precedence is flags, then environment, then this file. The file never holds
a secret: the client secret and tokens come from the environment or the token store
(``XPULSE_CLIENT_SECRET``, ``XPULSE_BEARER_TOKEN``, ``XPULSE_ACCESS_TOKEN_<NAME>``,
``XPULSE_REFRESH_TOKEN_<NAME>``). ``XPULSE_API_BASE`` and ``XPULSE_DB`` override the file.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from xpulse.config.delivery import DeliveryConfig
from xpulse.config.env import API_BASE, DB
from xpulse.config.paths import config_path, data_dir
from xpulse.errors import ConfigError, NoAccounts

_ACCOUNT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_USERNAME = re.compile(r"@?[A-Za-z0-9_]{1,15}")


def check_url(value: str) -> str:
    """An absolute http(s) URL without a trailing slash."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value.rstrip("/")


def check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name like Europe/Paris)"
        ) from None
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApiConfig(_Model):
    base_url: str = "https://api.x.com"
    client_id: str = ""
    callback_port: int = Field(default=8765, ge=1, le=65535)
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=4, ge=0, le=10)
    max_concurrency_per_token: int = Field(default=4, ge=1, le=64)
    # "" derives it from base_url: x.com's web flow for the real API, <base>/i/oauth2/authorize
    # for anything else (xsim).
    authorize_url: str = ""
    # How xpulse spells post fields on the wire: the documented "tweet.fields" (OpenAPI
    # 2.159, every recording) or OpenAPI 2.167's "post.fields". Answers in either spelling
    # are read the same.
    fields_spelling: Literal["tweet.fields", "post.fields"] = "tweet.fields"

    @field_validator("base_url")
    @classmethod
    def _base(cls, v: str) -> str:
        return check_url(v)

    @field_validator("authorize_url")
    @classmethod
    def _authorize(cls, v: str) -> str:
        return check_url(v) if v else v


class AccountConfig(_Model):
    name: str
    username: str
    auth: Literal["oauth2", "bearer"] = "oauth2"
    timezone: str | None = None
    own: bool = True  # bearer accounts are "not owned": public metrics only
    # Whether the signed-in user owns the developer app: X prices their own posts at $0.001
    # only then ($0.005 otherwise). None: not stated yet (``config check`` says so).
    owns_app: bool | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _ACCOUNT_NAME.fullmatch(v):
            raise ValueError(f"{v!r}: use letters, digits, '-' or '_' (it names env variables)")
        return v

    @field_validator("username")
    @classmethod
    def _username(cls, v: str) -> str:
        if not _USERNAME.fullmatch(v):
            raise ValueError(f"{v!r} is not an X username")
        return v.removeprefix("@")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str | None) -> str | None:
        return None if v is None else check_timezone(v)

    @property
    def prices_own_posts(self) -> bool:
        """Whether X prices this account's own posts as owned reads ($0.001). Unknown
        ownership is priced as not owned: an estimate must not come in under the bill."""
        return self.auth == "oauth2" and self.own and self.owns_app is True

    @property
    def env_suffix(self) -> str:
        """``NAME`` in ``XPULSE_ACCESS_TOKEN_<NAME>``: upper case, '-' as '_'."""
        return self.name.upper().replace("-", "_")


class Config(_Model):
    api: ApiConfig = Field(default_factory=ApiConfig)
    timezone: str = "UTC"
    plan: Literal["pay-per-use", "basic", "pro", "enterprise"] = "pay-per-use"
    monthly_budget_usd: float = Field(default=5.0, ge=0)
    refresh_schedule: Literal["weekly", "lifecycle"] = "weekly"
    # how far a first collect reaches back: the reports' best-time and content-type
    # sections look back 90 days
    history_days: int = Field(default=90, ge=1, le=3650)
    # "" -> sqlite file in data_dir(); env XPULSE_DB overrides. May hold a password.
    database_url: str = Field(default="", repr=False)
    accounts: list[AccountConfig] = Field(default_factory=list)
    delivery: DeliveryConfig = Field(default_factory=DeliveryConfig)  # see config_delivery
    path: Path = Field(default_factory=config_path, exclude=True)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return check_timezone(v)

    @field_validator("accounts")
    @classmethod
    def _unique(cls, v: list[AccountConfig]) -> list[AccountConfig]:
        seen: set[str] = set()
        for account in v:
            key = account.env_suffix
            if key in seen:
                raise ValueError(f"account name {account.name!r} is used twice")
            seen.add(key)
        return v

    def account(self, name: str | None) -> AccountConfig:
        """The named account, or the only one when ``name`` is None."""
        if name is None:
            if len(self.accounts) == 1:
                return self.accounts[0]
            if not self.accounts:
                raise NoAccounts(self.path)
            names = ", ".join(a.name for a in self.accounts)
            raise ConfigError(f"several accounts are configured ({names}); pass --account NAME")
        for account in self.accounts:
            if account.name == name:
                return account
        names = ", ".join(a.name for a in self.accounts) or "none"
        raise ConfigError(f"{self.path}: no account named {name!r} (configured: {names})")

    def db_url(self) -> str:
        """The SQLAlchemy URL: ``XPULSE_DB``, else the file's, else SQLite in data_dir()."""
        env = os.environ.get(DB.name, "").strip()
        if env:
            return env
        if self.database_url:
            return self.database_url
        return f"sqlite:///{data_dir() / 'xpulse.db'}"

    def api_base(self) -> str:
        """The API base URL: ``XPULSE_API_BASE``, else the file's."""
        env = os.environ.get(API_BASE.name, "").strip()
        if not env:
            return self.api.base_url
        try:
            return check_url(env)
        except ValueError as e:
            raise ConfigError(f"{API_BASE.name}: {e}") from None


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def parse_config(data: dict[str, Any], path: Path) -> Config:
    """Validate a parsed TOML document; errors name the file and the key."""
    try:
        return Config.model_validate({**data, "path": path})
    except ValidationError as e:
        first = e.errors()[0]
        msg = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{path}: {_location(first['loc'])}: {msg}") from None


def load_config(path: Path | None = None) -> Config:
    """Read and validate the config file (default: ``config_path()``)."""
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"no config at {path}; run `xpulse init` first") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    if "path" in data:
        raise ConfigError(f"{path}: path: unknown key")
    return parse_config(data, path)


def account_timezone(config: Config, account: AccountConfig) -> str:
    """The account's time zone: its own, else the config's."""
    return account.timezone or config.timezone
