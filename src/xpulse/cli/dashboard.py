"""``xpulse dashboard``: write the dashboard's pages as self-contained files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from xpulse.cli.options import (
    accounts_option,
    as_of_option,
    opened_store,
    out_option,
    periods_option,
    tz_option,
)
from xpulse.web import DEFAULT_PERIODS


@click.command()
@out_option(
    "Folder to write the pages to (made if missing; its parent must exist).",
    folder=True,
    required=True,
)
@periods_option(
    "A period to build pages for; repeat for several (default: "
    + ", ".join(DEFAULT_PERIODS)
    + "). Same specs as `xpulse report --period`."
)
@accounts_option("Only these accounts.")
@tz_option("IANA time zone (default: the config's).")
@as_of_option("The store as seen at this instant.")
def dashboard(
    out: Path,
    periods: tuple[str, ...],
    accounts: tuple[str, ...],
    tz: str | None,
    as_of: datetime,
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
    from xpulse.web.site import Site
    from xpulse.web.static import INDEX, build_static

    check_folder(out / INDEX) if out.exists() else check_folder(out)
    config = load_config()
    with opened_store(config) as engine:
        site = Site(config, engine, as_of, periods or DEFAULT_PERIODS, tz)
        written = build_static(site, out, accounts or None)
    click.echo(f"wrote {len(written)} pages to {out}; open {out / INDEX}", err=True)
