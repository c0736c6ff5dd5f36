"""Fixtures of the dashboard tests; helpers live in ``xpulse_web_world`` and
``xpulse_web_browser``."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from xpulse_web_world import CONFIG, World, fill


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """One store for the session (read-only for the tests), its history ending now."""
    home = tmp_path_factory.mktemp("web-home")
    (home / "config.toml").write_text(CONFIG, encoding="utf-8")
    db_url = f"sqlite:///{home / 'x.db'}"
    now = datetime.now(UTC)
    fill(db_url, now)
    return World(home, db_url, now)


from xpulse_web_browser import browser  # noqa: E402, F401 - the session's Chromium
