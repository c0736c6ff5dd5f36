"""``xpulse auth``: sign accounts in and out, and show where they stand."""

from __future__ import annotations

import webbrowser
from datetime import UTC

import click

from xpulse.config import load_config


@click.group()
def auth() -> None:
    """Sign in to X, check sign-in status, sign out.

    Example:

        xpulse auth login --account main && xpulse auth status
    """


def _open_browser(url: str) -> bool:
    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False


@auth.command()
@click.option("--account", default=None, help="Account name from the config.")
@click.option("--no-browser", is_flag=True, help="Print the sign-in URL instead of opening it.")
@click.option("--timeout", type=float, default=300.0, show_default=True, help="Seconds to wait.")
def login(account: str | None, no_browser: bool, timeout: float) -> None:
    """Sign an account in with OAuth 2.0 (PKCE) through the browser.

    Example:

        xpulse auth login --account main --no-browser
    """
    from xpulse.api import signin

    config = load_config()
    acct = config.account(account)

    def show(url: str) -> None:
        click.echo(f"Open this URL in a browser to sign in @{acct.username}:", err=True)
        click.echo(url)
        click.echo(f"Waiting for the answer on 127.0.0.1:{config.api.callback_port} ...", err=True)

    result = signin.login(
        config,
        acct,
        show_url=show,
        open_browser=None if no_browser else _open_browser,
        timeout=timeout,
    )
    if result.warning:
        click.echo(f"xpulse: warning: {result.warning}", err=True)
    click.echo(
        f"{acct.name}: signed in as @{result.record.username} (user id {result.record.user_id})"
    )


@auth.command()
@click.option("--account", default=None, help="Only this account.")
def status(account: str | None) -> None:
    """Show each account's sign-in: user id, scopes, expiry. Never shows a secret.

    Example:

        xpulse auth status --account main
    """
    from xpulse.api import signin

    config = load_config()
    accounts = [config.account(account)] if account else config.accounts
    if not accounts:
        click.echo(f"no accounts in {config.path}")
        return
    needs = False
    for acct in accounts:
        st = signin.status(config, acct)
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
        needs = needs or st.state in ("needs sign-in", "not signed in")
    if needs:
        click.echo("run `xpulse auth login --account NAME` for the accounts above", err=True)


@auth.command()
@click.option("--account", default=None, help="Account name from the config.")
def logout(account: str | None) -> None:
    """Revoke an account's tokens at X and forget them here.

    Example:

        xpulse auth logout --account main
    """
    from xpulse.api import signin

    config = load_config()
    click.echo(signin.logout(config, config.account(account)))
