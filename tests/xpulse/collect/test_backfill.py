"""``xpulse backfill --source engagement-api`` against an Engagement API on loopback whose
OAuth 1.0a check is xsim's own verifier (independent of xpulse's signer)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from xpulse_private_world import ALICE, CONSUMER_KEY, CONSUMER_SECRET, make_world

from xpulse.api.oauth1 import OAuth1Auth, OAuth1Credentials
from xpulse.cli import cli
from xpulse.store import open_store
from xpulse.store import queries as q
from xpulse.store.schema import metric_series
from xsim.oauth.oauth1 import OAuth1Verifier
from xsim.server.http import serve_app
from xsim.world.model import OAuth1Token

TOKEN, TOKEN_SECRET = "fake-oauth1-token-alice", "fake-oauth1-token-secret-alice"


@dataclass
class FakeEngagementApi:
    """/insights/engagement/historical with the documented shape: 1 impression an hour."""

    created: dict[str, datetime]
    bodies: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> Starlette:
        world = make_world()
        world.oauth1_tokens.append(OAuth1Token(TOKEN, TOKEN_SECRET, "app-private", ALICE))
        verifier = OAuth1Verifier(world, lambda: datetime.now(UTC))

        async def historical(request: Request) -> JSONResponse:
            checked = verifier.verify(
                "POST", str(request.url), request.headers.get("authorization")
            )
            if checked.principal is None:
                return JSONResponse(
                    {
                        "errors": [
                            f"Your account could not be authenticated. Reason: {checked.error}"
                        ]
                    },
                    401,
                )
            body = await request.json()
            self.bodies.append(body)
            start = datetime.fromisoformat(body["start"].replace("Z", "+00:00"))
            end = datetime.fromisoformat(body["end"].replace("Z", "+00:00"))
            tree: dict[str, Any] = {}
            for pid in body["tweet_ids"]:
                hour = max(start, self.created[pid].replace(minute=0, second=0, microsecond=0))
                per_type: dict[str, Any] = {}
                for kind in body["engagement_types"]:
                    days: dict[str, dict[str, str]] = {}
                    at = hour
                    while at < end:
                        days.setdefault(f"{at:%Y-%m-%d}", {})[f"{at:%H}"] = (
                            "1" if kind == "impressions" else "0"
                        )
                        at += timedelta(hours=1)
                    per_type[kind] = days
                tree[pid] = per_type
            return JSONResponse({"start": body["start"], "end": body["end"], "hourly": tree})

        return Starlette(
            routes=[Route("/insights/engagement/historical", historical, methods=["POST"])]
        )


@pytest.fixture
def setup(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[tuple[FakeEngagementApi, Any]]:
    now = datetime.now(UTC)
    created = {"7001": now - timedelta(days=40), "7002": now - timedelta(days=3)}
    db = f"sqlite:///{tmp_path / 'bf.db'}"
    engine = open_store(db)
    with engine.begin() as conn:
        q.ensure_account(conn, "main", "alice", now)
        q.upsert_posts(
            conn,
            [
                {
                    "id": pid,
                    "account": "main",
                    "author_id": ALICE,
                    "text": "t",
                    "created_at": at,
                    "content_type": "text",
                    "media_keys": [],
                    "is_promoted": False,
                    "raw": {},
                    "source_url": "test",
                    "retrieved_at": now,
                    "first_seen_at": now,
                }
                for pid, at in created.items()
            ],
        )
    fake = FakeEngagementApi(created)
    (isolated_env / "config.toml").write_text('[[accounts]]\nname = "main"\nusername = "alice"\n')
    monkeypatch.setenv("XPULSE_DB", db)
    monkeypatch.setenv("XPULSE_OAUTH1_CONSUMER_KEY", CONSUMER_KEY)
    monkeypatch.setenv("XPULSE_OAUTH1_CONSUMER_SECRET", CONSUMER_SECRET)
    monkeypatch.setenv("XPULSE_OAUTH1_TOKEN_MAIN", TOKEN)
    monkeypatch.setenv("XPULSE_OAUTH1_TOKEN_SECRET_MAIN", TOKEN_SECRET)
    with serve_app(fake.app()) as url:
        monkeypatch.setenv("XPULSE_ENGAGEMENT_BASE", url)
        yield fake, engine
    engine.dispose()


def test_backfill_fills_hourly_series_in_legal_requests(
    setup: tuple[FakeEngagementApi, Any],
) -> None:
    fake, engine = setup
    since = (datetime.now(UTC) - timedelta(days=45)).strftime("%Y-%m-%d")
    result = CliRunner().invoke(cli, ["backfill", "--source", "engagement-api", "--since", since])
    assert result.exit_code == 0, result.output
    assert "2 post(s)" in result.output and "hourly buckets" in result.output
    assert len(fake.bodies) == 2  # ~40 days of history: two 4-week windows
    for body in fake.bodies:
        span = datetime.fromisoformat(body["end"][:-1]) - datetime.fromisoformat(body["start"][:-1])
        assert span <= timedelta(weeks=4) and len(body["tweet_ids"]) <= 25
        assert body["groupings"]["hourly"]["group_by"][-1] == "engagement.hour"
    assert fake.bodies[0]["tweet_ids"] == ["7001"]  # 7002 did not exist yet in window 1
    with engine.connect() as conn:
        total = conn.execute(
            select(func.sum(metric_series.c.impressions)).where(metric_series.c.post_id == "7002")
        ).scalar_one()
        sources = set(conn.execute(select(metric_series.c.source, metric_series.c.granularity)))
    assert 70 <= total <= 75  # one an hour for ~3 days
    assert sources == {("engagement-api", "hour")}
    # A second run rewrites the same buckets: no duplicates.
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(metric_series)).scalar_one()
    CliRunner().invoke(cli, ["backfill", "--source", "engagement-api", "--since", since])
    with engine.connect() as conn:
        after = conn.execute(select(func.count()).select_from(metric_series)).scalar_one()
    assert after == before


def test_bad_since_and_missing_credentials_are_one_line(
    setup: tuple[FakeEngagementApi, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, _ = setup
    runner = CliRunner()
    early = runner.invoke(cli, ["backfill", "--source", "engagement-api", "--since", "2014-08-01"])
    assert early.exit_code != 0 and "2014-09-01" in early.output and "Traceback" not in early.output
    bad = runner.invoke(cli, ["backfill", "--source", "engagement-api", "--since", "yesterday"])
    assert bad.exit_code != 0 and "not a date" in bad.output
    monkeypatch.delenv("XPULSE_OAUTH1_TOKEN_SECRET_MAIN")
    missing = runner.invoke(
        cli, ["backfill", "--source", "engagement-api", "--since", "2026-01-01"]
    )
    assert missing.exit_code != 0 and "XPULSE_OAUTH1_TOKEN_SECRET_MAIN" in missing.output
    assert fake.bodies == []


def test_xpulse_signatures_pass_xsims_verifier() -> None:
    world = make_world()
    world.oauth1_tokens.append(OAuth1Token(TOKEN, TOKEN_SECRET, "app-private", ALICE))
    now = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
    verifier = OAuth1Verifier(world, lambda: now)
    creds = OAuth1Credentials(CONSUMER_KEY, CONSUMER_SECRET, TOKEN, TOKEN_SECRET)
    nonces = iter(f"nonce{i:04d}" for i in range(100))
    auth = OAuth1Auth(
        creds, nonce=lambda: next(nonces), timestamp=lambda: str(int(now.timestamp()))
    )
    import httpx

    for url in (
        "http://127.0.0.1:9/2/tweets/analytics?ids=1,2&analytics.fields=likes",
        "http://127.0.0.1:9/2/search?q=caf%C3%A9%20%21%2A%27%28%29",
        "http://127.0.0.1:9/insights/engagement/28hr",
    ):
        request = httpx.Request("POST", url, json={"tweet_ids": ["1"]})
        header = auth.sign(request)
        assert verifier.verify("POST", url, header).principal is not None, url
    wrong = OAuth1Auth(
        OAuth1Credentials(CONSUMER_KEY, "fake-wrong-secret", TOKEN, TOKEN_SECRET),
        timestamp=lambda: str(int(now.timestamp())),
    )
    url = "http://127.0.0.1:9/insights/engagement/28hr"
    assert verifier.verify("POST", url, wrong.sign(httpx.Request("POST", url))).principal is None


@pytest.mark.parametrize("plan", ["enterprise", "pay-per-use"])
def test_backfill_from_tweets_analytics_against_xsim(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, plan: str
) -> None:
    """Enterprise reads the series; pay-per-use is refused by X (403 not enrolled), which
    is one line and a run that carries on with nothing stored."""
    from xpulse_private_world import ALICE_TOKEN, PLAIN, VIDEO

    from xsim.clock import FixedClock
    from xsim.server.http import build_app

    now = datetime.now(UTC).replace(microsecond=0)
    world = make_world()
    world.apps["app-private"].plan = plan  # type: ignore[assignment]  # one of the Plan literals
    db = f"sqlite:///{tmp_path / 'ta.db'}"
    engine = open_store(db)
    with engine.begin() as conn:
        q.ensure_account(conn, "main", "alice", now)
        q.upsert_posts(conn, [
            {"id": pid, "account": "main", "author_id": ALICE, "text": "t",
             "created_at": world.posts[pid].created_at, "content_type": "text", "media_keys": [],
             "is_promoted": False, "raw": {}, "source_url": "test", "retrieved_at": now,
             "first_seen_at": now}
            for pid in (PLAIN, VIDEO)
        ])  # fmt: skip
    with serve_app(build_app(world, clock=FixedClock(now))) as url:
        (isolated_env / "config.toml").write_text(
            f'[api]\nbase_url = "{url}"\n\n[[accounts]]\nname = "main"\nusername = "alice"\n'
        )
        monkeypatch.setenv("XPULSE_DB", db)
        monkeypatch.setenv("XPULSE_ACCESS_TOKEN_MAIN", ALICE_TOKEN)
        since = (world.posts[PLAIN].created_at - timedelta(days=1)).strftime("%Y-%m-%d")
        args = ["backfill", "--source", "tweets-analytics", "--since", since]
        result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    line = "the analytics time series needs X Enterprise; reports use stored reads instead"
    if plan != "enterprise":
        assert result.output.count(line) == 1 and "Traceback" not in result.output
        assert "2 post(s), 0 daily buckets in 0 request(s)" in result.output
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(metric_series)).scalar() == 0
        engine.dispose()
        return
    assert line not in result.output
    assert "2 post(s)" in result.output and "daily buckets in 1 request(s)" in result.output
    with engine.connect() as conn:
        rows = conn.execute(
            select(metric_series.c.post_id, func.sum(metric_series.c.impressions))
            .group_by(metric_series.c.post_id)
            .order_by(metric_series.c.post_id)
        ).all()
    assert [tuple(r) for r in rows] == [(PLAIN, 1000), (VIDEO, 1000)]
    # X's engagements count from the series fills export's x_engagements (no observation).
    with engine.connect() as conn:
        counts = dict(
            conn.execute(
                select(metric_series.c.post_id, func.sum(metric_series.c.engagements)).group_by(
                    metric_series.c.post_id
                )
            ).all()
        )
    exported = CliRunner().invoke(cli, ["export", "--format", "csv"])
    assert exported.exit_code == 0, exported.output
    got = {r["id"]: r["x_engagements"] for r in csv.DictReader(io.StringIO(exported.output))}
    assert all(counts[p] > 0 for p in (PLAIN, VIDEO))
    assert got == {p: str(counts[p]) for p in (PLAIN, VIDEO)}
    engine.dispose()
