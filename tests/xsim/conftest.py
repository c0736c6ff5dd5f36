"""Fixtures shared by the xsim tests: in-process clients of a small world stated exactly.

The helpers live in ``./helpers`` (``--import-mode=importlib`` puts no test folder on
``sys.path``, so this conftest adds it; the folder has no conftest.py, so no other suite's
``conftest`` is shadowed):

- ``xsim_api_support``: a world on the Basic plan (and an Enterprise app), and :class:`Api`,
  a client of the whole app in this process;
- ``xsim_enterprise_support``: a world on the Enterprise plan with OAuth 1.0a token pairs,
  and :class:`Client`, which also signs OAuth 1.0a requests with oauthlib (an independent
  signer, not xsim's own).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent / "helpers"))

from xsim_api_support import Api, make_api
from xsim_enterprise_support import Client, make_client

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
def client() -> Iterator[Client]:
    c = make_client()
    yield c
    c.close()
