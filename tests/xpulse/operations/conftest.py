"""Fixtures of the run tests; helpers live in ``xpulse_run_stack``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from xpulse_run_stack import NOW, Stack, load_demo, make_world

from xsim.server.http import serve_in_thread
from xsim.world.model import World


def _serve(
    world: World, now: datetime, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Stack]:
    demo = load_demo()
    app = next(a for a in world.apps.values() if a.client_secret)
    monkeypatch.setenv("XPULSE_CLIENT_SECRET", app.client_secret or "")
    for name, token in zip(["ALPHA", "BETA"], world.tokens, strict=False):
        monkeypatch.setenv(f"XPULSE_REFRESH_TOKEN_{name}", token.refresh_token or "")
    with (
        serve_in_thread(world, now=now) as url,
        demo.SlackReceiver() as slack,
        demo.MailReceiver().running() as mail,
    ):
        monkeypatch.setenv("XPULSE_SLACK_WEBHOOK", slack.url)
        yield Stack(url, world, home, slack, mail, tmp_path / "reports", now)


@pytest.fixture
def stack(isolated_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """A fresh world at NOW (xsim rotates refresh tokens and keeps a ledger: none is shared)."""
    yield from _serve(make_world(NOW), NOW, isolated_env, tmp_path, monkeypatch)


@pytest.fixture
def cli_stack(
    isolated_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Stack]:
    """The same at the real instant, for the CLI (which runs on the real clock)."""
    now = datetime.now(UTC).replace(microsecond=0)
    yield from _serve(make_world(now), now, isolated_env, tmp_path, monkeypatch)
