"""``xpulse collect``: plan, check the budget, collect every configured account."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from xpulse.collect.runner import RunResult
    from xpulse.collect.service import Prepared


@click.command()
@click.option("--account", "account", metavar="NAME", help="Collect only this account.")
@click.option("--dry-run", is_flag=True, help="Print the plan (reads and dollars) and stop.")
@click.option("--allow-over-budget", is_flag=True, help="Run even if it passes the monthly budget.")
@click.option(
    "--history-days",
    type=click.IntRange(1, 3650),
    metavar="N",
    help="How far a first collect reaches back (default: config history_days, 90).",
)
def collect(
    account: str | None, dry_run: bool, allow_over_budget: bool, history_days: int | None
) -> None:
    """Collect new posts and refresh metrics that are due, for every account.

    Prints the plan (reads and dollars) before any read; a run that would pass the monthly
    budget does not start unless --allow-over-budget. An account's first collect reaches
    back history_days (--history-days overrides it); later ones read what is new.

    Example:

        xpulse collect --dry-run && xpulse collect
    """
    from xpulse.collect.budget import admit
    from xpulse.collect.service import execute, prepare
    from xpulse.config import load_config

    config = load_config()
    prepared = prepare(config, account, history_days=history_days)
    try:
        click.echo(prepared.prices.describe())
        for note in prepared.notes:
            click.echo(f"note: {note}")
        for line in prepared.plan.lines():
            click.echo(line)
        if dry_run:
            _dry_run_verdict(prepared, allow_over_budget)
            return
        if not prepared.plan.unsized:
            for note in admit(prepared.plan, allow_over_budget):
                click.echo(f"note: {note}")
        if sys.stderr.isatty():
            result = _with_progress(prepared, allow_over_budget)
        else:
            result = execute(prepared, allow_over_budget=allow_over_budget, show=click.echo)
    finally:
        prepared.engine.dispose()
    for acc in result.accounts:
        if acc.error:
            click.echo(f"xpulse: {acc.name}: {acc.error}", err=True)
    if result.stopped:
        click.echo(f"xpulse: {result.stopped}", err=True)
    click.echo(result.summary())
    if not result.ok:
        raise SystemExit(1)


def _dry_run_verdict(prepared: Prepared, allow_over_budget: bool) -> None:
    """What ``collect`` would do with this plan: run, or refuse and why (exit 0 either way:
    a dry run reads nothing)."""
    from xpulse.collect.budget import BudgetExceeded, admit

    if prepared.plan.unsized:
        names = ", ".join(prepared.plan.unsized)
        click.echo(
            f"collect would first read the post count of {names} (one user read each, "
            "the lookup a first collect makes anyway), then plan again and check the budget"
        )
        return
    try:
        notes = admit(prepared.plan, allow_over_budget)
    except BudgetExceeded as exc:
        click.echo(f"collect would not start: {exc}")
        return
    for note in notes:
        click.echo(f"note: {note}")
    click.echo("collect would start: it fits the budget and the plan's cap")


def _with_progress(prepared: Prepared, allow_over_budget: bool) -> RunResult:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from xpulse.collect.service import execute

    with Progress(
        TextColumn("collect"), BarColumn(), MofNCompleteColumn(), TextColumn("reads"),
        transient=True, console=Console(stderr=True),
    ) as bar:  # fmt: skip
        task = bar.add_task("reads", total=max(prepared.plan.reads, 1))

        def advance(_account: str, reads: int) -> None:
            bar.advance(task, reads)

        return execute(
            prepared, allow_over_budget=allow_over_budget, progress=advance, show=bar.console.print
        )
