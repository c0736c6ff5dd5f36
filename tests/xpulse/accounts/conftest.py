"""Fixtures of the credential tests; the fakes live in ``support/xpulse_api_fakes``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from xpulse_api_fakes import TokenServerState, serve_tokens


@pytest.fixture
def token_server() -> Iterator[tuple[str, TokenServerState]]:
    with serve_tokens() as served:
        yield served
