"""The workers' shared rate-limit windows in PostgreSQL: per token key and endpoint, an
upsert keeps what tells most (a later window, or fewer calls left in the same one)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, text

from xpulse.api.ratelimit import SharedWindows
from xpulse.store.rate_windows import TokenWindows, WindowTable, read_window, write_window

pytestmark = pytest.mark.postgres

RESET = datetime(2026, 3, 2, 12, 15, tzinfo=UTC)
USERS_ME = "/2/users/me"


@pytest.fixture
def engine(pg_url: str) -> Iterator[Engine]:
    engine = create_engine(pg_url)
    WindowTable(engine)  # the table, created on first use
    yield engine
    engine.dispose()


@pytest.fixture
def token() -> str:
    return f"user:acct-{uuid.uuid4().hex[:8]}"


def test_nothing_known_reads_none(engine: Engine, token: str) -> None:
    assert read_window(engine, token, USERS_ME) is None


def test_a_written_window_reads_back_per_token_and_endpoint(engine: Engine, token: str) -> None:
    write_window(engine, token, USERS_ME, (75, 40, RESET))
    write_window(engine, "app-bearer", USERS_ME, (300, 7, RESET))
    assert read_window(engine, token, USERS_ME) == (75, 40, RESET)
    assert read_window(engine, token, "/2/tweets") is None
    assert read_window(engine, "app-bearer", USERS_ME) == (300, 7, RESET)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT count(*) FROM xpulse_rate_windows WHERE token = :t"), {"t": token}
        ).scalar_one()
    assert rows == 1  # one row per token and endpoint


def test_same_window_keeps_the_fewest_left(engine: Engine, token: str) -> None:
    write_window(engine, token, USERS_ME, (75, 10, RESET))
    write_window(engine, token, USERS_ME, (75, 30, RESET))  # an earlier answer, late
    assert read_window(engine, token, USERS_ME) == (75, 10, RESET)
    write_window(engine, token, USERS_ME, (75, 0, RESET))
    assert read_window(engine, token, USERS_ME) == (75, 0, RESET)


def test_a_later_window_replaces_a_spent_one(engine: Engine, token: str) -> None:
    write_window(engine, token, USERS_ME, (75, 0, RESET))
    later = RESET + timedelta(minutes=15)
    write_window(engine, token, USERS_ME, (75, 74, later))
    assert read_window(engine, token, USERS_ME) == (75, 74, later)
    write_window(engine, token, USERS_ME, (75, 0, RESET))  # the old window, late
    assert read_window(engine, token, USERS_ME) == (75, 74, later)


def test_the_token_view_speaks_the_pacer_protocol(engine: Engine, token: str) -> None:
    windows: SharedWindows = WindowTable(engine).for_token(token)
    assert windows.read(USERS_ME) is None
    windows.write(USERS_ME, 75, 3, RESET)
    assert windows.read(USERS_ME) == (75, 3, RESET)


def test_a_database_error_costs_the_window_not_the_call(token: str) -> None:
    gone = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    view = TokenWindows(gone, token)  # unreachable: reads know nothing, writes drop
    assert view.read(USERS_ME) is None
    view.write(USERS_ME, 75, 3, RESET)
    gone.dispose()


def test_a_write_is_one_statement_whose_commit_does_not_wait_for_the_disk(
    engine: Engine, token: str
) -> None:
    statements: list[str] = []
    durability: list[str] = []

    def after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)
        # the setting as the transaction that is about to commit sees it
        durability.append(cursor.connection.execute("SHOW synchronous_commit").fetchone()[0])

    event.listen(engine, "after_cursor_execute", after)
    try:
        write_window(engine, token, USERS_ME, (75, 40, RESET))
    finally:
        event.remove(engine, "after_cursor_execute", after)
    assert len(statements) == 1 and statements[0].startswith("INSERT INTO xpulse_rate_windows")
    assert durability == ["off"]
    with engine.connect() as conn:  # and only for that transaction
        assert conn.execute(text("SHOW synchronous_commit")).scalar_one() == "on"
