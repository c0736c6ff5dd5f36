"""``xpulse init``: write a commented config file (never a secret).

What it cannot guess (the app's client id, the account's @username) it asks for on a
terminal; with flags, or when stdin is not a terminal (cron, CI, a script), it never asks.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from xpulse.config.paths import config_path, data_dir, home_dir
from xpulse.errors import ConfigError, UsageProblem

if TYPE_CHECKING:
    import tomlkit

HEADER = """\
xpulse configuration, written by `xpulse init`. Edit freely; `xpulse auth status` checks it.
Secrets never go in this file. They come from the environment or the token store:
  XPULSE_CLIENT_SECRET           the app's client secret (confidential apps only)
  XPULSE_BEARER_TOKEN            app bearer token, for accounts with auth = "bearer"
  XPULSE_ACCESS_TOKEN_<NAME>     an account's tokens for CI/cron (NAME = account name,
  XPULSE_REFRESH_TOKEN_<NAME>    upper case, '-' as '_'); otherwise `xpulse auth login`
Overrides: XPULSE_API_BASE (api.base_url), XPULSE_DB (database_url), XPULSE_HOME (dirs)."""


def build_document(
    *,
    client_id: str,
    api_base: str,
    account: str | None,
    username: str | None,
    timezone: str,
    plan: str,
    budget: float,
    port: int,
    owns_app: bool | None = None,
) -> tomlkit.TOMLDocument:
    import tomlkit

    from xpulse.api.oauth2 import redirect_uri

    doc = tomlkit.document()
    for line in HEADER.splitlines():
        doc.add(tomlkit.comment(line))
    doc.add(tomlkit.nl())
    doc.add("timezone", tomlkit.item(timezone).comment("IANA name; reports use it"))
    for line in PLAN_NOTE.splitlines():
        doc.add(tomlkit.comment(line))
    doc.add(
        "plan",
        tomlkit.item(plan).comment(
            "pay-per-use | basic (legacy) | pro | enterprise: prices and monthly read cap"
        ),
    )
    doc.add(
        "monthly_budget_usd",
        tomlkit.item(budget).comment("USD a month; collect plans within it and stops before it"),
    )
    doc.add(
        "refresh_schedule",
        tomlkit.item("weekly").comment("weekly | lifecycle (1h,6h,24h,3d,7d,28d: more reads)"),
    )
    doc.add(
        "history_days",
        tomlkit.item(90).comment(
            "days a new account's first collect reaches back (1..3650; at most 3,200 posts)"
        ),
    )
    doc.add(
        "database_url",
        tomlkit.item("").comment(f"empty: SQLite in {data_dir()}; or a PostgreSQL URL"),
    )
    api = tomlkit.table()
    api.add("base_url", tomlkit.item(api_base).comment("the X API, or a local xsim"))
    api.add(
        "client_id",
        tomlkit.item(client_id).comment("OAuth 2.0 client id from the X developer portal"),
    )
    api.add(
        "callback_port",
        tomlkit.item(port).comment(f"register {redirect_uri(port)} as the app's callback"),
    )
    api.add("timeout_seconds", 30.0)
    api.add("max_retries", tomlkit.item(4).comment("for 5xx, timeouts, dropped connections"))
    api.add("max_concurrency_per_token", 4)
    api.add(tomlkit.comment('authorize_url = ""  # default: x.com for X, <base_url>/i/... else'))
    doc.add("api", api)
    accounts = tomlkit.aot()
    if username:
        entry = tomlkit.table()
        entry.add("name", account or "main")
        entry.add("username", username.removeprefix("@"))
        entry.add("auth", tomlkit.item("oauth2").comment('"bearer": public metrics only'))
        entry.add("own", True)
        owns = "does this sign-in own the developer app? its own posts cost $0.001 if so"
        if owns_app is None:
            entry.add(tomlkit.comment(f"owns_app = true   # {owns}, else $0.005"))
        else:
            entry.add("owns_app", tomlkit.item(owns_app).comment(f"{owns}, else $0.005"))
        accounts.append(entry)
        doc.add("accounts", accounts)
    else:
        doc.add(tomlkit.nl())
        doc.add(tomlkit.comment("[[accounts]]"))
        doc.add(tomlkit.comment('name = "main"'))
        doc.add(tomlkit.comment('username = "your_handle"'))
        doc.add(tomlkit.comment('auth = "oauth2"   # or "bearer" for an account you do not own'))
    return doc


PLAN_NOTE = """\
Your X API plan and what xpulse may spend. `plan` prices every read: pay-per-use bills
each post read ($0.001 your own, $0.005 anyone else's, $0.010 a user lookup, once per
UTC day); basic and pro are monthly plans with a read cap. `xpulse collect --dry-run`
shows a run's reads and dollars; a collect that would pass the budget stops first."""

