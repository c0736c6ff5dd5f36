"""Store fixtures: a SQLite file per test, and a real PostgreSQL database per session.

PostgreSQL: ``XPULSE_TEST_PG`` if set, else the local server at 127.0.0.1:5432 (user
postgres). A throwaway database is created for the session and dropped after. When no
server answers, the PostgreSQL tests skip with the reason, except in CI (``CI`` set), where
they fail: CI must test both dialects.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from xpulse.store.schema import metadata

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    admin_url = os.environ.get("XPULSE_TEST_PG") or DEFAULT_PG
    name = f"xpulse_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        reason = f"PostgreSQL not reachable at {make_url(admin_url).render_as_string()}: " + (
            str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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
