"""``xpulse config check``: validate the config, secrets and destinations; a checklist."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click


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
def check(path: Path | None) -> None:
    """Load and validate everything a run needs: accounts and sign-in, the database,
    destinations (webhook URL, SMTP host, recipients, secrets present), the cadence and
    alerts. Prints a checklist; exits non-zero if anything fails. Makes no API call.

    Example:

        xpulse config check
    """
    from xpulse.config_check import run_checks

    checks = run_checks(path, datetime.now(UTC))
    for item in checks:
        click.echo(item.line())
    failed = sum(1 for c in checks if not c.ok)
    click.echo(f"{len(checks) - failed} ok, {failed} failed")
    if failed:
        raise SystemExit(2)
