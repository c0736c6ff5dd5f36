"""``xpulse init``: write a commented config file (never a secret), from the config's
template (:mod:`xpulse.config.template`).

What it cannot guess (the app's client id, the account's @username) it asks for on a
terminal; with flags, or when stdin is not a terminal (cron, CI, a script), it never asks.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from xpulse.config.paths import config_path
from xpulse.config.template import build_document, default_reports_folder, delivery_section
from xpulse.errors import ConfigError, UsageProblem


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
    from xpulse.api.oauth2 import redirect_uri

    doc = build_document(
        callback_url=redirect_uri(opts["callback_port"]),
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
