"""``xpulse auth``: sign accounts in and out, and show where they stand."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING

import click

from xpulse.cli import failure
from xpulse.cli.options import account_option
from xpulse.errors import NoAccounts, XpulseError

if TYPE_CHECKING:
    from xpulse.config.settings import Config


@click.group()
def auth() -> None:
    """Sign in to X, check sign-in status, sign out.

    Example:

        xpulse auth login --account main && xpulse auth status
    """


def _open_browser(url: str) -> bool:
    import webbrowser

    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False


@auth.command()
@account_option("Account name from the config.")
@click.option("--no-browser", is_flag=True, help="Print the sign-in URL instead of opening it.")
@click.option(
    "--headless",
    is_flag=True,
    help="No browser or callback here: print the URL, then paste back the address the "
    "browser ended on (from any machine).",
)
@click.option("--timeout", type=float, default=300.0, show_default=True, help="Seconds to wait.")
@click.option(
    "--owns-app/--not-app-owner",
    "owns_app",
    default=None,
    help="Whether the signed-in user owns the X developer app (X prices their own posts at "
    "$0.001 only then, $0.005 otherwise); stored in the config. Unknown and on a terminal: "
    "asked after the sign-in.",
)
def login(
    account: str | None, no_browser: bool, headless: bool, timeout: float, owns_app: bool | None
) -> None:
    """Sign an account in with OAuth 2.0 (PKCE) through the browser. Checks first that the
    API answers (a few seconds, nothing billed). Then, when the config does not say whether
    the signed-in user owns the developer app, asks it on a terminal (never otherwise) and
    stores the answer in the config.

    Example:

        xpulse auth login --account main --no-browser --owns-app

        xpulse auth login --account main --headless   # on a server without a browser
    """
    from xpulse.accounts import signin
    from xpulse.config.settings import load_config
    from xpulse.errors import SignInError

    config = load_config()
    acct = config.account(account)

    def show(url: str) -> None:
        click.echo(f"Open this URL in a browser to sign in @{acct.username}:", err=True)
        click.echo(url)
        if headless:
            click.echo(
                "After approving, the browser goes to an address starting with "
                f"{oauth2_redirect(config)} (the page will not load: that is expected).",
                err=True,
            )
        else:
            click.echo(
                f"Waiting for the answer on 127.0.0.1:{config.api.callback_port} ...", err=True
            )

    def pasted() -> str:
        try:
            return str(click.prompt("Paste that whole address here", err=True))
        except click.Abort:
            raise SignInError(
                "no address was pasted; run `xpulse auth login --headless` again"
            ) from None

    result = signin.login(
        config,
        acct,
        show_url=show,
        open_browser=None if no_browser or headless else _open_browser,
        timeout=timeout,
        read_pasted=pasted if headless else None,
    )
    if result.warning:
        click.echo(f"xpulse: warning: {result.warning}", err=True)
    click.echo(
        f"{acct.name}: signed in as @{result.record.username} (user id {result.record.user_id})"
    )
    if acct.auth == "oauth2" and acct.own:
        _store_ownership(
            config, acct.name, result.record.username or acct.username, acct.owns_app, owns_app
        )


def _store_ownership(
    config: Config, name: str, username: str, known: bool | None, flag: bool | None
) -> None:
    """Put the app ownership in the config: the flag when given, else the answer on a
    terminal when the config does not say; off a terminal an unknown one is only named."""
    import sys

    from xpulse.collect.budget import ownership_unknown
    from xpulse.config.edit import set_owns_app

    owns = flag
    if owns is None and known is None:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            click.echo(
                f"xpulse: warning: {ownership_unknown(name)}, or sign in again with "
                f"`xpulse auth login --account {name} --owns-app` (or --not-app-owner)",
                err=True,
            )
            return
        owns = click.confirm(
            f"Does @{username} own the X developer app (its posts then cost $0.001, else $0.005)?",
            default=False,
        )
    if owns is None or owns == known:
        return
    set_owns_app(config.path, name, owns)
    click.echo(f"{name}: owns_app = {str(owns).lower()} stored in {config.path}")


def oauth2_redirect(config: Config) -> str:
    from xpulse.api.oauth2 import redirect_uri

    return redirect_uri(config.api.callback_port)


@auth.command()
@account_option("Only this account.")
def status(account: str | None) -> None:
    """Show each account's sign-in: where its credential comes from, user id, scopes,
    expiry. Never shows a secret and makes no API call. Exits 0 when every account shown
    can be used, 3 when one cannot (each says why and what to run), 2 for a config error.

    Example:

        xpulse auth status --account main
    """
    from xpulse.accounts import signin
    from xpulse.config.settings import load_config

    config = load_config()
    accounts = [config.account(account)] if account else config.accounts
    if not accounts:
        raise NoAccounts(config.path)
    cached = _cached_user_ids(config)
    unusable = []
    for acct in accounts:
        st = signin.status(config, acct, cached_user_id=cached.get(acct.name))
        expires = (
            st.expires_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if st.expires_at else "-"
        )
        click.echo(f"{st.account} (@{st.username}): {st.state}")
        click.echo(f"  user id: {st.user_id or '-'}")
        click.echo(f"  scopes:  {' '.join(st.scopes) or '-'}")
        click.echo(f"  expires: {expires}")
        click.echo(f"  source:  {st.source}")
        if st.reason:
            click.echo(f"  reason:  {st.reason}")
        if not st.usable:
            click.echo(f"  fix:     {st.fix}")
            unusable.append(st)
    for st in unusable:
        why = f"{st.state}: {st.reason}" if st.reason else st.state
        click.echo(
            f"xpulse: error: account {st.account!r} cannot be used ({why}); run: {st.fix}", err=True
        )
    if unusable:
        raise SystemExit(failure.UNUSABLE_ACCOUNT)


def _cached_user_ids(config: Config) -> dict[str, str]:
    """The user ids collect cached in the database; none when there is no database yet
    (a status check must not create one) or it cannot be opened."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from xpulse.store import open_store, queries

    url = config.db_url()
    try:
        parsed = make_url(url)
    except ArgumentError:
        return {}
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        return {}
    try:
        engine = open_store(url)
    except XpulseError:
        return {}
    try:
        with engine.connect() as conn:
            return queries.cached_user_ids(conn)
    except SQLAlchemyError:
        return {}
    finally:
        engine.dispose()


@auth.command()
@account_option("Account name from the config.")
def logout(account: str | None) -> None:
    """Revoke an account's tokens at X and forget them here.

    Example:

        xpulse auth logout --account main
    """
    from xpulse.accounts import signin
    from xpulse.config.settings import load_config

    config = load_config()
    click.echo(signin.logout(config, config.account(account)))
