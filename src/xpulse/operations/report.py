"""Make a report from the store: the one library call behind ``xpulse report``.

Config says which account and time zone; the store gives the rows; analytics builds the
:class:`Report`; a rendering formats it. Errors a user can cause (unknown account, bad
period or time zone, an empty database) are :class:`XpulseError` subclasses with one line.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from xpulse.analytics import ReportOptions, build_report, parse_period, report_windows
from xpulse.analytics.detail import build_detail
from xpulse.analytics.document import Report
from xpulse.analytics.portfolio import Portfolio, PortfolioAccount, build_portfolio
from xpulse.collect.pricing import MICRO
from xpulse.config.settings import AccountConfig, Config
from xpulse.errors import EmptyStoreError, NoAccountDataError, NoAccounts
from xpulse.operations import report_history
from xpulse.operations.report_inputs import detail_inputs, portfolio_posts, report_inputs
from xpulse.store.report_queries import (
    StoredAccount,
    collected_accounts,
    has_posts,
    period_data_cost,
    stored_accounts,
)

EMPTY_STORE = "the database holds no posts yet: run `xpulse collect` first"


def _check_not_empty(engine: Engine) -> None:
    with engine.connect() as conn:
        if not has_posts(conn):
            raise EmptyStoreError(EMPTY_STORE)


def _stored(engine: Engine, account: AccountConfig) -> StoredAccount:
    with engine.connect() as conn:
        known = stored_accounts(conn)
        collected = collected_accounts(conn)
    stored = known.get(account.name)
    # A row alone is not data: collect writes it before a first read that may have failed.
    if stored is None or account.name not in collected:
        raise NoAccountDataError(
            f"no data for account {account.name!r} yet: run `xpulse collect --account "
            f"{account.name}` first"
        )
    return stored


def make_report(
    config: Config,
    engine: Engine,
    *,
    account: str | None,
    period: str,
    tz: str | None,
    now: datetime,
    options: ReportOptions | None = None,
    run_micros: int | None = None,
) -> Report:
    """The report of one configured account for ``period`` as seen at the instant ``now``.

    The time zone is ``tz``, else the account's, else the config's. ``run_micros`` is what
    the run making the report spent on the account (None outside a run).
    """
    acct = config.account(account)
    zone = tz or acct.timezone or config.timezone
    the_period = parse_period(period, zone, now)
    opts = options or ReportOptions()
    _check_not_empty(engine)
    stored = _stored(engine, acct)
    windows = report_windows(the_period, opts.lookback_days)
    with engine.connect() as conn:
        inputs = report_inputs(
            conn,
            stored,
            fetch_start=windows.fetch_start,
            as_of=now,
            period_start=the_period.start_utc,
            period_end=the_period.end_utc,
        )
        detail = detail_inputs(
            conn, stored.name, start=the_period.start_utc, end=the_period.end_utc, as_of=now
        )
        data_reads, data_micros = period_data_cost(
            conn, stored.name, the_period.start_utc, the_period.end_utc, now
        )
    report = build_report(inputs, the_period, opts, generated_at=now)
    cost = report.cost
    if cost is not None:  # the period's data cost and this run's spend, each labelled
        cost = cost.model_copy(
            update={
                "data_reads": data_reads,
                "data_usd": data_micros / MICRO,
                "run_usd": None if run_micros is None else run_micros / MICRO,
            }
        )
    with engine.connect() as conn:
        end = min(the_period.end_utc, now)
        followers = report_history.followers(
            conn, stored.name, the_period.start_utc, end, report.totals
        )
        sources = report_history.sources(conn, [p.id for p in report.posts], now)
        rivals = report_history.benchmark(
            conn, stored, followers, the_period.start_utc, the_period.end_utc, now
        )
    return report.model_copy(
        update={
            "detail": build_detail(detail, the_period.local_dates(), the_period.tz),
            "followers": followers,
            "sources": sources,
            "cost": cost,
            "benchmark": rivals,
        }
    )


def make_portfolio(
    config: Config, engine: Engine, *, period: str, tz: str | None, now: datetime
) -> Portfolio:
    """Every configured account's totals for one period (one time zone for all, so the
    periods line up): ``tz``, else the config's. The store says which accounts were
    collected and gives their posts; :func:`build_portfolio` does the sums."""
    if not config.accounts:
        raise NoAccounts(config.path)
    the_period = parse_period(period, tz or config.timezone, now)
    previous = the_period.previous()
    names = [a.name for a in config.accounts]
    with engine.connect() as conn:
        known = stored_accounts(conn)
        collected = collected_accounts(conn) & set(names)
        if not collected:
            # Not a table of "no data yet" rows only: one line says what to do.
            if not has_posts(conn):
                raise EmptyStoreError(EMPTY_STORE)
            raise NoAccountDataError(
                "no configured account has data yet: run `xpulse collect` first"
            )
        rows = portfolio_posts(conn, names, previous.start_utc, the_period.end_utc, now)
    accounts = [
        PortfolioAccount(
            name=acct.name,
            username=known[acct.name].username if acct.name in known else acct.username,
            # Accounts read with an app bearer token are others' (public metrics only).
            group="competitor" if acct.auth == "bearer" or not acct.own else "own",
            posts=rows[acct.name] if acct.name in collected else None,
        )
        for acct in config.accounts
    ]
    return build_portfolio(accounts, the_period, generated_at=now)
