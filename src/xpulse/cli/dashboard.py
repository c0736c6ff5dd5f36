"""``xpulse dashboard``: write the dashboard's pages as self-contained files."""

from __future__ import annotations

from pathlib import Path

import click

from xpulse.cli.options import parse_as_of
from xpulse.web import DEFAULT_PERIODS


@click.command()
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the pages to (made if missing; its parent must exist).",
)
@click.option(
    "--period",
    "-p",
    "periods",
    multiple=True,
    metavar="SPEC",
    help="A period to build pages for; repeat for several (default: "
    + ", ".join(DEFAULT_PERIODS)
    + "). Same specs as `xpulse report --period`.",
)
@click.option(
    "--account", "-a", "accounts", multiple=True, metavar="NAME", help="Only these accounts."
)
@click.option("--tz", metavar="ZONE", help="IANA time zone (default: the config's).")
@click.option("--as-of", metavar="DATETIME", help="The store as seen at this instant.")
def dashboard(
    out: Path,
    periods: tuple[str, ...],
    accounts: tuple[str, ...],
    tz: str | None,
    as_of: str | None,
) -> None:
    """Write the dashboard: a page per account and period, and the portfolio, as files
    that open from disk with no network and no server.

    Every figure is the one `xpulse report --format json` gives for the same period.

    Example:

    \b
        xpulse dashboard --out ~/xpulse-dashboard
        xpulse dashboard --out site --period 2026-W21 --period 2026-05 --account main
    """
    from xpulse.config.settings import load_config
    from xpulse.fsutil import check_folder
    from xpulse.store import open_store
    from xpulse.web.site import Site
    from xpulse.web.static import INDEX, build_static

    now = parse_as_of(as_of)
    check_folder(out / INDEX) if out.exists() else check_folder(out)
    config = load_config()
    engine = open_store(config.db_url())
    try:
        site = Site(config, engine, now, periods or DEFAULT_PERIODS, tz)
        written = build_static(site, out, accounts or None)
    finally:
        engine.dispose()
    click.echo(f"wrote {len(written)} pages to {out}; open {out / INDEX}", err=True)
