"""Store fixtures: a SQLite file per test, and a real PostgreSQL database per session,
created and dropped after. Which server, and the skip when none answers (a failure in CI),
``xpulse_postgres`` says.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from xpulse_postgres import fresh_database, pg_admin_url

from xpulse.store.schema import metadata


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """One database for the session: each test's tables are dropped after it (``store_url``)."""
    with fresh_database(pg_admin_url(), "xpulse_test") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each dialect, dropped clean after the test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    url = request.getfixturevalue("pg_url")
    yield url
    engine = create_engine(url)
    with engine.begin() as conn:
        metadata.drop_all(conn)
    engine.dispose()
