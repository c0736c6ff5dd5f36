"""Fixtures for the fidelity tests: the OpenAPI checker and one xsim served over HTTP.

The helpers live in ``xsim_fidelity_*`` modules beside this file (``--import-mode=importlib``
puts no test folder on ``sys.path``, so this conftest adds it).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from xsim_fidelity_oas import OpenApi, load
from xsim_fidelity_world import Served, crawl_world

from xsim.server.http import serve_in_thread


@pytest.fixture
def openapi(x_api_dir: Path) -> OpenApi:
    """The official OpenAPI 2.159 document (skips when ../shared is absent)."""
    return load(x_api_dir)


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    """The crawl world served on a free loopback port, once per test module."""
    world, who = crawl_world()
    with serve_in_thread(world) as url:
        yield Served(url, world, who)


@pytest.fixture
def http(served: Served) -> Iterator[httpx.Client]:
    with served.client() as client:
        yield client
