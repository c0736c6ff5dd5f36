"""Build a large xpulse store fast, for the report speed benchmark.

The store is an ``XPULSE_HOME`` directory: ``config.toml`` (one ``[[accounts]]`` per account)
and ``data/xpulse.db``, a SQLite file whose schema is made by the project's own migrations
(:func:`xpulse.store.open_store`); this script only fills the tables. So the CLI runs on it
as is::

    PYTHONPATH=src .venv/bin/python bench/report_store.py --out /tmp/xpulse-bench
    XPULSE_HOME=/tmp/xpulse-bench .venv/bin/xpulse report --account acct0007 \\
        --period last-week --as-of 2026-05-26T08:00:00Z

Defaults: 1,000 accounts, 1,000,000 posts over 5 years ending at ``--end``, 10 observations a
post (about 9.9 million: the last month's posts have not reached their late reads yet).
``--posts 100000`` (or any size) builds a smaller store; ``--seed`` makes it repeat exactly.

What the data looks like, so the queries meet realistic shapes:

- accounts post at their own rate, log-normal and capped at 20 posts a week (with the
  defaults: 0.2 to 20, median 3; 1,000 posts per account over 5 years on average), weekdays
  more than weekends, working hours in their own time zone; 30% joined later than the
  start. Rates are scaled so that the total is exactly ``--posts``.
- an account's reach is log-normal across accounts (tens to tens of thousands of
  impressions a post); a post's reach is log-normal around it, 1% of posts spike 10-50x;
  content types (text, link, photo, video, gif, poll, thread, reply, quote, retweet) have
  their own engagement rates.
- observations follow the collector's ``lifecycle`` schedule
  (:data:`xpulse.collect.refresh_slots.SCHEDULES`): the read that found the post, then 1 h, 6 h,
  24 h, 3 d, 7 d and 28 d, plus reads at 2 h, 12 h and 14 d (a manual refresh, the weekly
  report's); each read lands within the hour after its slot (collect runs hourly). A metric
  grows along a saturating curve to its final value; X's non-public counts (engagements,
  link and profile clicks) are filled, organic_/promoted_ splits are left NULL (not read).
- ``api_calls``: an hourly timeline call per account and one lookup call per hour with
  refresh reads, for the last ``--calls-days`` days (what the report's cost section reads).

How it is fast: the rows are generated once in Python into a temporary table, then copied
with ``INSERT ... SELECT`` in key order (observations are the cross product of posts and
the read schedule, computed in SQL); the indexes on ``posts`` and ``observations`` are
dropped during the load and recreated from the schema's own definitions afterwards, with
the journal off. 1M posts / 10M observations take about 2 minutes, 600 MB of memory and
2.75 GB of disk.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Index, Table
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.schema import CreateIndex

from xpulse.collect.refresh_slots import SCHEDULES
from xpulse.store import open_store
from xpulse.store.schema import observations, posts

END = datetime(2026, 5, 26, 8, tzinfo=UTC)  # a Tuesday: "last week" is 2026-W21
TWITTER_EPOCH_MS = 1_288_834_974_657
HOUR = 3600
MAX_RATE = 20.0  # posts a week of the busiest accounts
# Bulk load: no journal (a failed build is deleted, not recovered), 256 MB of page cache.
BUILD_PRAGMAS = (
    "journal_mode=DELETE",
    "journal_mode=OFF",
    "synchronous=OFF",
    "cache_size=-262144",
    "foreign_keys=OFF",
    "locking_mode=EXCLUSIVE",
)
DAY = 86_400
# Reads beyond the lifecycle slots (a manual refresh, the weekly report's read).
EXTRA_READS = (timedelta(hours=2), timedelta(hours=12), timedelta(days=14))
CURVE_CLASSES = 4  # how fast a post's reach arrives: half-life 1 h, 3 h, 8 h, 24 h
HALF_LIVES_H = (1.0, 3.0, 8.0, 24.0)
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Tokyo")
# content type -> (share of posts, interaction rate relative to text)
TYPES: dict[str, tuple[float, float]] = {
    "text": (0.30, 1.0),
    "link": (0.12, 0.7),
    "photo": (0.18, 1.6),
    "video": (0.07, 1.9),
    "gif": (0.03, 1.3),
    "poll": (0.02, 2.2),
    "thread": (0.05, 1.4),
    "reply": (0.13, 0.8),
    "quote": (0.05, 1.1),
    "retweet": (0.05, 0.0),
}
_VOCABULARY = """launch update team product week data ship release thanks today new feature
customers growth build open source analytics report learn design fix bug users early access
roadmap webinar hiring event talk demo join live blog post guide tips news"""
WORDS = tuple(_VOCABULARY.split())
# When read k of post b happens (epoch s): its slot, then within the hour (collect is hourly).
# Every SQL string below is built from such constants, never from input (hence noqa S608).
READ_AT = "b.created_s + r.age_s + (b.jitter + r.k * 1237) % 3600"


@dataclass(frozen=True)
class Account:
    index: int
    name: str
    zone: str
    start_s: int  # first possible post, epoch seconds
    reach: float  # typical impressions of a post
    count: int  # posts to generate


def read_ages(per_post: int) -> list[int]:
    """The ages (seconds) of a post's reads: discovery, the lifecycle slots, then extras."""
    slots = [0] + [int(s.total_seconds()) for s in SCHEDULES["lifecycle"]]
    slots += [int(s.total_seconds()) for s in EXTRA_READS]
    if not 1 <= per_post <= len(slots):
        raise SystemExit(f"--obs must be between 1 and {len(slots)}")
    return sorted(slots[:per_post])


