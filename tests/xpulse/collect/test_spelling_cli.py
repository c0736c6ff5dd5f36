"""``xpulse collect`` with ``[api] fields_spelling = "post.fields"`` against xsim on the real
clock: every post request goes out in OpenAPI 2.167's spelling, xsim answers in 2.167 names
(``repost_count``, ``includes.posts``), and the store holds every post with its reposts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select

from xpulse.cli import cli
from xpulse.store.schema import observations, posts
from xsim.clock import RealClock
from xsim.server.http import build_app, serve_app
from xsim.world.generate import generate_world
from xsim.world.generate_people import GenerateOptions


class Recorder:
    """An ASGI wrapper that keeps each request's path and query, as xsim received them."""

    def __init__(self, app: Any) -> None:
        self.app, self.state = app, app.state
        self.seen: list[tuple[str, dict[str, list[str]]]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            query = parse_qs(scope["query_string"].decode("latin-1"))
            self.seen.append((scope["path"], query))
        await self.app(scope, receive, send)


@pytest.fixture
def served(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Recorder]]:
    now = datetime.now(UTC).replace(microsecond=0)
    world = generate_world(GenerateOptions(seed=4, users=1, days=20, now=now, posts_per_week=40))
    app = next(a for a in world.apps.values() if a.client_secret)
    monkeypatch.setenv("XPULSE_CLIENT_SECRET", app.client_secret or "")
    token = world.tokens[0]
    monkeypatch.setenv("XPULSE_REFRESH_TOKEN_ALPHA", token.refresh_token or "")
    monkeypatch.setenv("XPULSE_DB", f"sqlite:///{isolated_env / 'x.db'}")
    recorder = Recorder(build_app(world, clock=RealClock()))
    with serve_app(recorder) as url:
        (isolated_env / "config.toml").write_text(
            f'monthly_budget_usd = 50.0\n\n[api]\nbase_url = "{url}"\nclient_id = '
            f'"{app.client_id}"\nfields_spelling = "post.fields"\n\n[[accounts]]\n'
            f'name = "alpha"\nusername = "{world.users[token.user_id].username}"\n'
        )
        yield url, recorder


def test_collect_in_the_2167_spelling(served: tuple[str, Recorder], isolated_env: Path) -> None:
    url, recorder = served
    result = CliRunner().invoke(cli, ["collect"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    post_requests = [q for path, q in recorder.seen if path.startswith("/2/") and (
        path.endswith("/tweets") or path == "/2/tweets")]  # fmt: skip
    assert post_requests and all("post.fields" in q for q in post_requests)
    assert not any("tweet.fields" in q for q in post_requests)
    ledger = httpx.get(f"{url}/_sim/ledger", timeout=10).json()["totals"]
    engine = create_engine(f"sqlite:///{isolated_env / 'x.db'}")
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(posts)).scalar()
        reposts = conn.execute(
            select(func.count())
            .select_from(observations)
            .where(observations.c.reposts.is_not(None))
        ).scalar()
        seen = conn.execute(select(func.count()).select_from(observations)).scalar()
    engine.dispose()
    assert stored == ledger["own_post_reads"] > 50
    assert seen and reposts == seen  # repost_count was read into reposts for every post
