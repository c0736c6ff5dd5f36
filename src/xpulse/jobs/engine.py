"""Where the job engine lives: the store's PostgreSQL (its libpq URL), the queue's name,
and the schema the engine and the error log need."""

from __future__ import annotations

import procrastinate
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from xpulse.errors import ConfigError
from xpulse.store.db import safe_url
from xpulse.store.schema import create_shared, job_errors

SCHEMA_LOCK = 0x786A6F62  # "xjob": the first worker creates the schema, the others wait
QUEUE = "xpulse"


def conninfo(db_url: str) -> str:
    """The libpq URL of the store; workers need PostgreSQL."""
    try:
        url = make_url(db_url)
    except ArgumentError:
        raise ConfigError(f"XPULSE_DB / database_url: {db_url!r} is not a database URL") from None
    if url.get_backend_name() != "postgresql":
        raise ConfigError(
            f"workers need the store on PostgreSQL, not {safe_url(db_url)}; set XPULSE_DB="
            "postgresql+psycopg://USER@HOST/DB (see docs/workers.md)"
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def ensure_schema(engine: Engine) -> None:
    """procrastinate's tables and ours, created once; concurrent first workers wait."""
    schema = procrastinate.App(connector=procrastinate.PsycopgConnector()).schema_manager
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SCHEMA_LOCK})
        present = conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar()
        if present is None:
            # psycopg's own execute: no parameters, so the schema's '%' stay as written
            driver = conn.connection.driver_connection
            assert driver is not None
            driver.execute(schema.get_schema())
        create_shared(conn, job_errors)
