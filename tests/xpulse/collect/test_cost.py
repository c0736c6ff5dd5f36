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
    calls = [
        ("main", "/2/users/:id/tweets", datetime(2026, 5, 2, tzinfo=UTC), 100, 100_000),
        ("main", "/2/tweets", datetime(2026, 5, 9, tzinfo=UTC), 50, 40_000),
        ("rival", "/2/tweets", datetime(2026, 5, 10, tzinfo=UTC), 10, 50_000),
        ("main", "/2/tweets", datetime(2026, 4, 30, 23, 59, tzinfo=UTC), 7, 7_000),  # April
    ]
    with engine.begin() as conn:
        for account, endpoint, at, reads, micros in calls:
            q.record_call(conn, {
                "at": at, "account": account, "endpoint": endpoint, "method": "GET",
                "status": 200, "reads": reads, "billable_reads": reads, "cost_micros": micros,
                "errors": 0,
            })  # fmt: skip
    yield engine
    engine.dispose()


def test_month_to_date_per_account_and_endpoint_with_forecast(db: Engine) -> None:
    now = datetime(2026, 5, 16, 12, tzinfo=UTC)  # half of May's 31 days gone
    with db.connect() as conn:
        report = cost_report(conn, 0.30, now=now)
    assert report.micros == 190_000 and report.reads == 160
    assert report.by_account() == {"main": (150, 140_000), "rival": (10, 50_000)}
    assert report.forecast_micros == 380_000  # 0.19 over 15.5 of 31 days
    assert report.lines()[-1] == (
        "month to date: 160 reads, $0.190; forecast to month end $0.380; budget $0.300 "
        "(OVER BUDGET)"
    )
    assert report.to_json()["by_account"]["rival"] == {"reads": 10, "cost_usd": 0.05}


def test_a_past_month_shows_its_actual_total(db: Engine) -> None:
    with db.connect() as conn:
        april = cost_report(conn, 5.0, month="2026-04", now=datetime(2026, 5, 16, tzinfo=UTC))
        with pytest.raises(XpulseError, match="use YYYY-MM"):
            cost_report(conn, 5.0, month="April")
    assert (april.micros, april.forecast_micros) == (7_000, 7_000)
