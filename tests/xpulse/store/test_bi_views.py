"""The BI views give the report's totals, on SQLite and PostgreSQL.

A seeded store of five weeks (retweets, reads that miss a metric, X's own engagements on
some posts) is reported week by week, month and day by day in UTC, and every figure of every
view is compared with the report's; the per-post views with the test's own arithmetic.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from xpulse_store_rows import post

from xpulse.analytics.document import Report
from xpulse.analytics.figures import Totals
from xpulse.config.settings import parse_config
from xpulse.operations.report import make_report
from xpulse.store.queries import append_observations, ensure_account
from xpulse.store.schema import posts

START = datetime(2026, 4, 27, tzinfo=UTC)  # Monday of 2026-W18
NOW = datetime(2026, 6, 3, 12, tzinfo=UTC)  # after every read
WEEKS = ("2026-W18", "2026-W19", "2026-W20", "2026-W21", "2026-W22")
VIEWS = ("bi_post_latest", "bi_post_daily", "bi_account_daily", "bi_account_weekly")


def _seed(engine: Engine) -> dict[str, dict[str, int]]:
    """Posts of two accounts and their reads; returns each post's expected latest metrics."""
    rng = random.Random(16)
    rows, reads = [], []
    expected: dict[str, dict[str, int]] = {}
    for n in range(70):
        account = "main" if n % 3 else "side"
        created = START + timedelta(minutes=rng.randint(0, 5 * 7 * 24 * 60 - 1))
        ctype = "retweet" if n % 11 == 0 else rng.choice(["text", "photo", "link"])
        rows.append(post(str(1000 + n), account, created, content_type=ctype))
        latest: dict[str, int] = {}
        at = created
        for _ in range(rng.randint(0, 4)):  # some posts were never read
            at = min(at + timedelta(hours=rng.randint(2, 60)), NOW - timedelta(minutes=1))
            obs: dict[str, Any] = {"post_id": str(1000 + n), "observed_at": at, "source": "t"}
            for m in ("impressions", "likes", "reposts", "replies", "quotes", "bookmarks"):
                # a read may miss a metric (NULL): the last known count stands
                value = None if rng.random() < 0.2 else latest.get(m, 0) + rng.randint(0, 90)
                obs[m] = value
                if value is not None:
                    latest[m] = value
            if n % 4 == 0:
                obs["engagements"] = latest["x"] = latest.get("x", 0) + rng.randint(1, 50)
            reads.append(obs)
        expected[str(1000 + n)] = latest
    with engine.begin() as conn:
        ensure_account(conn, "main", "acme", START)
        ensure_account(conn, "side", "acme_labs", START)
        conn.execute(posts.insert(), rows)
        append_observations(conn, reads)
    return expected


@pytest.fixture
def seeded(store_url: str, open_db: Callable[[str], Engine], tmp_path: Path) -> Any:
    engine = open_db(store_url)
    expected = _seed(engine)
    config = parse_config(
        {
            "timezone": "UTC",
            "accounts": [
                {"name": "main", "username": "acme"},
                {"name": "side", "username": "acme_labs"},
            ],
        },
        tmp_path / "config.toml",
    )

    def report(account: str, period: str) -> Report:
        return make_report(config, engine, account=account, period=period, tz="UTC", now=NOW)

    return engine, expected, report


def _rows(engine: Engine, sql: str, **params: Any) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(sql), params).mappings()]


def _same(row: dict[str, Any] | None, totals: Totals) -> None:
    if row is None:  # the view has no row for a period without posts
        assert totals.posts == 0
        return
    for key in ("posts", "impressions", "likes", "reposts", "replies", "quotes", "bookmarks"):
        assert int(row[key]) == getattr(totals, key), key
    assert int(row["engagements"]) == totals.engagements
    assert int(row["posts_with_x_engagements"]) == totals.posts_with_x_engagements
    x = row["x_engagements"]
    assert (None if x is None else int(x)) == totals.x_engagements
    for rate in ("engagement_rate", "x_engagement_rate"):
        want = getattr(totals, rate)
        got = row[rate]
        assert (got is None) == (want is None), rate
        if want is not None:
            assert float(got) == pytest.approx(want, abs=5e-5), rate


