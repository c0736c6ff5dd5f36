"""What a job's reads cost on tables PostgreSQL has no statistics for yet (a fresh database,
or a batch of thousands just queued) and once they are analysed:

* the workers' fetch of the next job (procrastinate's ``procrastinate_fetch_job_v2``) with
  ``--jobs`` waiting, each with its account's lock;
* a collect's read of an account's recent posts with their last read, as the store makes
  it (a subquery per post) and as it was made before (a join with a grouped read of the
  observations), over ``--accounts`` accounts of 40 posts and 3 observations each.

Each is timed over 20 calls in a transaction that is rolled back (a fetch takes its job):

    PYTHONPATH=src .venv/bin/python bench/fresh_plans.py --jobs 2000 --accounts 300
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, text

from workers import Database
from xpulse.jobs.engine import ensure_schema
from xpulse.store import open_store
from xpulse.store.queries import refresh_candidates

# The read the store made before: every observation of the account's posts grouped first.
GROUPED = text(
    "SELECT posts.id, posts.created_at, last.at FROM posts LEFT JOIN ("
    " SELECT o.post_id, max(o.observed_at) AS at FROM observations o"
    " JOIN posts p ON p.id = o.post_id WHERE p.account = :account AND p.created_at > :after"
    " AND o.provenance = 'api' GROUP BY o.post_id) AS last ON last.post_id = posts.id"
    " WHERE posts.account = :account AND posts.created_at > :after"
    " AND posts.unavailable_at IS NULL ORDER BY posts.created_at, posts.id"
)

FETCH = text("SELECT id FROM procrastinate_fetch_job_v2(ARRAY['xpulse'], :w)")


def per_call_ms(call: Callable[[int], object], calls: int = 20) -> float:
    started = time.perf_counter()
    for i in range(calls):
        call(i)
    return (time.perf_counter() - started) / calls * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--accounts", type=int, default=300)
    args = parser.parse_args()
    db = Database()
    engine = open_store(db.url)
    try:
        ensure_schema(engine)
        with engine.begin() as conn:
            fill(conn, args.jobs, args.accounts)
        after = datetime.now(UTC) - timedelta(days=30)
        for state in ("no statistics", "analysed"):
            with engine.connect() as conn:
                worker = conn.execute(
                    text("INSERT INTO procrastinate_workers DEFAULT VALUES RETURNING id")
                ).scalar_one()
                fetch = per_call_ms(lambda _, w=worker: conn.execute(FETCH, {"w": w}))
                by_post = per_call_ms(
                    lambda i: refresh_candidates(conn, f"a{i % args.accounts}", after)
                )
                grouped = per_call_ms(
                    lambda i: conn.execute(
                        GROUPED, {"account": f"a{i % args.accounts}", "after": after}
                    ).all()
                )
                conn.rollback()
            print(
                f"{state:>13}: fetch of the next job {fetch:7.2f} ms; an account's posts "
                f"with their last read: {by_post:6.2f} ms a subquery per post, "
                f"{grouped:6.2f} ms grouped",
                flush=True,
            )
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()
        db.drop()


def fill(conn: Connection, jobs: int, accounts: int) -> None:
    conn.execute(
        text(
            "INSERT INTO procrastinate_jobs (queue_name, task_name, lock, queueing_lock, args, "
            "status) SELECT 'xpulse', 'xpulse:collect', 'account:a' || g, 'collect:a' || g, "
            "jsonb_build_object('account', 'a' || g), 'todo' FROM generate_series(1, :n) g"
        ),
        {"n": jobs},
    )
    conn.execute(
        text(
            "INSERT INTO accounts (name, username, needs_sign_in, created_at, updated_at) "
            "SELECT 'a' || g, 'a' || g, false, now(), now() FROM generate_series(0, :n - 1) g"
        ),
        {"n": accounts},
    )
    conn.execute(
        text(
            "INSERT INTO posts (id, account, author_id, text, created_at, content_type, "
            "media_keys, is_promoted, raw, source_url, retrieved_at, first_seen_at) "
            "SELECT g::text, 'a' || (g % :n), '42', 'p', now() - (g % 40) * interval '1 day', "
            "'text', '[]', false, '{}', 'u', now(), now() FROM generate_series(1, :n * 40) g"
        ),
        {"n": accounts},
    )
    conn.execute(
        text(
            "INSERT INTO observations (post_id, observed_at, source, impressions) "
            "SELECT (g % (:n * 40) + 1)::text, now() - g * interval '1 second', '/2/tweets', g "
            "FROM generate_series(1, :n * 120) g"
        ),
        {"n": accounts},
    )


if __name__ == "__main__":
    main()
