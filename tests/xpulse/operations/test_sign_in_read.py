"""The sign-in's one paid user read is put in the call log and the day's bill once, however
many collects follow it (``cost`` then equals X's bill), and the plans of that day count
no profile read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from xpulse.accounts.tokens import TokenRecord
from xpulse.collect.planner import AccountSpec, plan_account
from xpulse.collect.pricing import PriceTable
from xpulse.operations.collect import SIGN_IN_READ, record_sign_in_read
from xpulse.store import open_store
from xpulse.store.schema import api_calls, billed_reads

AT = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


def _record(at: datetime) -> TokenRecord:
    return TokenRecord(
        "main", "access", "refresh", None, user_id="42", tweet_count=10,
        tweet_count_at=at.isoformat(),
    )  # fmt: skip


def test_the_sign_in_read_is_logged_and_billed_once(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    prices = PriceTable()
    try:
        for _ in range(3):  # three collects after one sign-in
            with engine.begin() as conn:
                record_sign_in_read(conn, "main", _record(AT), prices)
        with engine.begin() as conn:  # a sign-in an hour later is another read
            record_sign_in_read(conn, "main", _record(AT + timedelta(hours=1)), prices)
        with engine.connect() as conn:
            calls = conn.execute(
                select(api_calls.c.at, api_calls.c.cost_micros)
                .where(api_calls.c.endpoint == SIGN_IN_READ)
                .order_by(api_calls.c.at)
            ).all()
            billed = conn.execute(select(func.count()).select_from(billed_reads)).scalar_one()
    finally:
        engine.dispose()
    assert [at for at, _ in calls] == [AT, AT + timedelta(hours=1)]
    # the same user the same UTC day: X bills it once
    assert [micros for _, micros in calls] == [prices.user_micros, 0]
    assert billed == 1


def test_a_plan_on_the_day_of_the_sign_in_counts_no_profile_read(tmp_path: Path) -> None:
    """The sign-in read the profile today: the day's plans count no user read (X would bill
    a re-read that day $0, and the counts are already there); the next day they do."""
    engine = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    prices = PriceTable()
    spec = AccountSpec("main", "main", True, True, 10, None)
    schedule = (timedelta(hours=1),)
    try:
        with engine.begin() as conn:
            before = plan_account(conn, spec, schedule, prices, AT)
            record_sign_in_read(conn, "main", _record(AT), prices)
            same_day = plan_account(conn, spec, schedule, prices, AT + timedelta(hours=1))
            next_day = plan_account(conn, spec, schedule, prices, AT + timedelta(days=1))
    finally:
        engine.dispose()
    assert (before.user_reads, same_day.user_reads, next_day.user_reads) == (1, 0, 1)
    assert before.micros - same_day.micros == prices.user_micros
