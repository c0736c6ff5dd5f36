"""Every environment variable xpulse reads, in one table.

Each entry says its name, whether its value is a secret, the module that reads it and what
it means. ``<NAME>`` in a name stands for an account's name in upper case with '-' as '_'
(``AccountConfig.env_suffix``). The modules read their names from here; what ``xpulse
schedule install`` hands a scheduled run (:data:`SCHEDULED`, a secret only through the
mode-600 ``run.env``) and what the config ``xpulse init`` writes lists (:data:`IN_INIT`)
derive from it. A test checks that every ``XPULSE_`` name in the source is in the table.

The destinations' secrets are named by the config (``webhook_url_env``, ``password_env``,
``credentials_file_env``); the table holds their defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

ACCOUNT = "<NAME>"
# The service of every xpulse entry in the OS secret store: sign-ins (account names), the
# Slack webhook (the entry ``webhook_url_keyring`` names), ``smtp:<username>@<host>``.
KEYRING_SERVICE = "xpulse"


@dataclass(frozen=True)
class EnvVar:
    name: str
    secret: bool  # its value must never show in a log, an error, a crontab or a unit file
    read_by: str  # the module that reads it
    meaning: str
    scheduled: bool = False  # a scheduled run gets this shell's value
    in_init: bool = False  # listed at the top of the config `xpulse init` writes

    def for_account(self, suffix: str) -> str:
        """The variable of one account: ``XPULSE_ACCESS_TOKEN_<NAME>`` -> ``..._MAIN``."""
        if ACCOUNT not in self.name:
            raise ValueError(f"{self.name} is not a per-account variable")
        return self.name.replace(ACCOUNT, suffix)


HOME = EnvVar(
    "XPULSE_HOME",
    False,
    "xpulse.config.paths",
    "one directory for the config, data and state (dirs)",
    scheduled=True,
    in_init=True,
)
DB = EnvVar(
    "XPULSE_DB",
    True,  # a database URL may hold a password
    "xpulse.config.settings",
    "the store's SQLAlchemy URL, over database_url",
    scheduled=True,
    in_init=True,
)
API_BASE = EnvVar(
    "XPULSE_API_BASE",
    False,
    "xpulse.config.settings",
    "the X API's base URL, over api.base_url",
    in_init=True,
)
CLIENT_SECRET = EnvVar(
    "XPULSE_CLIENT_SECRET",
    True,
    "xpulse.accounts.clients",
    "the app's client secret (confidential apps only)",
    in_init=True,
)
BEARER_TOKEN = EnvVar(
    "XPULSE_BEARER_TOKEN",
    True,
    "xpulse.accounts.clients",
    'app bearer token, for accounts with auth = "bearer" and competitors',
    in_init=True,
)
ACCESS_TOKEN = EnvVar(
    f"XPULSE_ACCESS_TOKEN_{ACCOUNT}",
    True,
    "xpulse.accounts.clients",
    "an account's access token for CI/cron, used first (else `xpulse auth login`)",
    in_init=True,
)
REFRESH_TOKEN = EnvVar(
    f"XPULSE_REFRESH_TOKEN_{ACCOUNT}",
    True,
    "xpulse.accounts.clients",
    "an account's refresh token, put in the token store once when it is new",
    in_init=True,
)
TOKEN_STORE = EnvVar(
    "XPULSE_TOKEN_STORE",
    False,
    "xpulse.accounts.tokens",
    "where sign-ins are kept: auto (default), keyring or file",
)
OAUTH1_CONSUMER_KEY = EnvVar(
    "XPULSE_OAUTH1_CONSUMER_KEY",
    True,
    "xpulse.collect.backfill",
    "the app's OAuth 1.0a consumer key, for the Engagement API",
)
OAUTH1_CONSUMER_SECRET = EnvVar(
    "XPULSE_OAUTH1_CONSUMER_SECRET",
    True,
    "xpulse.collect.backfill",
    "the app's OAuth 1.0a consumer secret, for the Engagement API",
)
OAUTH1_TOKEN = EnvVar(
    f"XPULSE_OAUTH1_TOKEN_{ACCOUNT}",
    True,
    "xpulse.collect.backfill",
    "an account's OAuth 1.0a access token, for the Engagement API",
)
OAUTH1_TOKEN_SECRET = EnvVar(
    f"XPULSE_OAUTH1_TOKEN_SECRET_{ACCOUNT}",
    True,
    "xpulse.collect.backfill",
    "an account's OAuth 1.0a token secret, for the Engagement API",
)
ENGAGEMENT_BASE = EnvVar(
    "XPULSE_ENGAGEMENT_BASE",
    False,
    "xpulse.collect.backfill",
    "the Engagement API's base URL (default https://data-api.x.com)",
)
SERVE_TOKEN = EnvVar(
    "XPULSE_SERVE_TOKEN",
    True,
    "xpulse.cli.serve",
    "the password `xpulse serve` asks for when it listens beyond this machine",
)
DEBUG = EnvVar(
    "XPULSE_DEBUG",
    False,
    "xpulse.cli",
    "1: an error shows its traceback too (as --debug)",
)
CACHE_DIR = EnvVar(
    "XPULSE_CACHE_DIR",
    False,
    "xpulse.render.vega",
    "where drawn chart images are cached (default: the user cache directory)",
)
SLACK_WEBHOOK = EnvVar(
    "XPULSE_SLACK_WEBHOOK",
    True,
    "xpulse.operations.targets",
    "the Slack incoming webhook's URL (the default of delivery.slack.webhook_url_env)",
)
SMTP_PASSWORD = EnvVar(
    "XPULSE_SMTP_PASSWORD",
    True,
    "xpulse.operations.targets",
    "the SMTP login's password (the default of delivery.email.password_env)",
)
SHEETS_CREDENTIALS = EnvVar(
    "XPULSE_SHEETS_CREDENTIALS",
    False,  # the key file's path; the file holds the secret
    "xpulse.operations.targets",
    "the Google key file's path (the default of delivery.sheets.credentials_file_env)",
)

ENV: tuple[EnvVar, ...] = (
    HOME,
    DB,
    API_BASE,
    CLIENT_SECRET,
    BEARER_TOKEN,
    ACCESS_TOKEN,
    REFRESH_TOKEN,
    TOKEN_STORE,
    OAUTH1_CONSUMER_KEY,
    OAUTH1_CONSUMER_SECRET,
    OAUTH1_TOKEN,
    OAUTH1_TOKEN_SECRET,
    ENGAGEMENT_BASE,
    SERVE_TOKEN,
    DEBUG,
    CACHE_DIR,
    SLACK_WEBHOOK,
    SMTP_PASSWORD,
    SHEETS_CREDENTIALS,
)
# What a scheduled run must see as the shell that installed it does.
SCHEDULED: tuple[EnvVar, ...] = tuple(v for v in ENV if v.scheduled)
IN_INIT: tuple[EnvVar, ...] = tuple(v for v in ENV if v.in_init)
