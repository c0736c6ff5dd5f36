"""How fast the BI views answer the questions a BI tool asks, on a large SQLite store.

Build a store first (see bench/report_store.py), then time each query (best of ``--repeat``
runs, in a fresh connection each, so no run reads another's cached plan)::

    PYTHONPATH=src .venv/bin/python bench/report_store.py --out /tmp/xpulse-bi \\
        --posts 100000 --accounts 100
    PYTHONPATH=src .venv/bin/python bench/bi_views.py --home /tmp/xpulse-bi

The queries: one account's weekly rows (a dashboard's line chart), one account's posts of
one week with their latest metrics (a table), the daily gains of those posts, and the
weekly view over every account (an overview). Each prints its row count and its time.
The account is the one with the most posts, the week the store's last full one.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from pathlib import Path

from xpulse.store import open_store
from xpulse.store.views import create_views


def _timed(db: Path, sql: str, params: tuple[object, ...], repeat: int) -> tuple[int, float]:
    best = float("inf")
    rows = 0
    for _ in range(repeat):
        with sqlite3.connect(db) as conn:
            started = time.perf_counter()
            rows = len(conn.execute(sql, params).fetchall())
            best = min(best, time.perf_counter() - started)
        conn.close()
    return rows, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="a store from report_store.py")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    db = args.home / "data" / "xpulse.db"
    engine = open_store(f"sqlite:///{db}")  # the project's own migrations
    with engine.begin() as c:
        create_views(c)  # this checkout's definitions, even on a store made before them
    engine.dispose()
    with sqlite3.connect(db) as conn:
        posts, observations = conn.execute(
            "SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM observations)"
        ).fetchone()
        account = conn.execute(
            "SELECT account FROM posts GROUP BY account ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]
    conn.close()
    week = ("2026-05-18", "2026-05-25")  # 2026-W21, the last full week of the store
    ids = "SELECT id FROM posts WHERE account = ? AND created_at >= ? AND created_at < ?"
    queries = {
        "bi_account_weekly, one account, every week": (
            "SELECT * FROM bi_account_weekly WHERE account = ?",
            (account,),
        ),
        "bi_post_latest, one account, one week": (
            "SELECT * FROM bi_post_latest WHERE account = ? AND created_at >= ? AND created_at < ?",
            (account, *week),
        ),
        "bi_post_daily, those posts": (
            f"SELECT * FROM bi_post_daily WHERE post_id IN ({ids})",  # noqa: S608 - constant
            (account, *week),
        ),
        "bi_account_weekly, every account": ("SELECT * FROM bi_account_weekly", ()),
    }
    out: dict[str, object] = {"posts": posts, "observations": observations, "account": account}
    for name, (sql, params) in queries.items():
        rows, seconds = _timed(db, sql, params, args.repeat)
        out[name] = {"rows": rows, "ms": round(seconds * 1000, 1)}
        print(f"{name}: {rows:,} rows in {seconds * 1000:,.1f} ms", flush=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
