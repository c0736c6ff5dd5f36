"""``xpulse dashboard --out DIR``: the dashboard as self-contained files.

Each page is one HTML file holding its styles, its data and the chart library, so it opens
from disk with no network and no server; pages link to each other by relative file names.
All files are written at once (:func:`xpulse.fsutil.write_all_atomic`): a failure leaves
the folder as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from xpulse.errors import NoAccountDataError, PageNotFound
from xpulse.fsutil import write_all_atomic
from xpulse.web import pages
from xpulse.web.site import PORTFOLIO, Site, file_links

INDEX = "index.html"


def build_static(site: Site, out: Path, accounts: Sequence[str] | None = None) -> list[Path]:
    """Write the portfolio and the account pages (``accounts``, else all) for every period
    of ``site`` into ``out`` (made if missing; its parent must exist). Returns the files."""
    links = file_links()
    chosen = list(accounts) if accounts else site.accounts
    for name in chosen:
        if name not in site.accounts:
            known = ", ".join(site.accounts) or "none"
            raise PageNotFound(f"no account {name!r} (configured: {known})")
    files: dict[Path, str] = {}
    for period in site.periods:
        label = period.label
        portfolio = site.portfolio_html(label, links, inline=True)
        files[out / links.page(PORTFOLIO, label)] = portfolio
        if not files.get(out / INDEX):
            files[out / INDEX] = portfolio
        for name in chosen:
            path = out / links.page(name, label)
            try:
                files[path] = site.account_html(name, label, links, inline=True)
            except NoAccountDataError as exc:
                files[path] = pages.notice_page(
                    f"{name} · {label}", str(exc), nav=site.nav(name, label, links)
                )
    write_all_atomic(files, make_parents=True)
    return list(files)