def test_weekly_and_monthly_views_equal_the_reports(seeded: Any) -> None:
    engine, _, report = seeded
    weekly = {
        (r["account"], r["week"]): r for r in _rows(engine, "SELECT * FROM bi_account_weekly")
    }
    assert {w for _, w in weekly} == set(WEEKS)
    for account in ("main", "side"):
        for week in WEEKS:
            doc = report(account, week)
            row = weekly.get((account, week))
            _same(row, doc.totals)
            if row is not None:
                assert str(row["week_start"])[:10] == doc.period.start.date().isoformat()
        monthly = _rows(
            engine, "SELECT * FROM bi_account_monthly WHERE account = :a AND month = :m",
            a=account, m="2026-05",
        )  # fmt: skip
        _same(monthly[0], report(account, "2026-05").totals)


def test_daily_view_equals_the_reports_days(seeded: Any) -> None:
    engine, _, report = seeded
    daily = {
        (r["account"], str(r["day"])[:10]): r
        for r in _rows(engine, "SELECT * FROM bi_account_daily")
    }
    seen = 0
    for week in WEEKS:
        doc = report("main", week)
        for point in doc.daily:
            row = daily.get(("main", point.date.isoformat()))
            if row is None:
                assert point.posts == 0
                continue
            seen += 1
            assert (int(row["posts"]), int(row["impressions"]), int(row["engagements"])) == (
                point.posts, point.impressions, point.engagements,
            )  # fmt: skip
    assert seen > 20


def test_post_views_hold_the_latest_and_the_daily_gains(seeded: Any) -> None:
    engine, expected, report = seeded
    latest = {r["post_id"]: r for r in _rows(engine, "SELECT * FROM bi_post_latest")}
    assert set(latest) == set(expected)
    for pid, metrics in expected.items():
        row = latest[pid]
        for m in ("impressions", "likes", "reposts", "replies", "quotes", "bookmarks"):
            assert (row[m] if row[m] is None else int(row[m])) == metrics.get(m), (pid, m)
        assert (row["x_engagements"] and int(row["x_engagements"])) == metrics.get("x")
        assert row["url"] == f"https://x.com/i/status/{pid}"
    # The report's posts are the view's, metric for metric.
    doc = report("main", "2026-W20")
    for entry in doc.posts:
        row = latest[entry.id]
        assert int(row["engagements"]) == entry.engagements
        assert (row["impressions"] or 0) == entry.impressions
    # Daily gains add up to the latest value of each post.
    gained = _rows(
        engine,
        "SELECT post_id, SUM(impressions_gained) AS imp, SUM(engagements_gained) AS eng "
        "FROM bi_post_daily GROUP BY post_id",
    )
    assert gained
    for r in gained:
        row = latest[r["post_id"]]
        assert int(r["eng"]) == int(row["engagements"])
        if row["impressions"] is not None:
            assert int(r["imp"]) == int(row["impressions"])
    # and over one week's posts, to the report's totals
    ids = {p.id for p in doc.posts}
    week_gain = sum(int(r["eng"]) for r in gained if r["post_id"] in ids)
    assert week_gain == doc.totals.engagements


def test_views_survive_a_later_migration(store_url: str, open_db: Callable[[str], Engine]) -> None:
    """A store made before the views gets them; reopening keeps them working."""
    engine = open_db(store_url)
    with engine.begin() as conn:
        conn.execute(text("DROP VIEW bi_account_monthly"))
        conn.execute(text("DROP VIEW bi_account_weekly"))
        conn.execute(text("DELETE FROM schema_migrations WHERE version = 7"))
    engine.dispose()
    engine = open_db(store_url)
    for view in VIEWS:
        assert _rows(engine, f"SELECT * FROM {view}") == []  # noqa: S608 - constant names
    assert _rows(engine, "SELECT * FROM bi_account_monthly") == []


def test_follower_history_shows_each_change_and_its_step(
    store_url: str, open_db: Callable[[str], Engine]
) -> None:
    from xpulse.store.history import save_profile_counts

    engine = open_db(store_url)
    day = datetime(2026, 5, 1, 12, tzinfo=UTC)
    counts = [(100, 10), (100, 10), (130, 12), (None, None)]  # unchanged, up, hidden
    with engine.begin() as conn:
        for i, (followers, following) in enumerate(counts):
            values = {"followers_count": followers, "following_count": following}
            save_profile_counts(conn, "main", "1", {**values, "tweet_count": 50 + i},
                                day + timedelta(days=i), "/2/users/me")  # fmt: skip
    rows = _rows(engine, "SELECT * FROM bi_follower_history ORDER BY observed_at")
    got = [(r["followers_count"], r["followers_change"], r["following_change"]) for r in rows]
    # the unchanged day stores nothing... but its tweet_count moved, so it is a row too
    assert got == [(100, None, None), (100, 0, 0), (130, 30, 2), (None, None, None)]
