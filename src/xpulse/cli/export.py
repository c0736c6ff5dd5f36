"""``xpulse export``: stored posts with latest metrics, or every observation."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from xpulse.cli.options import account_option, opened_store, out_option
from xpulse.errors import UsageProblem

if TYPE_CHECKING:
    from sqlalchemy import Engine


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "xlsx"]),
    default="jsonl",
    show_default=True,
    help="xlsx: one sheet with typed cells (needs --out and the xlsx extra).",
)
@click.option("--observations", is_flag=True, help="Every observation, not the latest per post.")
@account_option("Only this account's posts.")
@out_option("File (default stdout).")
def export(fmt: str, observations: bool, account: str | None, out: Path | None) -> None:
    """Export stored posts with their latest metrics (or --observations: every read).

    CSV cells are safe in a spreadsheet; a file is written whole or not at all, and only
    into a folder that exists.

    Example:

    \b
        xpulse export --format csv --out posts.csv
        xpulse export --format xlsx --observations --out history.xlsx
    """
    from xpulse.config.settings import load_config
    from xpulse.fsutil import atomic_writer, check_folder
    from xpulse.operations.export import Format
    from xpulse.operations.export import export as run_export

    if fmt == "xlsx" and out is None:
        raise UsageProblem("xlsx is binary: give --out FILE.xlsx")
    if out is not None:
        check_folder(out)  # a typo in the folder is refused, not created, and before any work
    config = load_config()
    if account is not None:
        config.account(account)  # an unknown name is a clear error, not an empty file
    kind: Format = "csv" if fmt == "csv" else "jsonl"
    with opened_store(config) as engine:
        if fmt == "xlsx" and out is not None:
            count = _export_xlsx(engine, out, observations, account)
        else:
            with engine.connect() as conn:
                if out is None:
                    run_export(conn, kind, sys.stdout, observations=observations, account=account)
                    return
                with atomic_writer(out) as fh:
                    count = run_export(conn, kind, fh, observations=observations, account=account)
    click.echo(f"wrote {count:,} records to {out}", err=True)


def _export_xlsx(engine: Engine, out: Path, observations: bool, account: str | None) -> int:
    from xpulse.fsutil import atomic_path
    from xpulse.operations import export as ex
    from xpulse.render import xlsx_module

    xlsx = xlsx_module()

    with engine.connect() as conn, atomic_path(out) as tmp:
        if observations:
            names, sheet = ex.OBSERVATION_COLUMNS, "Observations"
            records = ex.observation_records(conn, account)
        else:
            names, sheet = ex.POST_COLUMNS, "Posts"
            records = ex.post_records(conn, account)
        return int(
            xlsx.write_table(tmp, sheet, xlsx.export_columns(names, ex.COUNT_COLUMNS), records)
        )
