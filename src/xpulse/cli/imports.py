"""``xpulse import``: history users already hold (X's data archive, X's analytics exports)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from xpulse.importers.model import ImportBatch


def _date(value: str | None, option: str) -> datetime | None:
    from xpulse.errors import ConfigError

    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option} {value!r} is not a date (use YYYY-MM-DD)") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@click.group(name="import")
def import_() -> None:
    """Import history you already hold: X's data archive and analytics exports.

    Each file is one transaction: all of it or, on any problem, nothing. Importing the same
    file again changes nothing.

    Example:

        xpulse import archive twitter-2026-05-01.zip --dry-run
    """


@import_.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--account", metavar="NAME", help="The account it belongs to (default: the only one)."
)
@click.option(
    "--exported-at",
    metavar="DATE",
    help="When the archive was exported, if it has no data/manifest.js (YYYY-MM-DD).",
)
@click.option("--dry-run", is_flag=True, help="Say what would be imported; write nothing.")
def archive(path: Path, account: str | None, exported_at: str | None, dry_run: bool) -> None:
    """Import X's data archive: the .zip, its unpacked folder, or data/tweets.js.

    Posts go in with their content type and media; their likes and reposts become
    observations at the archive's export time, marked "archive". Posts already collected
    from the API keep their rows, and a later API read always wins over the archive.

    Example:

        xpulse import archive ~/Downloads/twitter-2026-05-01-abc.zip --account brand
    """
    from xpulse.importers.archive import read_archive

    _run([lambda: read_archive(path, _date(exported_at, "--exported-at"))], account, dry_run)


@import_.command(name="analytics-csv")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--account", metavar="NAME", help="The account it belongs to (default: the only one)."
)
@click.option(
    "--end",
    metavar="DATE",
    help="The export's last day, if the file name does not carry it (YYYY-MM-DD).",
)
@click.option("--dry-run", is_flag=True, help="Say what would be imported; write nothing.")
def analytics_csv(
    paths: tuple[Path, ...], account: str | None, end: str | None, dry_run: bool
) -> None:
    """Import X's analytics exports (tweet_activity_metrics_*.csv, account_analytics_content_*.csv).

    Impressions, engagements, clicks, likes, reposts and replies become observations at the
    end of the export's last day, marked "analytics-csv". All files go in together or, if
    one is bad, none does.

    Example:

        xpulse import analytics-csv tweet_activity_metrics_brand_2026*.csv --account brand
    """
    from xpulse.importers.analytics_csv import read_export

    last = _date(end, "--end")
    day = last.date() if last else None
    _run([functools.partial(read_export, p, day) for p in paths], account, dry_run)


def _run(reads: list[Callable[[], ImportBatch]], account: str | None, dry_run: bool) -> None:
    from xpulse.config import load_config
    from xpulse.importers.load import Target, check_owner, import_batches
    from xpulse.store import open_store

    config = load_config()
    chosen = config.account(account)
    target = Target(chosen.name, chosen.username)
    batches = [read() for read in reads]  # a bad file is refused before the store is opened
    for batch in batches:
        check_owner(batch, target, None)
    engine = open_store(config.db_url())
    try:
        results = import_batches(engine, batches, target, datetime.now(UTC), dry_run=dry_run)
    finally:
        engine.dispose()
    for result in results:
        click.echo(result.summary())
