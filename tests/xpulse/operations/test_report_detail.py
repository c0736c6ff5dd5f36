"""``xpulse report`` gains the detail section: organic vs promoted, clicks, X's engagement
rate, video retention, and daily figures from the series with their source named."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

import xpulse
from xpulse.analytics.detail import MediaCounts, retention
from xpulse.cli import cli
from xpulse.store import open_store
from xpulse.store import queries as q
from xpulse.store.metric_buckets import record_refusals, upsert_buckets
from xpulse.store.schema import metric_series

AS_OF = "2026-05-26T08:00:00+00:00"
NOW = datetime(2026, 5, 26, 8, tzinfo=UTC)
MON = datetime(2026, 5, 18, tzinfo=UTC)  # 2026-W21 starts (UTC report)
CONFIG = '[[accounts]]\nname = "main"\nusername = "acme"\n'


def _post(
    pid: str, created: datetime, ctype: str = "text", keys: list[str] | None = None
) -> dict[str, Any]:
    return {
        "id": pid,
        "account": "main",
        "author_id": "42",
        "text": f"post {pid}",
        "created_at": created,
        "content_type": ctype,
        "media_keys": keys or [],
        "is_promoted": False,
        "raw": {},
        "source_url": "test",
        "retrieved_at": NOW,
        "first_seen_at": NOW,
    }


def _obs(pid: str, at: datetime, **metrics: int | None) -> dict[str, Any]:
    return {"post_id": pid, "observed_at": at, "source": "/2/tweets", **metrics}


@pytest.fixture
def store(isolated_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (isolated_env / "config.toml").write_text(CONFIG, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'x.db'}"
    monkeypatch.setenv("XPULSE_DB", url)
    engine = open_store(url)
    a, b = MON + timedelta(hours=10), MON + timedelta(days=2, hours=9)
    with engine.begin() as conn:
        q.ensure_account(conn, "main", "acme", NOW)
        q.upsert_posts(conn, [_post("1", a), _post("2", b, "video", ["13_1"])])
        q.upsert_media(
            conn, [{"media_key": "13_1", "type": "video", "raw": {}, "retrieved_at": NOW}]
        )
        q.append_observations(
            conn,
            [
                _obs(
                    "1",
                    a + timedelta(days=2),
                    impressions=1000,
                    likes=30,
                    reposts=5,
                    replies=5,
                    quotes=0,
                    engagements=80,
                    url_link_clicks=12,
                    user_profile_clicks=8,
                    organic_impressions=700,
                    organic_likes=20,
                    organic_url_link_clicks=9,
                    promoted_impressions=300,
                    promoted_likes=10,
                    promoted_url_link_clicks=3,
                ),
                # A later public-only read does not erase the private figures above.
                _obs("1", a + timedelta(days=4), impressions=1100, likes=31),
                _obs(
                    "2",
                    b + timedelta(days=1),
                    impressions=400,
                    likes=10,
                    engagements=20,
                    url_link_clicks=0,
                    user_profile_clicks=2,
                    organic_impressions=400,
                    organic_likes=10,
                ),
            ],
        )
        q.append_media_observations(
            conn,
            [
                {
                    "media_key": "13_1",
                    "post_id": "2",
                    "observed_at": b + timedelta(days=1),
                    "source": "/2/tweets",
                    "view_count": 150,
                    "playback_0_count": 200,
                    "playback_25_count": 150,
                    "playback_50_count": 90,
                    "playback_75_count": 60,
                    "playback_100_count": 30,
                },
            ],
        )
        rows = []
        for day in range(7):
            for source, imps in (("/2/tweets/analytics", 100), ("engagement-api", 7)):
                rows.append(
                    {
                        "post_id": "1",
                        "granularity": "day",
                        "bucket_start": MON + timedelta(days=day),
                        "source": source,
                        "fetched_at": NOW - timedelta(hours=1),
                        "impressions": imps + day,
                        "engagements": 10,
                    }
                )
        upsert_buckets(conn, rows)
        record_refusals(
            conn,
            [
                {
                    "account": "main",
                    "post_id": "9",
                    "at": MON + timedelta(days=1),
                    "reason": "too-old",
                    "fields": "non_public_metrics",
                    "detail": "x",
                }
            ],
        )
    engine.dispose()
    return url


def _report(*args: str) -> Any:
    result = CliRunner().invoke(
        cli, ["report", "-a", "main", "-p", "2026-W21", "--as-of", AS_OF, *args]
    )
    assert result.exit_code == 0, result.output
    return result


def test_json_detail_section_and_schema(store: str) -> None:
    doc = json.loads(_report("-f", "json").output)
    schema_path = Path(xpulse.__file__).parent / "schemas" / "report.schema.json"
    Draft202012Validator(json.loads(schema_path.read_text())).validate(doc)
    d = doc["detail"]
    op = d["organic_promoted"]
    assert op["posts"] == 2 and op["promoted_posts"] == 1
    assert op["organic"]["impressions"] == 1100 and op["promoted"]["impressions"] == 300
    assert op["promoted_share_pct"] == pytest.approx(300 * 100 / 1400, abs=1e-4)
    clicks = d["clicks"]
    assert (clicks["url_link_clicks"], clicks["user_profile_clicks"]) == (12, 10)
    assert clicks["impressions"] == 1500  # 1100 (latest) + 400
    assert d["engagement"]["basis"] == "x_engagements"
    assert d["engagement"]["rate"] == pytest.approx(100 * 100 / 1500, abs=1e-4)
    video = d["video_retention"][0]
    assert [p["count"] for p in video["points"]] == [200, 150, 90, 60, 30]
    assert [p["drop_pct"] for p in video["points"]] == [
        None,
        25.0,
        40.0,
        pytest.approx(33.3333, abs=1e-3),
        50.0,
    ]
    assert d["daily_source"] == "/2/tweets/analytics"  # preferred over engagement-api
    assert [x["impressions"] for x in d["daily_series"]["days"]] == [100 + i for i in range(7)]
    assert d["refusals"] == 1


def test_markdown_and_text_say_which_source(store: str) -> None:
    md = _report("-f", "md").output
    assert "Beyond public counts" in md
    assert "Organic: 1,100 impressions" in md and "Promoted: 300 impressions" in md
    assert "/2/tweets/analytics" in md
    text = _report().output
    assert "Link clicks: 12" in text and "profile clicks: 10" in text
    assert "Video 13_1 in post 2" in text


def test_engagement_api_series_is_used_when_alone(store: str) -> None:
    engine = open_store(store)
    with engine.begin() as conn:
        conn.execute(metric_series.delete().where(metric_series.c.source == "/2/tweets/analytics"))
    engine.dispose()
    doc = json.loads(_report("-f", "json").output)
    assert doc["detail"]["daily_source"] == "engagement-api"
    assert doc["detail"]["daily_series"]["days"][0]["impressions"] == 7


def test_retention_without_starts_has_no_shares() -> None:
    r = retention(MediaCounts("1", "k", None, {0: 0, 25: 0, 50: None, 75: None, 100: None}))
    assert [(p.mark, p.pct_of_starts, p.drop_pct) for p in r.points] == [
        (0, None, None),
        (25, None, None),
    ]


def test_html_has_the_detail_section(store: str) -> None:
    html = _report("-f", "html").output
    assert 'id="detail"' in html and "Organic: 1,100 impressions" in html
