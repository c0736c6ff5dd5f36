"""Observation provenance, profile counts and competitors: the step that adds them to an
existing store, and their queries, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Engine, create_engine, inspect, select, text
from xpulse_store_rows import T0, observation, post

from xpulse.store import history, views
from xpulse.store import queries as q
from xpulse.store.migrations import current_version
from xpulse.store.schema import observations, schema_migrations


def test_step_5_brings_a_version_4_store_to_the_current_schema(
    store_url: str, open_db: Callable[[str], Engine]
) -> None:
    engine = open_db(store_url)
    with engine.begin() as conn:
        q.ensure_account(conn, "main", "main", T0)
        q.upsert_posts(conn, [post("1")])
        q.append_observations(conn, [observation("1", T0, 10)])
    # make it what a store of version 4 was: no views, no new tables, no new columns
    raw = create_engine(store_url)
    with raw.begin() as conn:
        views.drop_views(conn)
        conn.execute(text("ALTER TABLE api_calls DROP COLUMN backfill"))
        for table in ("imports", "profile_counts", "competitors"):
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("ALTER TABLE observations DROP COLUMN import_id"))
        conn.execute(text("ALTER TABLE observations DROP COLUMN provenance"))
        conn.execute(schema_migrations.delete().where(schema_migrations.c.version >= 5))
    raw.dispose()
    engine.dispose()

    migrated = open_db(store_url)
    with migrated.begin() as conn:
        done = conn.execute(select(schema_migrations.c.version)).scalars().all()
        columns = {c["name"] for c in inspect(conn).get_columns("observations")}
        old = conn.execute(select(observations.c.provenance)).scalar_one()
        q.append_observations(conn, [observation("1", T0 + timedelta(hours=1), 20)])
        saved = history.save_profile_counts(
            conn, "main", "42", {"followers_count": 5}, T0, "/2/users/:id"
        )
    assert sorted(done) == list(range(1, current_version() + 1))
    assert {"provenance", "import_id"} <= columns
    assert old == "api" and saved  # rows from before the step are API reads


def test_profile_counts_append_only_when_changed(
    store_url: str, open_db: Callable[[str], Engine]
) -> None:
    engine = open_db(store_url)
    day = timedelta(days=1)
    counts = {"followers_count": 100, "following_count": 10, "tweet_count": 50, "listed_count": 2}
    with engine.begin() as conn:
        wrote = [
            history.save_profile_counts(conn, "main", "42", counts, T0, "/2/users/:id"),
            history.save_profile_counts(conn, "main", "42", counts, T0 + day, "/2/users/:id"),
            history.save_profile_counts(
                conn, "main", "42", {**counts, "followers_count": 103}, T0 + 2 * day, "x"
            ),
            history.save_profile_counts(conn, "main", "42", {}, T0 + 3 * day, "x"),  # none sent
        ]
        series = history.profile_counts_between(conn, "main", T0, T0 + 5 * day)
        at_day_1 = history.latest_profile_counts(conn, "main", T0 + day)
        before = history.latest_profile_counts(conn, "main", T0 - day)
    assert wrote == [True, False, True, False]
    assert [s.followers_count for s in series] == [100, 103]
    assert at_day_1 is not None and at_day_1.followers_count == 100 and before is None
