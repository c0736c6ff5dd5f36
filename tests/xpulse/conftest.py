"""What the tests of several packages share: the modules of ``support/`` on ``sys.path``
(fakes of the X API, the sign-in world, the Sheets fake, store rows, the report makers and
the brand report, a one-account delivery config, the PostgreSQL server and its throwaway
databases), a fake clock, and stores disposed after the test."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from xpulse.store import open_store

sys.path.insert(0, str(Path(__file__).parent / "support"))

from xpulse_api_fakes import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def open_db() -> Iterator[Callable[[str], Engine]]:
    """``open_store`` whose engines are disposed after the test (no dangling connections)."""
    engines: list[Engine] = []

    def _open(url: str) -> Engine:
        engine = open_store(url)
        engines.append(engine)
        return engine

    yield _open
    for engine in engines:
        engine.dispose()
