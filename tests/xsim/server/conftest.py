"""Fixtures for the tests of the running server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from xsim_api_support import NOW, make_world

from xsim.clock import FixedClock
from xsim.server.app import create_app
from xsim.server.http import serve_app


@pytest.fixture
def live() -> Iterator[tuple[str, Any]]:
    """xsim over real HTTP (uvicorn in a thread, free 127.0.0.1 port): (base URL, its Sim)."""
    app = create_app(make_world(), clock=FixedClock(NOW))
    with serve_app(app) as base_url:
        yield base_url, app.state.sim
