"""Fixtures of the API client tests; the fakes live in ``xpulse_api_fakes``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from xpulse_api_fakes import FakeClock, TokenServerState, serve_tokens


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def token_server() -> Iterator[tuple[str, TokenServerState]]:
    with serve_tokens() as served:
        yield served