DELIVERY_NOTE = """\

# Where `xpulse run` sends each period's report (docs/delivery.md); `xpulse config check`
# checks every destination. Files are on: each report is written there in every format.
[delivery]
cadence = "weekly on monday at 09:00"  # for `xpulse schedule install`, in each account's zone
period = "last-week"

[delivery.files]
folder = {folder}
formats = ["html", "md", "json", "csv"]

# Slack: create an incoming webhook (Slack app > Incoming Webhooks), put its URL in the
# environment (it is a secret, never in this file), then uncomment:
# [delivery.slack]
# webhook_url_env = "XPULSE_SLACK_WEBHOOK"

# Email: an SMTP server that accepts your login; the password goes in the environment
# (or the OS keyring as "smtp:<username>@<host>"), then uncomment and fill in:
# [delivery.email]
# host = "smtp.example.com"
# port = 587                    # 465 with security = "ssl"
# security = "starttls"         # starttls | ssl | none (a relay on this machine only)
# sender = "xpulse@example.com"
# recipients = ["team@example.com"]
# username = "xpulse@example.com"
# password_env = "XPULSE_SMTP_PASSWORD"

# Alerts (budget, spiking posts, an account needing sign-in, a failed run) go to Slack or
# email once that destination is set up:
# [delivery.alerts]
# channel = "slack"
"""


def default_reports_folder() -> Path:
    """Next to the config under XPULSE_HOME; else a folder in the user's home."""
    if os.environ.get("XPULSE_HOME", "").strip():
        return home_dir() / "reports"
    return Path.home() / "xpulse-reports"


def delivery_section(folder: Path) -> str:
    """The ``[delivery]`` text: files on, Slack and email commented with what they need."""
    import tomlkit

    return DELIVERY_NOTE.format(folder=tomlkit.item(str(folder)).as_string())


def _interactive(no_input: bool) -> bool:
    return not no_input and sys.stdin.isatty() and sys.stdout.isatty()


@click.command()
@click.option("--client-id", default="", help="OAuth 2.0 client id of your X app.")
@click.option("--account", "account", default=None, help="Name for the account [main].")
@click.option("--username", default=None, help="The account's X @username.")
@click.option("--api-base", default="https://api.x.com", show_default=True, help="API URL.")
@click.option("--timezone", default="UTC", show_default=True, help="IANA time zone.")
@click.option(
    "--plan",
    type=click.Choice(["pay-per-use", "basic", "pro", "enterprise"]),
    default="pay-per-use",
    show_default=True,
)
@click.option("--budget", type=float, default=5.0, show_default=True, help="USD per month.")
@click.option("--callback-port", type=int, default=8765, show_default=True)
@click.option(
    "--owns-app/--not-app-owner",
    "owns_app",
    default=None,
    help="Whether the account's sign-in owns the X developer app (X prices its own posts "
    "at $0.001 only then, $0.005 otherwise).",
)
@click.option(
    "--reports-folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where `xpulse run` writes report files [XPULSE_HOME/reports or ~/xpulse-reports].",
)
@click.option("--no-input", is_flag=True, help="Never ask; use flags and defaults only.")
@click.option("--force", is_flag=True, help="Overwrite an existing config.")
def init(
    force: bool,
    account: str | None,
    username: str | None,
    reports_folder: Path | None,
    no_input: bool,
    **opts: Any,
) -> None:
    """Write a commented config file (in XPULSE_HOME or the user config dir), with report
    files on. On a terminal it asks for what it cannot guess (client id, @username); with
    --no-input, or when not on a terminal, it never asks.

    Example:

        xpulse init --client-id abc123 --account main --username jack --owns-app
    """
    path = config_path()
    if path.exists() and not force:
        raise ConfigError(f"{path} already exists; pass --force to overwrite it")
    if _interactive(no_input):
        if not opts["client_id"]:
            opts["client_id"] = click.prompt(
                "OAuth 2.0 client id of your X app (developer portal > Keys and tokens)",
                default="",
                show_default=False,
            ).strip()
        if not username:
            username = (
                click.prompt("The X @username to report on (empty: add it later)", default="")
                .strip()
                .removeprefix("@")
                or None
            )
        if username and not account:
            account = click.prompt("A short name for this account", default="main").strip()
        if username and opts["owns_app"] is None:
            opts["owns_app"] = click.confirm(
                f"Does @{username} own the X developer app (its posts then cost $0.001)?",
                default=False,
            )
    if account and not username:
        raise UsageProblem("--account needs --username (the account's X @username)")
    folder = (reports_folder or default_reports_folder()).expanduser().absolute()
    doc = build_document(
        client_id=opts["client_id"],
        api_base=opts["api_base"],
        account=account,
        username=username,
        timezone=opts["timezone"],
        plan=opts["plan"],
        budget=opts["budget"],
        port=opts["callback_port"],
        owns_app=opts["owns_app"],
    )
    import tomlkit

    from xpulse.config.settings import parse_config
    from xpulse.fsutil import PRIVATE, write_atomic

    text = tomlkit.dumps(doc) + delivery_section(folder)
    parse_config(tomlkit.loads(text).unwrap(), path)  # refuse to write what cannot load
    # 0600 as before: the config names the app's client id and the accounts
    write_atomic(path, text, mode=PRIVATE, make_parents=True)
    click.echo(f"wrote {path}")
    click.echo(f"reports: files in {folder} (Slack and email: see [delivery] in the file)")
    login = f"xpulse auth login --account {account or 'main'}"
    if not opts["client_id"]:
        click.echo(f"next: set api.client_id in {path}, then run: {login}")
    elif not username:
        click.echo(f"next: add an [[accounts]] entry to {path}, then run: xpulse auth login")
    else:
        click.echo(f"next: {login}")