def share(age_s: int, cls: int) -> float:
    """Share of the final count reached at ``age_s`` (saturating curve, 28 d = 100%)."""
    if age_s >= 28 * DAY:
        return 1.0
    half = HALF_LIVES_H[cls] * HOUR
    return 1.0 - float(0.5 ** ((age_s + 600) / half))


def _scale(rates: list[float], weeks: list[float], n_posts: int) -> float:
    """The factor on every rate that makes ``n_posts`` in total, rates capped at MAX_RATE."""
    low, high = 0.0, MAX_RATE / min(rates)
    for _ in range(60):  # bisection: the capped total grows with the factor
        mid = (low + high) / 2
        total = sum(min(MAX_RATE, r * mid) * w for r, w in zip(rates, weeks, strict=True))
        low, high = (mid, high) if total < n_posts else (low, mid)
    return high


def plan_accounts(rng: random.Random, n_accounts: int, n_posts: int, years: float) -> list[Account]:
    end_s = int(END.timestamp())
    span = int(years * 365 * DAY)
    rates, starts = [], []
    for _ in range(n_accounts):
        rates.append(rng.lognormvariate(math.log(3.0), 0.8))  # posts a week, before scaling
        late = rng.random() < 0.3
        starts.append(end_s - span + (rng.randrange(int(span * 0.8)) if late else 0))
    weeks = [(end_s - s) / (7 * DAY) for s in starts]
    scale = _scale(rates, weeks, n_posts)
    raw = [min(MAX_RATE, r * scale) * w for r, w in zip(rates, weeks, strict=True)]
    if sum(raw) < n_posts:  # more posts than 20 a week allows: lift the cap, keep the shape
        raw = [r * w * n_posts / sum(raw) for r, w in zip(rates, weeks, strict=True)]
    counts = [int(x) for x in raw]
    # largest remainders, so the total is exactly n_posts
    by_rest = sorted(range(n_accounts), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in by_rest[: n_posts - sum(counts)]:
        counts[i] += 1
    return [
        Account(
            index=i,
            name=f"acct{i:04d}",
            zone=ZONES[i % len(ZONES)],
            start_s=starts[i],
            reach=rng.lognormvariate(math.log(800), 1.3),
            count=counts[i],
        )
        for i in range(n_accounts)
    ]


def _text(rng: random.Random, ctype: str, n: int) -> str:
    words = " ".join(rng.choices(WORDS, k=rng.randint(5, 28)))
    if ctype == "link":
        return f"{words} https://example.com/p/{n}"
    if ctype == "reply":
        return f"@someone {words}"
    if ctype == "retweet":
        return f"RT @someone: {words}"
    return words


def _post_times(rng: random.Random, acct: Account) -> list[int]:
    """``count`` distinct post instants (epoch seconds): weekday and working-hour biased."""
    end_s = int(END.timestamp())
    utc_offset = datetime.fromtimestamp(end_s, ZoneInfo(acct.zone)).utcoffset()
    offset = int(utc_offset.total_seconds()) if utc_offset else 0
    seen: set[int] = set()
    while len(seen) < acct.count:
        t = rng.randrange(acct.start_s, end_s)
        local = t + offset
        weekday = (local // DAY + 3) % 7  # 1970-01-01 was a Thursday
        if weekday >= 5 and rng.random() < 0.5:
            continue
        hour = min(23, max(0, int(rng.gauss(13, 4))))
        t = local - local % DAY + hour * HOUR + rng.randrange(HOUR) - offset
        if acct.start_s <= t < end_s:
            seen.add(t)
    return sorted(seen)


def post_rows(rng: random.Random, acct: Account) -> Iterator[tuple[object, ...]]:
    """The account's posts with their final metrics, as ``bench_posts`` rows."""
    names = list(TYPES)
    weights = [TYPES[t][0] for t in names]
    for n, t in enumerate(_post_times(rng, acct)):
        ctype = rng.choices(names, weights)[0]
        # snowflake id: time in ms, the account in the worker bits, so ids never collide
        ms = t * 1000 + acct.index // 1024
        pid = ((ms - TWITTER_EPOCH_MS) << 22) | ((acct.index % 1024) << 12) | (n % 4096)
        reach = acct.reach * rng.lognormvariate(0, 0.6)
        if rng.random() < 0.01:
            reach *= rng.uniform(10, 50)  # a post that takes off
        rate = 0.02 * TYPES[ctype][1] * rng.lognormvariate(0, 0.4)
        local_hour = datetime.fromtimestamp(t, ZoneInfo(acct.zone)).hour
        if 8 <= local_hour <= 10:
            rate *= 1.3  # mornings do better: a best time to find
        imp = 0 if ctype == "retweet" else int(reach)
        inter = imp * rate
        likes = int(inter * 0.6)
        yield (
            f"{pid:019d}",
            acct.name,
            str(10**9 + acct.index),
            _text(rng, ctype, n),
            t,
            ctype,
            imp,
            likes if imp else rng.randint(0, 50),
            int(inter * 0.15),
            int(inter * 0.12),
            int(inter * 0.03),
            int(inter * 0.1),
            int(imp * 0.004),
            int(imp * 0.006),
            rng.randrange(CURVE_CLASSES),
            rng.randrange(HOUR),
        )


def _ts(expr: str) -> str:
    """SQL for an epoch-seconds expression as SQLAlchemy stores a UTC datetime on SQLite."""
    return f"strftime('%Y-%m-%d %H:%M:%S', {expr}, 'unixepoch') || '.000000'"


def _iso(expr: str) -> str:
    return f"strftime('%Y-%m-%dT%H:%M:%S', {expr}, 'unixepoch') || '.000Z'"


def _indexes(table: Table) -> list[Index]:
    return sorted(table.indexes, key=lambda ix: str(ix.name))


def build(out: Path, n_posts: int, n_accounts: int, per_post: int, years: float, seed: int,
          calls_days: int, log: bool = True) -> dict[str, int]:  # fmt: skip
    """Create ``out/config.toml`` and ``out/data/xpulse.db``; returns the row counts."""
    started = time.perf_counter()

    def say(msg: str) -> None:
        if log:
            print(f"[{time.perf_counter() - started:6.1f} s] {msg}", file=sys.stderr, flush=True)

    db = out / "data" / "xpulse.db"
    if db.exists():
        raise SystemExit(f"{db} exists: pick a new --out (or delete it)")
    rng = random.Random(seed)
    accounts = plan_accounts(rng, n_accounts, n_posts, years)
    _write_config(out, accounts)
    engine = open_store(f"sqlite:///{db}")  # the project's migrations make the schema
    engine.dispose()
    con = sqlite3.connect(db, isolation_level=None)
    try:
        for pragma in BUILD_PRAGMAS:
            con.execute(f"PRAGMA {pragma}")
        con.execute("BEGIN")
        for ix in _indexes(posts) + _indexes(observations):
            con.execute(f"DROP INDEX {ix.name}")
        _accounts(con, accounts)
        say(f"{len(accounts)} accounts")
        _generate(con, rng, accounts)
        say("posts generated")
        _copy_posts(con)
        say("posts copied")
        _copy_observations(con, read_ages(per_post))
        say("observations copied")
        _api_calls(con, calls_days)
        say("api calls")
        con.execute("COMMIT")
        for ix in _indexes(posts) + _indexes(observations):
            con.execute(str(CreateIndex(ix).compile(dialect=sqlite_dialect.dialect())))
            say(f"index {ix.name}")
        counts = {
            t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # noqa: S608
            for t in ("accounts", "posts", "observations", "api_calls")
        }
        con.execute("PRAGMA journal_mode=WAL")  # what open_store sets on every connection
    finally:
        con.close()
    say(f"done: {counts}")
    return counts


def _write_config(out: Path, accounts: list[Account]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    lines = ['timezone = "UTC"', ""]
    for a in accounts:
        lines += ["[[accounts]]", f'name = "{a.name}"', f'username = "bench_{a.index:04d}"',
                  f'timezone = "{a.zone}"', ""]  # fmt: skip
    (out / "config.toml").write_text("\n".join(lines), encoding="utf-8")


def _accounts(con: sqlite3.Connection, accounts: list[Account]) -> None:
    con.executemany(
        "INSERT INTO accounts (name, username, user_id, needs_sign_in, created_at, updated_at) "  # noqa: S608
        f"VALUES (?, ?, ?, 0, {_ts('?')}, {_ts('?')})",
        [(a.name, f"bench_{a.index:04d}", str(10**9 + a.index), a.start_s, int(END.timestamp()))
         for a in accounts],
    )  # fmt: skip


def _generate(con: sqlite3.Connection, rng: random.Random, accounts: list[Account]) -> None:
    con.execute(
        "CREATE TEMP TABLE bench_posts (pid TEXT, account TEXT, author_id TEXT, text TEXT, "
        "created_s INTEGER, ctype TEXT, imp INTEGER, likes INTEGER, reposts INTEGER, "
        "replies INTEGER, quotes INTEGER, bookmarks INTEGER, link_clicks INTEGER, "
        "profile_clicks INTEGER, cls INTEGER, jitter INTEGER)"
    )
    for acct in accounts:
        con.executemany(
            "INSERT INTO bench_posts VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            post_rows(rng, acct),
        )
    con.execute("CREATE INDEX temp.bench_posts_pid ON bench_posts (pid)")


def _copy_posts(con: sqlite3.Connection) -> None:
    raw = (
        f"json_object('id', pid, 'text', text, 'created_at', {_iso('created_s')}, "
        "'author_id', author_id, 'conversation_id', pid, 'lang', 'en', "
        "'edit_history_tweet_ids', json_array(pid))"
    )
    seen = _ts(f"created_s + {HOUR} - jitter")
    con.execute(
        "INSERT INTO posts (id, account, author_id, text, created_at, lang, conversation_id, "  # noqa: S608
        "content_type, media_keys, is_promoted, raw, source_url, retrieved_at, first_seen_at) "
        f"SELECT pid, account, author_id, text, {_ts('created_s')}, 'en', pid, ctype, "
        f"CASE WHEN ctype IN ('photo', 'video', 'gif') THEN json_array('3_' || pid) "
        f"ELSE json_array() END, 0, {raw}, "
        f"'https://api.x.com/2/users/' || author_id || '/tweets', {seen}, {seen} "
        "FROM bench_posts ORDER BY pid"
    )


def _copy_observations(con: sqlite3.Connection, ages: list[int]) -> None:
    con.execute("CREATE TEMP TABLE bench_reads (k INTEGER, age_s INTEGER, cls INTEGER, f REAL)")
    con.executemany(
        "INSERT INTO bench_reads VALUES (?, ?, ?, ?)",
        [(k, age, c, share(age, c)) for k, age in enumerate(ages) for c in range(CURVE_CLASSES)],
    )
    at = READ_AT
    metrics = {
        "impressions": "imp", "likes": "likes", "reposts": "reposts", "replies": "replies",
        "quotes": "quotes", "bookmarks": "bookmarks", "url_link_clicks": "link_clicks",
        "user_profile_clicks": "profile_clicks",
    }  # fmt: skip
    cols = ", ".join(metrics)
    vals = ", ".join(f"CAST(b.{v} * r.f AS INTEGER)" for v in metrics.values())
    engaged = " + ".join(f"b.{v}" for v in list(metrics.values())[1:])
    con.execute(
        f"INSERT INTO observations (post_id, observed_at, source, {cols}, engagements) "  # noqa: S608
        f"SELECT b.pid, {_ts(at)}, '/2/tweets', {vals}, CAST(({engaged}) * r.f AS INTEGER) "
        "FROM bench_posts b JOIN bench_reads r ON r.cls = b.cls "
        f"WHERE {at} <= {int(END.timestamp())} ORDER BY b.pid, r.k"
    )


def _api_calls(con: sqlite3.Connection, days: int) -> None:
    """An hourly timeline call per account, and a lookup call for each hour with reads."""
    end_s = int(END.timestamp()) // HOUR * HOUR
    start_s = end_s - days * DAY
    con.execute(
        "INSERT INTO api_calls (at, account, endpoint, method, status, reads, billable_reads, "  # noqa: S608
        "cost_micros, errors, rl_limit, rl_remaining, duration_s) "
        f"WITH RECURSIVE h(t) AS (SELECT {start_s} UNION ALL SELECT t + {HOUR} FROM h "
        f"WHERE t + {HOUR} < {end_s}), "
        f"found AS (SELECT account, (created_s + {HOUR} - jitter) / {HOUR} AS hr, "
        f"count(*) AS n FROM bench_posts WHERE created_s >= {start_s - HOUR} GROUP BY 1, 2) "
        f"SELECT {_ts('h.t + 60')}, a.name, '/2/users/:id/tweets', 'GET', 200, "
        "coalesce(f.n, 0), coalesce(f.n, 0), coalesce(f.n, 0) * 1000, 0, 900, 899, 0.4 "
        "FROM h CROSS JOIN accounts a "
        f"LEFT JOIN found f ON f.account = a.name AND f.hr = h.t / {HOUR} "
        "ORDER BY h.t, a.name"
    )  # fmt: skip
    at = READ_AT
    con.execute(
        "INSERT INTO api_calls (at, account, endpoint, method, status, reads, billable_reads, "  # noqa: S608
        "cost_micros, errors, rl_limit, rl_remaining, duration_s) "
        f"SELECT {_ts(f'({at}) / {HOUR} * {HOUR} + 120')}, b.account, '/2/tweets', 'GET', "
        "200, count(*), count(*), count(*) * 1000, 0, 900, 899, 0.3 "
        "FROM bench_posts b JOIN bench_reads r ON r.cls = b.cls "
        f"WHERE r.age_s > 0 AND {at} >= {start_s} AND {at} <= {int(END.timestamp())} "
        f"GROUP BY ({at}) / {HOUR}, b.account ORDER BY ({at}) / {HOUR}, b.account"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="new XPULSE_HOME directory")
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=1_000)
    parser.add_argument("--obs", type=int, default=10, help="observations per post (1-10)")
    parser.add_argument("--years", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--calls-days", type=int, default=28, help="days of api_calls rows")
    args = parser.parse_args()
    if args.posts < args.accounts or args.accounts < 1:
        raise SystemExit("--posts must be at least --accounts, and --accounts at least 1")
    counts = build(args.out, args.posts, args.accounts, args.obs, args.years, args.seed,
                   args.calls_days)  # fmt: skip
    print(json.dumps({"home": str(args.out), "end": END.isoformat(), **counts}))


if __name__ == "__main__":
    main()
