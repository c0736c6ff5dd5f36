"""``xsim export``: a world's user as X's downloads show them (see :mod:`xsim.world.exports`)."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import NoReturn

import click

from xsim.world.model import World

WORLD = click.option(
    "--world",
    "world_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="World JSON file (see `xsim world`).",
)
USER = click.option("--user", "handle", required=True, help="The user's @username or id.")


def _fail(message: str) -> NoReturn:
    click.echo(f"xsim: error: {message}", err=True)
    sys.exit(1)


def _load(path: Path) -> World:
    from xsim.world.document import WorldError, load_world

    try:
        return load_world(path)
    except WorldError as exc:
        _fail(str(exc))


@click.group()
def export() -> None:
    """Write a world user's data archive or analytics exports, in X's formats.

    Example:

    \b
        xsim export archive --world world.json --user lena_codes --out archive.zip
        xsim export analytics-csv --world world.json --user lena_codes \\
            --start 2026-05-01 --end 2026-06-01 --out-dir exports/
    """


@export.command()
@WORLD
@USER
@click.option("--at", "at", default=None, help="Export instant, ISO (default: the world's now).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def archive(world_path: Path, handle: str, at: str | None, out: Path) -> None:
    """The user's data archive zip (manifest.js, account.js, tweets.js) as of --at.

    Example:

        xsim export archive --world world.json --user lena_codes --out archive.zip
    """
    from xsim.clock import parse_instant
    from xsim.world.exports import ExportError, write_archive

    world = _load(world_path)
    try:
        moment = parse_instant(at) if at else world.now or datetime.now().astimezone()
        count = write_archive(world, handle, moment, out)
    except (ExportError, ValueError) as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot write {out}: {exc.strerror or exc}")
    click.echo(f"xsim: wrote {out}: {count} posts as of {moment.isoformat()}", err=True)


@export.command(name="analytics-csv")
@WORLD
@USER
@click.option("--start", required=True, help="First day, YYYY-MM-DD.")
@click.option(
    "--end", required=True, help="Day after the last, YYYY-MM-DD (counts as of 00:00 UTC)."
)
@click.option(
    "--layout",
    type=click.Choice(["classic", "content"]),
    default="classic",
    show_default=True,
    help="classic: tweet_activity_metrics_*.csv (40 columns); "
    "content: account_analytics_content_*.csv.",
)
@click.option("--monthly", is_flag=True, help="One file per calendar month, as X exports them.")
@click.option(
    "--out-dir", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path)
)
def analytics_csv(
    world_path: Path, handle: str, start: str, end: str, layout: str, monthly: bool, out_dir: Path
) -> None:
    """The user's analytics export(s) for the posts created in [--start, --end).

    Example:

        xsim export analytics-csv --world w.json --user lena_codes --start 2026-01-01 \\
            --end 2027-01-01 --monthly --out-dir exports/
    """
    from xsim.world.exports import ExportError, month_starts
    from xsim.world.exports import analytics_csv as make_csv

    world = _load(world_path)
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError as exc:
        _fail(f"bad date: {exc}")
    ranges = list(month_starts(first, last)) if monthly else [(first, last)]
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for a, b in ranges:
            name, text = make_csv(world, handle, a, b, layout)
            (out_dir / name).write_text(text, encoding="utf-8")
            click.echo(f"xsim: wrote {out_dir / name}", err=True)
    except ExportError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot write to {out_dir}: {exc.strerror or exc}")
