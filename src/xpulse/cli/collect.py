"""``xpulse collect``: plan, check the budget, collect every configured account."""

from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING

import click

from xpulse.cli import failure
from xpulse.cli.options import account_option

if TYPE_CHECKING:
    from xpulse.collect.runner import RunResult
    from xpulse.operations.collect import Prepared


@click.command()
@account_option("Collect only this account.")
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
    from xpulse.collect.guard import admit
    from xpulse.config.settings import load_config
    from xpulse.operations.collect import execute, prepare

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
        raise SystemExit(failure.FAILED)


def _dry_run_verdict(prepared: Prepared, allow_over_budget: bool) -> None:
    """What ``collect`` would do with this plan: run, or refuse and why (exit 0 either way:
    a dry run reads nothing)."""
    from xpulse.collect.guard import admit
    from xpulse.errors import BudgetExceeded

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


class Tally:
    """Reads done against the plan: each account counts at its planned reads (an estimate,
    or X's bound on a first sweep) until it ends, then at what it really read. So the total
    comes down to the truth account by account, and ends on the real count."""

    def __init__(self, planned: dict[str, int]) -> None:
        self.planned = dict(planned)
        self.read: dict[str, int] = dict.fromkeys(planned, 0)
        self.ended: set[str] = set()
        self._lock = threading.Lock()

    def add(self, account: str, reads: int) -> None:
        with self._lock:
            self.read[account] = self.read.get(account, 0) + reads

    def end(self, account: str) -> None:
        with self._lock:
            self.ended.add(account)

    @property
    def done(self) -> int:
        return sum(self.read.values())

    @property
    def total(self) -> int:
        """Real counts of ended accounts; for the others at least what they have read."""
        with self._lock:
            return sum(
                self.read.get(a, 0) if a in self.ended else max(n, self.read.get(a, 0))
                for a, n in self.planned.items()
            )


def _with_progress(prepared: Prepared, allow_over_budget: bool) -> RunResult:
    """A bar on the terminal (stderr): reads against the plan, the time it may still take."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from xpulse.operations.collect import execute

    plan = prepared.plan
    tally = Tally({a.name: a.reads for a in plan.accounts})
    bound = any(a.timeline_is_bound for a in plan.accounts)
    with Progress(
        TextColumn("collect"), BarColumn(), TextColumn("{task.fields[count]}"),
        TimeElapsedColumn(), TextColumn("{task.fields[left]}"),
        console=Console(stderr=True),  # the last frame stays: the real count
    ) as bar:  # fmt: skip
        started = time.monotonic()
        task = bar.add_task("reads", total=max(tally.total, 1), count="", left="")

        def show() -> None:
            done, total = tally.done, max(tally.total, 1)
            running = len(tally.ended) < len(tally.planned)
            mark = ("up to " if bound else "~") if running else ""  # at the end: the real count
            bar.update(
                task,
                completed=done,
                total=total,
                count=f"{done:,} of {mark}{total:,} reads",
                left=_time_left(done, total, time.monotonic() - started),
            )

        def advance(account: str, reads: int) -> None:
            tally.add(account, reads)
            show()

        def ended(account: str) -> None:
            tally.end(account)
            show()

        show()
        return execute(
            prepared,
            allow_over_budget=allow_over_budget,
            progress=advance,
            account_done=ended,
            show=bar.console.print,
        )


def _time_left(done: int, total: int, elapsed: float) -> str:
    """At the rate so far; nothing until there is a rate to go by."""
    if done <= 0 or elapsed < 1.0 or done >= total:
        return ""
    seconds = (total - done) * elapsed / done
    if seconds < 60:
        return f"~{seconds:.0f} s left"
    return f"~{seconds / 60:.0f} min left"
