"""Shared fixtures. Every test runs with a clean environment: no real token is ever read."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
X_API = SHARED / "x-api"

_LEAKY_PREFIXES = ("XPULSE_", "X_", "TWITTER_", "SLACK_", "SMTP_")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point XPULSE_HOME at a temp dir and drop every credential-like variable."""
    for name in list(os.environ):
        if name.startswith(_LEAKY_PREFIXES) and name != "XPULSE_TEST_PG":
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "xpulse-home"
    home.mkdir()
    monkeypatch.setenv("XPULSE_HOME", str(home))
    yield home


@pytest.fixture
def x_api_dir() -> Path:
    """../shared/x-api, or a skip with the reason when a clone has no ../shared."""
    if not X_API.is_dir():
        pytest.skip(f"reference material not present at {X_API}")
    return X_API
