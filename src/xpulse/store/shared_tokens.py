"""The workers' shared token table on PostgreSQL (``xpulse_tokens``, in
:mod:`xpulse.store.schema`): one sign-in record per account, kept as the JSON text the file
token store writes (:mod:`xpulse.accounts.token_table` reads and writes it).

A save is committed before it returns: a rotated refresh token must be durable before the
new access token is used.
"""

from __future__ import annotations

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.dialects.postgresql import insert

from xpulse.store.schema import ensure_shared, shared_tokens


def ensure_table(engine: Engine) -> None:
    ensure_shared(engine, shared_tokens)


def load_record(engine: Engine, account: str) -> str | None:
    with engine.connect() as conn:
        raw = conn.execute(
            select(shared_tokens.c.record).where(shared_tokens.c.account == account)
        ).scalar_one_or_none()
    return None if raw is None else str(raw)


def save_record(engine: Engine, account: str, record: str) -> None:
    stmt = insert(shared_tokens).values(account=account, record=record, updated_at=func.now())
    stmt = stmt.on_conflict_do_update(
        index_elements=[shared_tokens.c.account],
        set_={"record": stmt.excluded.record, "updated_at": func.now()},
    )
    with engine.begin() as conn:
        conn.execute(stmt)


def delete_record(engine: Engine, account: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(shared_tokens).where(shared_tokens.c.account == account))
