"""``xpulse import``: history users already hold (X's data archive, X's analytics exports)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from xpulse.cli.options import account_option, opened_store

if TYPE_CHECKING:
    from xpulse.importers.model import ImportBatch


def _date(value: str | None, option: str) -> datetime | None:
    from xpulse.errors import UsageProblem

    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise UsageProblem(f"{option} {value!r} is not a date (use YYYY-MM-DD)") from None
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
@account_option("The account it belongs to (default: the only one).")
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
    from xpulse.importers.archive import archive_digest, read_archive

    stamp = _date(exported_at, "--exported-at")
    _run(
        "archive",
        [(path, archive_digest, functools.partial(read_archive, path, stamp))],
        account,
        dry_run,
    )


@import_.command(name="analytics-csv")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@account_option("The account it belongs to (default: the only one).")
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
    from xpulse.importers.analytics_csv import export_digest, read_export

    last = _date(end, "--end")
    day = last.date() if last else None
    files = [(p, export_digest, functools.partial(read_export, p, day)) for p in paths]
    _run("analytics-csv", files, account, dry_run)


def _run(
    kind: str,
    files: Sequence[tuple[Path, Callable[[Path], str], Callable[[], ImportBatch]]],
    account: str | None,
    dry_run: bool,
) -> None:
    """Import ``files`` (path, digest, reader) in one transaction; a file imported before
    is recognised by its digest and not even parsed."""
    from xpulse.config.settings import load_config
    from xpulse.importers.load import ImportResult, Target, check_owner, import_batches
    from xpulse.store import history

    config = load_config()
    chosen = config.account(account)
    target = Target(chosen.name, chosen.username)
    digests = [(path, digest(path), read) for path, digest, read in files]
    with opened_store(config) as engine:
        done: dict[Path, ImportResult] = {}
        with engine.connect() as conn:
            for path, sha, _ in digests:
                row = history.find_import(conn, target.name, kind, sha)
                if row is not None:
                    done[path] = ImportResult(
                        kind, str(path), target.name, row["as_of"], 0,
                        already_imported_at=row["imported_at"],
                    )  # fmt: skip
        batches = [read() for path, _, read in digests if path not in done]
        for batch in batches:  # every file is read and checked before anything is written
            check_owner(batch, target, None)
        results = import_batches(engine, batches, target, datetime.now(UTC), dry_run=dry_run)
    fresh = iter(results)
    for path, _, _ in digests:
        click.echo((done[path] if path in done else next(fresh)).summary())
