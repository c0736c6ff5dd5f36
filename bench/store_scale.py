"""The report queries at scale: 1,000,000 posts and 10,000,000 observations.

Fills a fresh store (SQLite file by default, or ``--url`` for PostgreSQL) with ``--accounts``
accounts posting evenly over a year, ``--obs`` observations per post, then times what the
reports and the collector run against it:

- ``posts_in_period``: one account's posts in one week;
- ``latest_observations``: the latest observation of each of those posts;
- ``refresh_candidates``: the collector's "what is due" scan for one account (30 days).

Each query runs ``--repeat`` times on a warm cache for each queried account; a query's time
is the median of its runs. The accounts (named ``a0``, ``a1``, ...) are ``--account NAME``
(repeatable) or, by default, ``--sample`` of them drawn with ``--seed``; with several, the
median over them is reported, with the slowest.

    PYTHONPATH=src .venv/bin/python bench/store_scale.py --posts 1000000 --obs 10
    PYTHONPATH=src .venv/bin/python bench/store_scale.py --posts 1000000 --account a7
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert

from xpulse.store import open_store, queries
from xpulse.store.schema import OBSERVATION_METRICS, accounts, observations, posts

START = datetime(2025, 6, 1, tzinfo=UTC)
YEAR = timedelta(days=365)
BATCH = 20_000


def fill(engine: Engine, n_accounts: int, n_posts: int, per_post: int) -> float:
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(accounts), [
            {"name": f"a{i}", "username": f"a{i}", "needs_sign_in": False,
             "created_at": START, "updated_at": START}
            for i in range(n_accounts)
        ])  # fmt: skip
    step = YEAR / (n_posts // n_accounts)
    post_rows: list[dict[str, Any]] = []
    obs_rows: list[dict[str, Any]] = []
    blank = dict.fromkeys(OBSERVATION_METRICS)

    sqlite = engine.dialect.name == "sqlite"
    obs_cols = ["post_id", "observed_at", "source", *OBSERVATION_METRICS]
    post_cols = list(posts.columns.keys())

    def flush() -> None:
        with engine.begin() as conn:
            if sqlite and post_rows:
                # the driver directly: SQLAlchemy's per-value processing halves the speed;
                # the column names are the schema's own, not input
                conn.exec_driver_sql(
                    f"INSERT INTO posts ({','.join(post_cols)}) VALUES "  # noqa: S608
                    f"({','.join('?' * len(post_cols))})",
                    [tuple(_lite(r.get(c)) for c in post_cols) for r in post_rows],
                )
                conn.exec_driver_sql(
                    f"INSERT INTO observations ({','.join(obs_cols)}) VALUES "  # noqa: S608
                    f"({','.join('?' * len(obs_cols))})",
                    [tuple(_lite(r.get(c)) for c in obs_cols) for r in obs_rows],
                )
            elif post_rows:
                conn.execute(insert(posts), post_rows)
                conn.execute(insert(observations), obs_rows)
        post_rows.clear()
        obs_rows.clear()

    for i in range(n_posts):
        created = START + step * (i // n_accounts)
        pid = str(10**18 + i)
        post_rows.append({
            "id": pid, "account": f"a{i % n_accounts}", "author_id": str(i % n_accounts),
            "text": "x", "created_at": created, "lang": "en", "conversation_id": pid,
            "content_type": "text", "media_keys": [], "is_promoted": False, "raw": {},
            "source_url": "bench", "retrieved_at": created, "first_seen_at": created,
        })  # fmt: skip
        for k in range(per_post):
            at = created + timedelta(hours=2**k)
            obs_rows.append({**blank, "post_id": pid, "observed_at": at, "source": "/2/tweets",
                             "impressions": 100 * (k + 1), "likes": k})  # fmt: skip
        if len(obs_rows) >= BATCH:
            flush()
    flush()
    return time.perf_counter() - started


def _lite(value: Any) -> Any:
    """A value as SQLAlchemy's SQLite types store it (UTC text, JSON text, 0/1)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, list | dict):
        return json.dumps(value)
    if isinstance(value, bool):
        return int(value)
    return value


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


QUERIES = (
    "posts_in_period (1 account, 1 week)",
    "latest_observations of those posts",
    "latest_observations (1 account, 30 days)",
    "refresh_candidates (1 account)",
)


def measure(
    conn: Connection, account: str, week_start: datetime, repeat: int
) -> list[tuple[float, int]]:
    """(median seconds, rows) of each of :data:`QUERIES` for one account."""
    week_end = week_start + timedelta(days=7)
    t1, week = timed(lambda: queries.posts_in_period(conn, account, week_start, week_end), repeat)
    ids = [r["id"] for r in week]
    t2, latest = timed(lambda: queries.latest_observations(conn, ids), repeat)
    month_ids = [r["id"] for r in queries.posts_in_period(
        conn, account, week_start, week_start + timedelta(days=30))]  # fmt: skip
    t3, _ = timed(lambda: queries.latest_observations(conn, month_ids), repeat)
    t4, due = timed(lambda: queries.refresh_candidates(conn, account, week_start), repeat)
    return [(t1, len(week)), (t2, len(latest)), (t3, len(month_ids)), (t4, len(due))]


def chosen_accounts(args: argparse.Namespace, parser: argparse.ArgumentParser) -> list[str]:
    """The accounts to query, checked before the (slow) fill."""
    if args.account:
        known = {f"a{i}" for i in range(args.accounts)}
        for name in args.account:
            if name not in known:
                parser.error(f"no account {name!r}: the store has a0..a{args.accounts - 1}")
        return list(dict.fromkeys(args.account))
    picked = random.Random(args.seed).sample(range(args.accounts), min(args.sample, args.accounts))
    return [f"a{i}" for i in sorted(picked)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--obs", type=int, default=10, help="observations per post")
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--url", help="a database URL (default: a temporary SQLite file)")
    parser.add_argument(
        "--account", action="append", metavar="NAME",
        help="an account to query, a0 .. a<accounts-1> (repeatable; default: --sample drawn)",
    )  # fmt: skip
    parser.add_argument(
        "--sample", type=int, default=5, help="accounts drawn when no --account (default 5)"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the draw (default 1)")
    args = parser.parse_args()
    if args.accounts < 1 or args.posts < args.accounts:
        parser.error("--accounts must be at least 1 and --posts at least --accounts")
    if args.obs < 0 or args.repeat < 1 or args.sample < 1:
        parser.error("--obs must be at least 0, --repeat and --sample at least 1")
    names = chosen_accounts(args, parser)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'scale.db'}"
        engine = open_store(url)
        took = fill(engine, args.accounts, args.posts, args.obs)
        print(f"{args.posts:,} posts, {args.posts * args.obs:,} observations, "
              f"{args.accounts} accounts: filled in {took:.0f} s")  # fmt: skip
        week_start = START + timedelta(days=200)
        with engine.connect() as conn:
            per_account = [measure(conn, name, week_start, args.repeat) for name in names]
        which = "" if len(names) == 1 else f"; median of {len(names)} accounts"
        print(f"queried {', '.join(names)}{which}, {args.repeat} runs each")
        for i, query in enumerate(QUERIES):
            times = [m[i][0] for m in per_account]
            rows = statistics.median(m[i][1] for m in per_account)
            worst = f"  (slowest {max(times) * 1000:.1f} ms)" if len(names) > 1 else ""
            print(f"{query:<42} {rows:>7,.0f} rows {statistics.median(times) * 1000:8.1f} ms"
                  f"{worst}")  # fmt: skip
        engine.dispose()


if __name__ == "__main__":
    main()
