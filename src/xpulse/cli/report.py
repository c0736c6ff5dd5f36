"""``xpulse report``: render one account's report (or the portfolio) from the store."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console

from xpulse.analytics.document import Report
from xpulse.config import load_config
from xpulse.errors import XpulseError
from xpulse.fsutil import check_folder, write_atomic
from xpulse.render import FILE_FORMATS, SUFFIXES, FileFormat, Format, render_file
from xpulse.render import portfolio as pf
from xpulse.render.terminal import print_report
from xpulse.reporting import make_portfolio, make_report
from xpulse.store import open_store


class UsageProblem(XpulseError):
    """Options that do not go together."""

    exit_code = 2


def _as_of(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageProblem(f"--as-of {value!r} is not an ISO 8601 date and time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _format(chosen: str | None, out: Path | None) -> FileFormat:
    """``--format`` when given (whatever the suffix), else from ``--out``'s suffix, else
    text. A suffix that names no format is refused: ``week.pdf`` must not get text."""
    if chosen is not None:
        return next(f for f in FILE_FORMATS if f == chosen)
    if out is None or not out.suffix:
        return "text"
    found = SUFFIXES.get(out.suffix.lower())
    if found is None:
        known = ", ".join(dict.fromkeys(SUFFIXES))
        raise UsageProblem(
            f"cannot tell a format from {out.name!r}: name it {known} or give --format"
        )
    return found


@click.command()
@click.option("--account", "-a", metavar="NAME", help="Configured account (needed if several).")
@click.option("--all-accounts", is_flag=True, help="Portfolio summary: one row per account.")
@click.option(
    "--period",
    "-p",
    default="last-week",
    show_default=True,
    metavar="SPEC",
    help="last-week, this-week, last-month, this-month, 2026-W21, 2026-05, 2026-05-04 "
    "or 2026-05-01..2026-05-31.",
)
@click.option("--tz", metavar="ZONE", help="IANA time zone (default: the account's, then config).")
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(FILE_FORMATS),
    help="Output format (default: from --out's suffix: .txt .md .html .json .csv .pdf; "
    "else text). PDF needs --out and the pdf extra.",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to FILE (atomically) instead of standard output.",
)
@click.option("--as-of", metavar="DATETIME", help="Report as seen at this instant (default: now).")
def report(
    account: str | None,
    all_accounts: bool,
    period: str,
    tz: str | None,
    fmt: str | None,
    out: Path | None,
    as_of: str | None,
) -> None:
    """Report how the account's posts did: totals against the previous period, top posts,
    best time to post, content types, spikes, lifecycle and the collection's cost.

    Every figure comes from the store; run `xpulse collect` first.

    Example:

    \b
        xpulse report --account main --period 2026-W21 --out week21.html
        xpulse report --all-accounts --period last-month --format md
        xpulse report --account main --period last-month --out month.pdf
    """
    if all_accounts and account:
        raise UsageProblem("use either --account or --all-accounts, not both")
    chosen = _format(fmt, out)
    if chosen == "pdf" and (out is None or all_accounts):
        raise UsageProblem("--format pdf needs --out FILE and one account (not --all-accounts)")
    now = _as_of(as_of)
    if out is not None:
        check_folder(out)  # a typo in the folder is refused, not created, and before any work
    config = load_config()
    engine = open_store(config.db_url())
    try:
        if all_accounts:
            assert chosen != "pdf"  # refused above
            content: str | bytes = _render_portfolio(
                make_portfolio(config, engine, period=period, tz=tz, now=now), chosen, out
            )
        else:
            document = make_report(config, engine, account=account, period=period, tz=tz, now=now)
            if chosen == "text" and out is None:
                _print_terminal(document)
                return
            content = render_file(document, chosen)
    finally:
        engine.dispose()
    if out is None:
        click.echo(content, nl=False)  # text: PDF needs --out
    else:
        write_atomic(out, content)
        click.echo(f"wrote {out}", err=True)


def _print_terminal(document: Report) -> None:
    print_report(document, Console(highlight=False, emoji=False))


def _render_portfolio(portfolio: pf.Portfolio, chosen: Format, out: Path | None) -> str:
    if chosen == "text":
        color = out is None and sys.stdout.isatty()
        return pf.render_portfolio_text(portfolio, color=color)
    if chosen == "md":
        return pf.render_portfolio_markdown(portfolio)
    if chosen == "html":
        return pf.render_portfolio_html(portfolio)
    if chosen == "csv":
        return pf.render_portfolio_csv(portfolio)
    return portfolio.to_json()
