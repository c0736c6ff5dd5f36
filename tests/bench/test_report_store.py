"""The benchmark store generator (bench/report_store.py) at a tiny size: the store it builds
is the project's own schema, holds what it says, and ``xpulse report`` reads it as is.
Not a timing test: the figures live in docs/benchmarks.md."""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from xpulse.cli import cli
from xpulse.config.settings import load_config
from xpulse.operations.report import make_portfolio, make_report
from xpulse.store import open_store
from xpulse.store.migrations import current_version

BENCH = Path(__file__).resolve().parents[2] / "bench" / "report_store.py"
POSTS, ACCOUNTS = 1_200, 6


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_report_store", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return _load()


@pytest.fixture(scope="module")
def home(gen: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "home"
    gen.build(out, POSTS, ACCOUNTS, 10, 1.0, 7, 14, log=False)
    return out


@pytest.fixture
def db(home: Path) -> Iterator[sqlite3.Connection]:
    con = sqlite3.connect(home / "data" / "xpulse.db")
    yield con
    con.close()


def test_counts_and_read_schedule(gen: ModuleType, db: sqlite3.Connection) -> None:
    assert db.execute("SELECT count(*) FROM posts").fetchone() == (POSTS,)
    assert db.execute("SELECT count(*) FROM accounts").fetchone() == (ACCOUNTS,)
    per_post = [n for (n,) in db.execute("SELECT count(*) FROM observations GROUP BY post_id")]
    assert max(per_post) == 10
    # only the last month's posts miss late reads (none lie in the future)
    assert sum(per_post) > POSTS * 10 * 0.85
    latest = db.execute("SELECT max(observed_at) FROM observations").fetchone()[0]
    assert latest <= gen.END.strftime("%Y-%m-%d %H:%M:%S.%f")
    # impressions never shrink along a post's history
    shrinking = db.execute(
        "SELECT count(*) FROM observations a JOIN observations b ON a.post_id = b.post_id "
        "AND b.observed_at > a.observed_at WHERE b.impressions < a.impressions"
    ).fetchone()
    assert shrinking == (0,)
    assert db.execute("SELECT count(*) FROM api_calls").fetchone()[0] > 0


def test_schema_is_the_migrated_one(home: Path, db: sqlite3.Connection) -> None:
    names = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"ix_posts_account_created", "ix_obs_post_observed", "ix_obs_observed"} <= names
    version = db.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
    assert version == current_version()
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    # Opening it again applies nothing: no migration recorded, no table, index or view
    # made or changed, so the generator wrote exactly the current schema.
    before = _schema(db)
    engine = open_store(f"sqlite:///{home / 'data' / 'xpulse.db'}")
    engine.dispose()
    assert _schema(db) == before
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def _schema(db: sqlite3.Connection) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The migrations recorded and every schema object's definition."""
    applied = db.execute("SELECT * FROM schema_migrations ORDER BY version").fetchall()
    objects = db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
    return applied, objects.fetchall()


