"""Fixtures for the xsim API tests; the helpers live in ``xsim_api_support``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

# --import-mode=importlib puts no test folder on sys.path; the tests import their helpers
# from ./helpers (a folder without a conftest.py, so no other suite's `conftest` is shadowed).
sys.path.insert(0, str(Path(__file__).parent / "helpers"))

from xsim_api_support import Api, make_api

from xsim.world.model import World


@pytest.fixture
def api() -> Iterator[Api]:
    client_api, client = make_api()
    with client:
        yield client_api


@pytest.fixture
def make() -> Iterator[Any]:
    """Build an Api with options (a world, faults, ...); closed after the test."""
    clients: list[httpx.Client] = []

    def build(world: World | None = None, **opts: Any) -> Api:
        built, client = make_api(world, **opts)
        clients.append(client)
        return built

    yield build
    for c in clients:
        c.close()


@pytest.fixture
def live() -> Iterator[tuple[str, Any]]:
    """xsim over real HTTP (uvicorn in a thread, free 127.0.0.1 port): (base URL, its Sim)."""
    from xsim_api_support import NOW, make_world

    from xsim.clock import FixedClock
    from xsim.server.app import create_app
    from xsim.server.http import serve_app

    app = create_app(make_world(), clock=FixedClock(NOW))
    with serve_app(app) as base_url:
        yield base_url, app.state.sim
