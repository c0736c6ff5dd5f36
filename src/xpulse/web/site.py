"""What the dashboard shows: its periods, accounts and pages, assembled from the store.

A :class:`Site` is one view of the store at one instant (``now``) over a fixed list of
periods. Its pages are keyed by account name and period label (``2026-W21``, ``2026-05``),
which are also valid ``--period`` specs, so a page and ``xpulse report --period LABEL
--as-of NOW --format json`` describe the same thing. Both the static build and the ASGI
app ask a Site for HTML; the only difference is how a page links to another
(:class:`Links`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from sqlalchemy import Engine

from xpulse.analytics import parse_period
from xpulse.analytics.document import Report
from xpulse.analytics.periods import Period
from xpulse.analytics.portfolio import Portfolio
from xpulse.config.settings import Config
from xpulse.errors import PageNotFound
from xpulse.operations.report import make_portfolio, make_report
from xpulse.web import DEFAULT_PERIODS, pages, trends
from xpulse.web.reads import post_reads

PORTFOLIO: Final = "portfolio"


@dataclass(frozen=True)
class Links:
    """How one page links to another: file names on disk, or paths of the live app."""

    page: Callable[[str, str], str]  # (account name or PORTFOLIO, period label) -> href


def file_links() -> Links:
    """Relative file names for a static folder: ``index.html`` is the first portfolio page."""
    return Links(page=lambda who, label: f"{who}--{label.replace('..', '_')}.html")


def app_links() -> Links:
    """Paths of the live app."""
    return Links(
        page=lambda who, label: "/" if who == PORTFOLIO else f"/account/{who}?period={label}"
    )


@dataclass
class Site:
    """The dashboard of ``config``'s accounts over ``periods`` as the store is at ``now``."""

    config: Config
    engine: Engine
    now: datetime
    period_specs: Sequence[str] = DEFAULT_PERIODS
    tz: str | None = None
    _periods: list[Period] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        zone = self.tz or self.config.timezone
        seen: dict[str, Period] = {}
        for spec in self.period_specs:
            period = parse_period(spec, zone, self.now)
            seen.setdefault(period.label, period)
        self._periods = list(seen.values())

    @property
    def periods(self) -> list[Period]:
        return list(self._periods)

    @property
    def accounts(self) -> list[str]:
        return [a.name for a in self.config.accounts]

    def period(self, label: str | None) -> Period:
        """The site's period of ``label`` (the first when None)."""
        if label is None:
            return self._periods[0]
        for period in self._periods:
            if period.label == label:
                return period
        known = ", ".join(p.label for p in self._periods)
        raise PageNotFound(f"no period {label!r} on this dashboard (it has {known})")

    def report(self, account: str, label: str | None) -> Report:
        if account not in self.accounts:
            known = ", ".join(self.accounts) or "none"
            raise PageNotFound(f"no account {account!r} (configured: {known})")
        period = self.period(label)
        return make_report(
            self.config, self.engine, account=account, period=period.label, tz=self.tz, now=self.now
        )

    def portfolio(self, label: str | None) -> Portfolio:
        period = self.period(label)
        return make_portfolio(
            self.config, self.engine, period=period.label, tz=self.tz, now=self.now
        )

    def nav(self, who: str, label: str, links: Links) -> pages.Nav:
        """The pickers of a page: every period of ``who`` and every account for ``label``."""
        return pages.Nav(
            periods=[
                pages.Choice(
                    p.label + (" (so far)" if p.partial else ""),
                    links.page(who, p.label),
                    p.label == label,
                )
                for p in self._periods
            ],
            accounts=[pages.Choice("All accounts", links.page(PORTFOLIO, label), who == PORTFOLIO)]
            + [pages.Choice(name, links.page(name, label), name == who) for name in self.accounts],
        )

    def account_html(self, account: str, label: str | None, links: Links, *, inline: bool) -> str:
        """One account's page; ``inline`` puts the chart library in the page itself."""
        report = self.report(account, label)
        with self.engine.connect() as conn:
            reads = post_reads(conn, [p.id for p in report.posts], self.now)
            weekly, monthly = trends.account_trends(
                conn, self.config, account, self.now, self.tz or self._zone(account)
            )
        return pages.account_page(
            report,
            nav=self.nav(account, report.period.label, links),
            reads=reads,
            weekly=weekly,
            monthly=monthly,
            inline=inline,
        )

    def portfolio_html(self, label: str | None, links: Links, *, inline: bool) -> str:
        portfolio = self.portfolio(label)
        return pages.portfolio_page(
            portfolio,
            nav=self.nav(PORTFOLIO, portfolio.period.label, links),
            account_href=lambda name: links.page(name, portfolio.period.label),
            inline=inline,
        )

    def _zone(self, account: str) -> str:
        acct = self.config.account(account)
        return acct.timezone or self.config.timezone
