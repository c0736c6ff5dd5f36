"""``xpulse run``: collect, report and deliver every account; what a schedule calls."""

from __future__ import annotations

import click

from xpulse.cli import failure
from xpulse.cli.options import RUN_PERIOD, accounts_option, period_option

# xpulse.config.delivery.DESTINATIONS, spelled out so that `run --help` imports no config
# model (a test keeps the two equal).
DESTINATION_NAMES = ("slack", "email", "files", "sheets")


@click.command()
@accounts_option()
@period_option(RUN_PERIOD)
@click.option(
    "--only", "only", multiple=True, type=click.Choice(DESTINATION_NAMES),
    help="Deliver only to this destination (repeatable); the others are not checked or sent.",
)  # fmt: skip
@click.option(
    "--dry-run", is_flag=True, help="Show what would be read, spent and sent; do nothing."
)
@click.option("--allow-over-budget", is_flag=True, help="Collect even past the monthly budget.")
def run(
    accounts: tuple[str, ...],
    period: str | None,
    only: tuple[str, ...],
    dry_run: bool,
    allow_over_budget: bool,
) -> None:
    """Collect, make the period's report and deliver it to every configured destination
    (Slack, email, files), then send any alerts.

    Running it again for the same period sends nothing twice: a destination that failed is
    retried, one that succeeded is skipped. Exits non-zero if any account or destination
    failed, with one line per account.

    Example:

    \b
        xpulse run --dry-run
        xpulse run --period 2026-W21 --only slack
    """
    from xpulse.config.delivery import DESTINATIONS, DestinationName
    from xpulse.config.settings import load_config
    from xpulse.operations.run import RunOptions, run_job

    chosen: tuple[DestinationName, ...] = tuple(d for d in DESTINATIONS if d in only)
    options = RunOptions(accounts, period, chosen, dry_run, allow_over_budget)
    outcome = run_job(load_config(), options, echo=click.echo)
    for line in outcome.lines():
        click.echo(line)
    if not outcome.ok:
        raise SystemExit(failure.FAILED)
