"""``xpulse report``: render one account's report (or the portfolio) from the store."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from xpulse.cli.options import (
    PERIOD_SPECS,
    account_option,
    as_of_option,
    opened_store,
    out_option,
    period_option,
    tz_option,
)
from xpulse.errors import ConfigError, UsageProblem

if TYPE_CHECKING:
    from xpulse.analytics.document import Report
    from xpulse.analytics.portfolio import Portfolio
    from xpulse.config.settings import Config
    from xpulse.render import FileFormat, Format

# xpulse.render.FILE_FORMATS, spelled out so that `report --help` imports no renderer (a test
# keeps the two equal).
FORMAT_NAMES = ("text", "md", "html", "json", "csv", "pdf", "xlsx")


def _format(chosen: str | None, out: Path | None) -> FileFormat:
    """``--format`` when given (whatever the suffix), else from ``--out``'s suffix, else
    text. A suffix that names no format is refused: ``week.pdf`` must not get text."""
    from xpulse.render import FILE_FORMATS, SUFFIXES

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
@account_option("Configured account (needed if several).")
@click.option("--all-accounts", is_flag=True, help="Portfolio summary: one row per account.")
@period_option(f"{PERIOD_SPECS}.", default="last-week")
@tz_option("IANA time zone (default: the account's, then config).")
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(FORMAT_NAMES),
    help="Output format (default: from --out's suffix: .txt .md .html .json .csv .pdf .xlsx; "
    "else text). pdf and xlsx are binary: give --out (pdf needs the pdf extra, xlsx the xlsx "
    "extra); xlsx is a workbook of Summary, Posts and Daily sheets.",
)
@out_option("Write to FILE (atomically) instead of standard output.")
@as_of_option("Report as seen at this instant (default: now).")
@click.option(
    "--to",
    "to",
    type=click.Choice(["sheets"]),
    help="Write the report to the account's [delivery.sheets] spreadsheet instead of "
    "printing it (a period already there is updated in place): e.g. to fill past weeks.",
)
def report(
    account: str | None,
    all_accounts: bool,
    period: str,
    tz: str | None,
    fmt: str | None,
    out: Path | None,
    as_of: datetime,
    to: str | None,
) -> None:
    """Report how the account's posts did: totals against the previous period, top posts,
    best time to post, content types, spikes, lifecycle and the collection's cost.

    Every figure comes from the store; run `xpulse collect` first.

    Example:

    \b
        xpulse report --account main --period 2026-W21 --out week21.html
        xpulse report --all-accounts --period last-month --format md
        xpulse report --account main --period last-month --out may.xlsx
        xpulse report --account main --period 2026-W20 --to sheets
        xpulse report --account main --period last-month --out month.pdf
    """
    from xpulse.config.settings import load_config
    from xpulse.fsutil import check_folder, write_atomic
    from xpulse.operations.report import make_portfolio, make_report
    from xpulse.render import render_file, xlsx_module

    if all_accounts and account:
        raise UsageProblem("use either --account or --all-accounts, not both")
    if to and (all_accounts or fmt or out):
        raise UsageProblem(
            "--to sheets writes one account's report: leave out --all-accounts, --format and --out"
        )
    chosen = _format(fmt, out)
    if chosen == "pdf" and (out is None or all_accounts):
        raise UsageProblem("--format pdf needs --out FILE and one account (not --all-accounts)")
    if chosen == "xlsx" and out is None and sys.stdout.isatty():
        raise UsageProblem("xlsx is binary: give --out FILE.xlsx (or redirect the output)")
    if out is not None:
        check_folder(out)  # a typo in the folder is refused, not created, and before any work
    config = load_config()
    content: str | bytes
    with opened_store(config) as engine:
        if all_accounts:
            portfolio = make_portfolio(config, engine, period=period, tz=tz, now=as_of)
            if chosen == "xlsx":
                content = xlsx_module().render_portfolio_xlsx(portfolio)
            else:
                assert chosen != "pdf"  # refused above
                content = _render_portfolio(portfolio, chosen, out)
        else:
            document = make_report(config, engine, account=account, period=period, tz=tz, now=as_of)
            if to == "sheets":
                _to_sheets(config, document)
                return
            if chosen == "text" and out is None:
                _print_terminal(document)
                return
            content = render_file(document, chosen)
    if out is None:
        click.echo(content, nl=False)  # click writes bytes (xlsx) to the binary stream
    else:
        write_atomic(out, content)
        click.echo(f"wrote {out}", err=True)


def _to_sheets(config: Config, document: Report) -> None:
    from xpulse.operations.outbox import Transports
    from xpulse.operations.targets import resolve_sheets

    name = document.account.name
    conf = config.delivery.for_account(name).sheets
    if conf is None:
        raise ConfigError(f"{config.path}: no [delivery.sheets] for account {name!r}")
    target = resolve_sheets(conf, f"{config.path}: delivery ({name})")
    url = target.write(document, Transports())
    click.echo(f"wrote {name} {document.period.label} to {url}", err=True)


def _print_terminal(document: Report) -> None:
    from rich.console import Console

    from xpulse.render.terminal import print_report

    print_report(document, Console(highlight=False, emoji=False))


def _render_portfolio(portfolio: Portfolio, chosen: Format, out: Path | None) -> str:
    from xpulse.render import portfolio as pf

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
