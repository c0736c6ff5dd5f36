"""The PostgreSQL server of the tests, and throwaway databases on it.

The server: ``XPULSE_TEST_PG`` if set, else the local one at 127.0.0.1:5432 (user
postgres). When none answers, the tests that need it skip with the reason, except in CI
(``CI`` set), where they fail: CI must test both dialects.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def pg_admin_url() -> str:
    """The server's URL once it answers; else a skip (a failure in CI) saying why."""
    admin_url = os.environ.get("XPULSE_TEST_PG") or DEFAULT_PG
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = f"PostgreSQL not reachable at {make_url(admin_url).render_as_string()}: " + (
            str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    finally:
        engine.dispose()
    return admin_url


@contextmanager
def fresh_database(admin_url: str, prefix: str) -> Iterator[str]:
    """A new empty database named ``prefix`` and a random tail; its URL, with the password;
    dropped after even while connections to it are left open."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