def test_make_report_reads_it(gen: ModuleType, home: Path, db: sqlite3.Connection) -> None:
    config = load_config(home / "config.toml")
    busiest = db.execute(
        "SELECT account FROM posts GROUP BY account ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    engine = open_store(f"sqlite:///{home / 'data' / 'xpulse.db'}")
    try:
        report = make_report(
            config, engine, account=busiest, period="last-week", tz="UTC", now=gen.END
        )
        portfolio = make_portfolio(config, engine, period="last-week", tz="UTC", now=gen.END)
    finally:
        engine.dispose()
    week = (gen.END - timedelta(days=8, hours=8), gen.END - timedelta(days=1, hours=8))
    assert report.period.label == "2026-W21"
    assert week[0] == datetime(2026, 5, 18, tzinfo=UTC)
    bounds = tuple(w.strftime("%Y-%m-%d %H:%M:%S.%f") for w in week)
    own_in_week = db.execute(
        "SELECT count(*) FROM posts WHERE account = ? AND content_type != 'retweet' "
        "AND created_at >= ? AND created_at < ?",
        (busiest, *bounds),
    ).fetchone()[0]
    assert own_in_week > 0
    assert report.totals.posts == own_in_week
    # impressions are each post's latest read at the instant, as the SQL says
    latest_sum = db.execute(
        "SELECT sum(o.impressions) FROM posts p JOIN observations o ON o.post_id = p.id "
        "WHERE p.account = ? AND p.content_type != 'retweet' AND p.created_at >= ? "
        "AND p.created_at < ? AND o.observed_at = (SELECT max(observed_at) FROM observations "
        "WHERE post_id = p.id)",
        (busiest, *bounds),
    ).fetchone()[0]
    assert report.totals.impressions == latest_sum > 0
    assert report.cost is not None and report.cost.calls > 0
    assert report.lifecycle.eligible_posts > 0
    assert (
        portfolio.total.posts
        == db.execute(
            "SELECT count(*) FROM posts WHERE content_type != 'retweet' "
            "AND created_at >= ? AND created_at < ?",
            bounds,
        ).fetchone()[0]
    )
    assert len(portfolio.accounts) == ACCOUNTS


def test_cli_runs_on_it(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XPULSE_HOME", str(home))
    result = CliRunner().invoke(
        cli, ["report", "--all-accounts", "--as-of", "2026-05-26T08:00:00Z", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("acct000") == ACCOUNTS


def test_deterministic_by_seed(gen: ModuleType, tmp_path: Path) -> None:
    gen.build(tmp_path / "again", 300, 3, 4, 0.5, 7, 7, log=False)
    gen.build(tmp_path / "same", 300, 3, 4, 0.5, 7, 7, log=False)
    gen.build(tmp_path / "other", 300, 3, 4, 0.5, 8, 7, log=False)

    def dump(name: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(tmp_path / name / "data" / "xpulse.db") as con:
            rows = con.execute("SELECT id, account, created_at, text FROM posts ORDER BY id")
            obs = con.execute("SELECT post_id, observed_at, impressions FROM observations")
            return [*rows.fetchall(), *obs.fetchall()]

    assert dump("again") == dump("same")
    assert dump("again") != dump("other")
    with pytest.raises(SystemExit, match="exists"):
        gen.build(tmp_path / "again", 300, 3, 4, 0.5, 7, 7, log=False)


def test_cost_index_migration_upgrades_an_old_store(gen: ModuleType, tmp_path: Path) -> None:
    """A store made before step 4 gains ``ix_calls_account_at`` when opened, and one
    account's cost in a period is then read through it, not through every account's calls."""
    gen.build(tmp_path / "old", 200, 2, 3, 0.2, 3, 7, log=False)
    db = tmp_path / "old" / "data" / "xpulse.db"
    with sqlite3.connect(db) as con:
        con.execute("DROP INDEX ix_calls_account_at")
        con.execute("DELETE FROM schema_migrations WHERE version = 4")
    engine = open_store(f"sqlite:///{db}")
    engine.dispose()
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone() == (
            current_version(),
        )
        plan = " ".join(
            str(row[-1])
            for row in con.execute(
                "EXPLAIN QUERY PLAN SELECT endpoint, count(*), sum(cost_micros) FROM api_calls "
                "WHERE account = 'acct0001' AND at >= '2026-05-18' AND at < '2026-05-25' "
                "GROUP BY endpoint"
            )
        )
    assert "ix_calls_account_at" in plan


def test_the_backfill_column_is_added_to_an_old_store(gen: ModuleType, tmp_path: Path) -> None:
    """A store made before step 6 gains ``api_calls.backfill`` (false for old calls)."""
    gen.build(tmp_path / "old", 100, 1, 2, 0.2, 3, 7, log=False)
    db = tmp_path / "old" / "data" / "xpulse.db"
    with sqlite3.connect(db) as con:
        con.execute("ALTER TABLE api_calls DROP COLUMN backfill")
        con.execute("DELETE FROM schema_migrations WHERE version = 6")
    open_store(f"sqlite:///{db}").dispose()
    with sqlite3.connect(db) as con:
        calls, one_off = con.execute("SELECT count(*), sum(backfill) FROM api_calls").fetchone()
    assert calls > 0 and one_off == 0
