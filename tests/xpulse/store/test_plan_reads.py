"""The two reads every collect job makes of an account's recent posts: when each was last
read (the refresh) and last tried for private metrics (the private reads). Their answers
on both dialects, and on PostgreSQL that they read through the indexes on a database the
planner knows nothing about yet (a fresh one, before its first analyse): the grouped read
they replaced was planned as a scan of every account's observations in the worker
benchmark's fresh database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from xpulse_store_rows import T0, observation, post

from xpulse.store import queries
from xpulse.store.private_reads import _attempts_statement, private_attempts
from xpulse.store.queries import _refresh_statement
from xpulse.store.schema import accounts, metadata, metric_refusals, observations, posts

AFTER = T0 - timedelta(days=30)


def _seed(engine: Engine) -> None:
    imported = {**observation("2", T0 + timedelta(hours=1), 5), "provenance": "archive"}
    with engine.begin() as conn:
        for name in ("main", "other"):
            conn.execute(accounts.insert(), [{"name": name, "username": name, "user_id": None,
                         "needs_sign_in": False, "created_at": T0, "updated_at": T0}])  # fmt: skip
        conn.execute(
            posts.insert(),
            [
                post("1", created_at=T0 - timedelta(days=2)),
                post("2", created_at=T0 - timedelta(days=1)),
                post("3", created_at=T0 - timedelta(days=40)),  # before the window
                post("4", created_at=T0, unavailable_at=T0),  # deleted on X
                post("5", created_at=T0, content_type="retweet"),
                post("9", account="other", created_at=T0),
            ],
        )
        conn.execute(
            observations.insert(),
            [
                {**row, "provenance": row.get("provenance", "api"), "url_link_clicks": clicks}
                for row, clicks in (
                    (observation("1", T0 - timedelta(hours=5), 10), None),
                    (observation("1", T0 - timedelta(hours=1), 20), 1),
                    (observation("1", T0, 30), None),
                    (imported, None),  # an imported figure is not a read
                    (observation("5", T0, 1), None),
                    (observation("9", T0 + timedelta(hours=2), 99), 4),
                )
            ],
        )
        conn.execute(
            metric_refusals.insert(),
            [
                {"account": "main", "post_id": "2", "at": T0 - timedelta(hours=3),
                 "reason": "too-old", "fields": "non_public", "detail": "x"},
                {"account": "main", "post_id": "2", "at": T0 - timedelta(hours=2),
                 "reason": "too-old", "fields": "non_public", "detail": "x"},
                {"account": "main", "post_id": None, "at": T0, "reason": "app-only",
                 "fields": "non_public", "detail": "x"},
            ],
        )  # fmt: skip


def test_last_reads_and_attempts_per_post(store_url: str, open_db: Callable[[str], Engine]) -> None:
    engine = open_db(store_url)
    _seed(engine)
    with engine.connect() as conn:
        refresh = queries.refresh_candidates(conn, "main", AFTER)
        attempts = private_attempts(conn, "main", AFTER)
    assert [(c.post_id, c.last_observed_at) for c in refresh] == [
        ("1", T0),
        ("2", None),  # only an imported figure
        ("5", T0),
    ]
    by_id = {a.post_id: (a.last_read, a.last_refusal) for a in attempts}
    assert by_id == {
        "1": (T0 - timedelta(hours=1), None),  # the observation with a private metric
        "2": (None, T0 - timedelta(hours=2)),  # the later refusal of the two
    }


@pytest.mark.postgres
def test_plan_reads_use_the_indexes_before_any_analyse(
    pg_url: str, open_db: Callable[[str], Engine]
) -> None:
    engine = open_db(pg_url)
    try:
        _explain_on_unanalysed_tables(engine)
    finally:
        with engine.begin() as conn:
            metadata.drop_all(conn)  # the session's database is shared with other tests


def _explain_on_unanalysed_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        # many accounts' posts, three observations each: no statistics gathered yet
        conn.execute(
            text(
                "INSERT INTO accounts (name, username, needs_sign_in, created_at, updated_at) "
                "SELECT 'a' || g, 'a' || g, false, now(), now() FROM generate_series(0, 499) g"
            )
        )
        conn.execute(
            text(
                "INSERT INTO posts (id, account, author_id, text, created_at, content_type, "
                "media_keys, is_promoted, raw, source_url, retrieved_at, first_seen_at) "
                "SELECT g::text, 'a' || (g % 500), '42', 'p', now() - (g % 20) * interval "
                "'1 day', 'text', '[]', false, '{}', 'u', now(), now() "
                "FROM generate_series(1, 20000) g"
            )
        )
        conn.execute(
            text(
                "INSERT INTO observations (post_id, observed_at, source, impressions) "
                "SELECT (g % 20000 + 1)::text, now() - g * interval '1 second', '/2/tweets', g "
                "FROM generate_series(1, 60000) g"
            )
        )
        analysed = conn.execute(
            text(
                "SELECT last_analyze, last_autoanalyze FROM pg_stat_user_tables "
                "WHERE relname = 'observations'"
            )
        ).one()
        assert analysed == (None, None)
        for statement in (_refresh_statement(), _attempts_statement(False)):
            compiled = statement.compile(engine)
            params = {**compiled.params, "account": "a7", "after": T0 - timedelta(days=400)}
            plan = "\n".join(conn.exec_driver_sql(f"EXPLAIN {compiled}", params).scalars())
            assert "Seq Scan on observations" not in plan, plan
