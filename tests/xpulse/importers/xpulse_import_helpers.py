"""Store readers for importer tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from xpulse.store.schema import imports, media, observations, posts


def counts(engine: Engine) -> dict[str, int]:
    """Row counts of every table an import writes."""
    with engine.connect() as conn:
        return {
            t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in (posts, observations, media, imports)
        }


def dump(engine: Engine) -> list[Any]:
    """Every row an import may write, for "nothing changed" checks."""
    with engine.connect() as conn:
        return [
            list(conn.execute(select(t).order_by(*t.primary_key.columns)))
            for t in (posts, observations, media, imports)
        ]
