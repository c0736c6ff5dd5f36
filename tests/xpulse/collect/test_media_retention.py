"""``xpulse backfill --source media-analytics``: video retention from /2/media/analytics
against xsim; on a plan without it, one line and nothing stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select
from xpulse_private_world import ALICE, ALICE_TOKEN, PLAIN, VIDEO, make_world

from xpulse.cli import cli
from xpulse.store import open_store
from xpulse.store import queries as q
from xpulse.store.schema import media_observations
from xsim.clock import FixedClock
from xsim.server.http import build_app, serve_app

LINE = (
    "video retention from /2/media/analytics needs X Enterprise; reports use stored reads instead"
)


@pytest.mark.parametrize("plan", ["enterprise", "pay-per-use"])
def test_media_analytics_fills_video_retention(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, plan: str
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    world = make_world()
    world.apps["app-private"].plan = plan  # type: ignore[assignment]  # one of the Plan literals
    db = f"sqlite:///{tmp_path / 'media.db'}"
    engine = open_store(db)
    with engine.begin() as conn:
        q.ensure_account(conn, "main", "alice", now)
        q.upsert_posts(conn, [
            {"id": pid, "account": "main", "author_id": ALICE, "text": "t",
             "created_at": world.posts[pid].created_at, "content_type": "text",
             "media_keys": list(world.posts[pid].media_keys), "is_promoted": False, "raw": {},
             "source_url": "test", "retrieved_at": now, "first_seen_at": now}
            for pid in (PLAIN, VIDEO)
        ])  # fmt: skip
        q.upsert_media(conn, [{"media_key": "13_9", "type": "video", "duration_ms": 30000,
                               "raw": {}, "retrieved_at": now}])  # fmt: skip
    with serve_app(build_app(world, clock=FixedClock(now))) as url:
        (isolated_env / "config.toml").write_text(
            f'[api]\nbase_url = "{url}"\n\n[[accounts]]\nname = "main"\nusername = "alice"\n'
        )
        monkeypatch.setenv("XPULSE_DB", db)
        monkeypatch.setenv("XPULSE_ACCESS_TOKEN_MAIN", ALICE_TOKEN)
        since = (world.posts[PLAIN].created_at - timedelta(days=1)).strftime("%Y-%m-%d")
        result = CliRunner().invoke(
            cli, ["backfill", "--source", "media-analytics", "--since", since]
        )
        truth = httpx.get(f"{url}/_sim/truth", params={"ids": VIDEO}).json()
    assert result.exit_code == 0, result.output
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(media_observations)).mappings()]
    engine.dispose()
    if plan != "enterprise":
        assert result.output.count(LINE) == 1 and "Traceback" not in result.output
        assert rows == []
        return
    assert LINE not in result.output
    (row,) = rows
    expected = truth["data"][0]["media"][0]
    assert row["media_key"] == "13_9" and row["post_id"] == VIDEO
    assert row["source"] == "/2/media/analytics"
    for name in ("view_count", "playback_0_count", "playback_25_count", "playback_50_count",
                 "playback_75_count", "playback_100_count"):  # fmt: skip
        assert row[name] == expected[name] > 0, name
