"""``cost_report``: month-to-date figures, the straight-line forecast, past months."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from xpulse.collect.cost import cost_report
from xpulse.errors import XpulseError
from xpulse.store import open_store
from xpulse.store import queries as q


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Engine]:
    engine = open_store(f"sqlite:///{tmp_path / 'c.db'}")
    calls = [  # the first is main's first sweep: a one-off read
        ("main", "/2/users/:id/tweets", datetime(2026, 5, 2, tzinfo=UTC), 100, 100_000, True),
        ("main", "/2/tweets", datetime(2026, 5, 9, tzinfo=UTC), 50, 40_000, False),
        ("rival", "/2/tweets", datetime(2026, 5, 10, tzinfo=UTC), 10, 50_000, False),
        ("main", "/2/tweets", datetime(2026, 4, 30, 23, 59, tzinfo=UTC), 7, 7_000, False),
    ]
    with engine.begin() as conn:
        for account, endpoint, at, reads, micros, backfill in calls:
            q.record_call(conn, {
                "at": at, "account": account, "endpoint": endpoint, "method": "GET",
                "status": 200, "reads": reads, "billable_reads": reads, "cost_micros": micros,
                "errors": 0, "backfill": backfill,
            })  # fmt: skip
    yield engine
    engine.dispose()


def test_month_to_date_per_account_and_endpoint_with_forecast(db: Engine) -> None:
    now = datetime(2026, 5, 16, 12, tzinfo=UTC)  # half of May's 31 days gone
    with db.connect() as conn:
        report = cost_report(conn, 0.30, now=now)
        tight = cost_report(conn, 0.25, now=now)
    assert report.micros == 190_000 and report.reads == 160
    assert report.by_account() == {"main": (150, 140_000), "rival": (10, 50_000)}
    # $0.10 of it was a first sweep, read once: only the recurring $0.09 over 15.5 days
    # goes on for the 15.5 days left (a straight line on all of it would say $0.380)
    assert (report.backfill_micros, report.recurring_micros) == (100_000, 90_000)
    assert report.forecast_micros == 280_000
    assert report.lines()[-3:] == [
        "one-off (first sweeps, user lookups): 100 reads, $0.100; recurring: 60 reads, $0.090",
        "month to date: 160 reads, $0.190; forecast to month end $0.280 (recurring rate only); "
        "budget $0.300, $0.110 left",
        "plan pay-per-use cap: 160 of 3,000,000 post reads used (0.0%), 2,999,840 left",
    ]
    assert "(OVER BUDGET)" in tight.lines()[-2]
    assert report.to_json()["cap"] == {"post_reads": 160, "limit": 3_000_000, "left": 2_999_840}
    assert report.to_json()["by_account"]["rival"] == {"reads": 10, "cost_usd": 0.05}


def test_a_first_sweep_alone_gives_no_forecast(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'f.db'}")
    with engine.begin() as conn:
        q.record_call(conn, {
            "at": datetime(2026, 5, 2, tzinfo=UTC), "account": "main",
            "endpoint": "/2/users/:id/tweets", "method": "GET", "status": 200, "reads": 3200,
            "billable_reads": 3200, "cost_micros": 3_210_000, "errors": 0, "backfill": True,
        })  # fmt: skip
    with engine.connect() as conn:
        report = cost_report(conn, 5.0, now=datetime(2026, 5, 6, tzinfo=UTC))
    engine.dispose()
    assert report.forecast_micros is None  # a one-off sweep is no monthly rate
    assert "forecast to month end: not known yet" in report.lines()[-2]


def test_a_past_month_shows_its_actual_total(db: Engine) -> None:
    with db.connect() as conn:
        april = cost_report(conn, 5.0, month="2026-04", now=datetime(2026, 5, 16, tzinfo=UTC))
        with pytest.raises(XpulseError, match="use YYYY-MM"):
            cost_report(conn, 5.0, month="April")
    assert (april.micros, april.forecast_micros) == (7_000, 7_000)
