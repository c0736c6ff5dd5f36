"""``xpulse config check``: validate the config, secrets and destinations; a checklist."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from xpulse.cli import failure


@click.group()
def config() -> None:
    """Inspect the configuration.

    Example:

        xpulse config check
    """


@config.command()
@click.option(
    "--file", "path", type=click.Path(dir_okay=False, path_type=Path),
    help="Check this file instead of the default config.",
)  # fmt: skip
@click.option(
    "--offline", is_flag=True,
    help="Leave out the checks that connect (the API, Slack, SMTP).",
)  # fmt: skip
def check(path: Path | None, offline: bool) -> None:
    """Load and validate everything a run needs: that the API answers (asked without a
    token: nothing read or billed), accounts and sign-in, the database, destinations
    (webhook URL, SMTP host, recipients, secrets present; Slack and SMTP reached by
    connecting, nothing sent), the cadence and alerts. Prints a checklist, one line per
    problem with its fix; exits 2 if anything fails.

    Example:

        xpulse config check
    """
    from xpulse.operations.config_check import run_checks

    checks = run_checks(path, datetime.now(UTC), network=not offline)
    for item in checks:
        click.echo(item.line())
    failed = sum(1 for c in checks if not c.ok)
    click.echo(f"{len(checks) - failed} ok, {failed} failed")
    if failed:
        raise SystemExit(failure.CONFIG)
