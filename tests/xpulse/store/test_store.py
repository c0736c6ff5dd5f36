from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from xpulse_store_rows import T0, observation, post

from xpulse.errors import StoreError
from xpulse.store import open_store
from xpulse.store import queries as q
from xpulse.store.migrations import current_version, migrate
from xpulse.store.schema import observations, posts, schema_migrations


@pytest.fixture
def db(store_url: str, open_db: Callable[[str], Engine]) -> Engine:
    """A migrated store with the accounts "main" and "other"."""
    engine = open_db(store_url)
    with engine.begin() as conn:
        for name in ("main", "other"):
            q.ensure_account(conn, name, name, T0)
    return engine


def test_migrations_from_empty_then_idempotent(
    store_url: str, open_db: Callable[[str], Engine]
) -> None:
    engine = open_db(store_url)
    assert migrate(engine) == []  # already at head: nothing to do
    open_db(store_url)  # a second process opening it changes nothing
    with engine.connect() as conn:
        rows = conn.execute(select(schema_migrations.c.version)).scalars().all()
        tables = set(conn.dialect.get_table_names(conn))
    assert rows == list(range(1, current_version() + 1))
    assert {"accounts", "posts", "observations", "api_calls", "checkpoints", "media"} <= tables


def test_upsert_updates_post_but_keeps_first_seen(db: Engine) -> None:
    engine = db
    later = T0 + timedelta(days=1)
    with engine.begin() as conn:
        assert q.upsert_posts(conn, [post("10"), post("11")]) == 2
    with engine.begin() as conn:
        edited = post("10", text="edited", retrieved_at=later, first_seen_at=later)
        assert q.upsert_posts(conn, [edited]) == 0
    with engine.connect() as conn:
        row = conn.execute(select(posts).where(posts.c.id == "10")).mappings().one()
        count = conn.execute(select(func.count()).select_from(posts)).scalar_one()
    assert (row["text"], row["retrieved_at"], row["first_seen_at"]) == ("edited", later, T0)
    assert row["raw"] == {"id": "10", "text": "post 10"}
    assert count == 2


def test_observations_append_and_latest_wins(db: Engine) -> None:
    engine = db
    with engine.begin() as conn:
        q.upsert_posts(conn, [post("10"), post("11"), post("12")])
        q.append_observations(
            conn,
            [
                observation("10", T0 + timedelta(hours=1), 100, likes=3),
                observation("10", T0 + timedelta(hours=24), 900, likes=None),
                observation("11", T0 + timedelta(hours=2), 50),
            ],
        )
    with engine.connect() as conn:
        latest = q.latest_observations(conn, ["10", "11", "12"])
        series = q.observation_series(conn, ["10"])
    assert set(latest) == {"10", "11"}  # 12 was never observed
    assert latest["10"]["impressions"] == 900
    assert latest["10"]["likes"] is None  # not read is NULL, never 0
    assert [o["impressions"] for o in series] == [100, 900]


def test_posts_in_period_is_half_open_and_per_account(db: Engine) -> None:
    engine = db
    start, end = T0, T0 + timedelta(days=7)
    with engine.begin() as conn:
        q.upsert_posts(
            conn,
            [
                post("1", created_at=start - timedelta(seconds=1)),
                post("2", created_at=start),
                post("3", created_at=end - timedelta(seconds=1)),
                post("4", created_at=end),
                post("5", account="other", created_at=start + timedelta(days=1)),
            ],
        )
    with engine.connect() as conn:
        got = [r["id"] for r in q.posts_in_period(conn, "main", start, end)]
    assert got == ["2", "3"]


def test_times_are_stored_as_utc_instants(db: Engine) -> None:
    engine = db
    paris = timezone(timedelta(hours=2))
    local = datetime(2026, 5, 4, 11, 0, tzinfo=paris)  # == 09:00 UTC
    with engine.begin() as conn:
        q.upsert_posts(conn, [post("10", created_at=local)])
    with engine.connect() as conn:
        row = conn.execute(select(posts.c.created_at)).scalar_one()
        inside = q.posts_in_period(conn, "main", T0, T0 + timedelta(seconds=1))
    assert row == T0 and row.tzinfo is not None
    assert [r["id"] for r in inside] == ["10"]
    with pytest.raises(StatementError, match="naive datetime"), engine.begin() as conn:
        q.upsert_posts(conn, [post("11", created_at=datetime(2026, 5, 4))])


def test_foreign_keys_are_enforced(db: Engine) -> None:
    engine = db
    with pytest.raises(IntegrityError), engine.begin() as conn:
        q.append_observations(conn, [observation("999", T0, 1)])


def test_billing_dedupes_per_utc_day(db: Engine) -> None:
    engine = db
    with engine.begin() as conn:
        first = q.bill(conn, "main", "2026-05-04", {"post:1": 1000, "post:2": 5000})
        again = q.bill(conn, "main", "2026-05-04", {"post:1": 1000, "post:3": 1000})
        next_day = q.bill(conn, "main", "2026-05-05", {"post:1": 1000})
    assert first == (2, 6000)
    assert again == (1, 1000)  # post 1 already billed today
    assert next_day == (1, 1000)


def test_checkpoint_roundtrip(db: Engine) -> None:
    engine = db
    with engine.begin() as conn:
        q.save_checkpoint(
            conn, "main", "timeline", since_id="5", pagination_token="tok", updated_at=T0
        )
        q.save_checkpoint(
            conn, "main", "timeline", since_id="9", pagination_token=None, updated_at=T0
        )
    with engine.connect() as conn:
        cp = q.get_checkpoint(conn, "main", "timeline")
    assert cp is not None and (cp["since_id"], cp["pagination_token"]) == ("9", None)


def test_sqlite_pragmas(tmp_path: Path, open_db: Callable[[str], Engine]) -> None:
    engine = open_db(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        fks = conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
        busy = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
    assert (mode, fks, busy) == ("wal", 1, 30000)


def test_indexes_serve_the_report_queries(tmp_path: Path, open_db: Callable[[str], Engine]) -> None:
    engine = open_db(f"sqlite:///{tmp_path / 'x.db'}")
    period = (
        "SELECT * FROM posts WHERE account = 'a' AND created_at >= '2026-05-01' "
        "AND created_at < '2026-05-08'"
    )
    latest = "SELECT max(observed_at) FROM observations WHERE post_id IN ('1','2') GROUP BY post_id"
    with engine.connect() as conn:
        plan1 = " ".join(str(r[-1]) for r in conn.execute(text("EXPLAIN QUERY PLAN " + period)))
        plan2 = " ".join(str(r[-1]) for r in conn.execute(text("EXPLAIN QUERY PLAN " + latest)))
    assert "ix_posts_account_created" in plan1
    assert "ix_obs_post_observed" in plan2


def test_unreachable_database_is_one_line_without_password() -> None:
    url = "postgresql+psycopg://me:hunter2@127.0.0.1:1/nothing"
    with pytest.raises(StoreError) as err:
        open_store(url)
    message = str(err.value)
    assert "hunter2" not in message and "\n" not in message
    assert message.startswith("cannot open database postgresql+psycopg://me:***@127.0.0.1:1/")


def test_unsupported_url_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match="unsupported database 'mysql'"):
        open_store("mysql://localhost/x")


def test_observations_table_has_every_metric_column() -> None:
    names = {c.name for c in observations.columns}
    for m in ("impressions", "bookmarks", "engagements", "organic_likes", "promoted_impressions"):
        assert m in names
    assert UTC  # aware timestamps are the contract
