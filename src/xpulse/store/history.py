"""History that does not come from reading posts: imported files, profile counts, competitors
(tables in :mod:`xpulse.store.schema`).

``imports``: one row per file imported (X's data archive, an analytics CSV export), with
its SHA-256, so that importing the same file again changes nothing; observations written
by an import carry its ``import_id`` and a ``provenance`` ("archive", "analytics-csv").

``profile_counts``: an account's followers, following, posts and lists counts, one row per
collect *that saw a change* (twitter-to-sqlite's ``save_user_counts``): a flat line costs
no rows, and growth over a period is the last row before its end minus the last before its
start. A collect where X returned no counts (self-serve plans since April 2026) writes
nothing; the absence is what reports call "not available on this plan".

``competitors``: other accounts followed through their public metrics (app bearer token),
in named groups; never summed with the user's own accounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import Connection, RowMapping, Select, bindparam, func, select

from xpulse.store.schema import (
    COUNT_FIELDS,
    competitors,
    imports,
    observations,
    profile_counts,
)

Provenance = Literal["api", "archive", "analytics-csv"]
PROVENANCES: tuple[Provenance, ...] = ("api", "archive", "analytics-csv")
# -- imports --------------------------------------------------------------------------------


def find_import(conn: Connection, account: str, kind: str, sha256: str) -> RowMapping | None:
    stmt = select(imports).where(
        imports.c.account == account, imports.c.kind == kind, imports.c.sha256 == sha256
    )
    return conn.execute(stmt).mappings().first()


def record_import(conn: Connection, row: dict[str, Any]) -> int:
    result = conn.execute(imports.insert().values(**row))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


# -- profile counts -----------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileCounts:
    observed_at: datetime
    followers_count: int | None
    following_count: int | None
    tweet_count: int | None
    listed_count: int | None

    def values(self) -> tuple[int | None, ...]:
        return (self.followers_count, self.following_count, self.tweet_count, self.listed_count)


def _counts(row: RowMapping) -> ProfileCounts:
    return ProfileCounts(
        row["observed_at"],
        *(None if row[f] is None else int(row[f]) for f in COUNT_FIELDS),
    )


def save_profile_counts(
    conn: Connection,
    account: str,
    user_id: str | None,
    counts: dict[str, int | None],
    now: datetime,
    source: str,
) -> bool:
    """Append the counts when they differ from the account's last stored ones.

    ``counts`` holds what X returned; a field X did not return is None. When every field is
    None nothing is written (the plan does not return counts). Returns whether a row was
    written.
    """
    values = {f: counts.get(f) for f in COUNT_FIELDS}
    if all(v is None for v in values.values()):
        return False
    last = latest_profile_counts(conn, account, now)
    if last is not None and last.values() == tuple(values[f] for f in COUNT_FIELDS):
        return False
    conn.execute(
        profile_counts.insert().values(
            account=account, user_id=user_id, observed_at=now, source=source, **values
        )
    )
    return True


def latest_profile_counts(conn: Connection, account: str, at: datetime) -> ProfileCounts | None:
    """The account's counts as last stored at or before ``at``."""
    row = conn.execute(_latest_statement(), {"account": account, "at": at}).mappings().first()
    return None if row is None else _counts(row)


@lru_cache(maxsize=1)
def _latest_statement() -> Select[Any]:
    """Built once (every collect job runs it): the values are bound parameters."""
    c = profile_counts.c
    return (
        select(profile_counts)
        .where(c.account == bindparam("account"), c.observed_at <= bindparam("at"))
        .order_by(c.observed_at.desc(), c.id.desc())
        .limit(1)
    )


def profile_counts_between(
    conn: Connection, account: str, start: datetime, end: datetime
) -> list[ProfileCounts]:
    """Every stored change of the account's counts in ``[start, end]``, oldest first."""
    stmt = (
        select(profile_counts)
        .where(
            profile_counts.c.account == account,
            profile_counts.c.observed_at >= start,
            profile_counts.c.observed_at <= end,
        )
        .order_by(profile_counts.c.observed_at, profile_counts.c.id)
    )
    return [_counts(r) for r in conn.execute(stmt).mappings()]


# -- competitors --------------------------------------------------------------------------

COMPETITOR_PREFIX = "competitor_"


def competitor_account(handle: str) -> str:
    """The store's account name of a competitor (it names no env variable)."""
    return COMPETITOR_PREFIX + handle.removeprefix("@").lower()


@dataclass(frozen=True)
class Competitor:
    handle: str
    display_handle: str
    group: str
    user_id: str | None
    added_at: datetime


def list_competitors(conn: Connection) -> list[Competitor]:
    stmt = select(competitors).order_by(competitors.c.group_name, competitors.c.handle)
    return [
        Competitor(r["handle"], r["display_handle"], r["group_name"], r["user_id"], r["added_at"])
        for r in conn.execute(stmt).mappings()
    ]


def add_competitor(
    conn: Connection, handle: str, group: str, user_id: str | None, now: datetime
) -> None:
    conn.execute(
        competitors.insert().values(
            handle=handle.lower(),
            display_handle=handle,
            group_name=group,
            user_id=user_id,
            added_at=now,
        )
    )


def remove_competitor(conn: Connection, handle: str) -> bool:
    result = conn.execute(competitors.delete().where(competitors.c.handle == handle.lower()))
    return bool(result.rowcount)


# -- where figures came from ----------------------------------------------------------------


@dataclass(frozen=True)
class SourceCount:
    provenance: str
    import_id: int | None
    posts: int


def figure_sources(conn: Connection, post_ids: Sequence[str], as_of: datetime) -> list[SourceCount]:
    """Posts counted by the provenance (and imported file) of their newest observation at
    ``as_of``."""
    tally: dict[tuple[str, int | None], int] = {}
    ids = list(post_ids)
    for i in range(0, len(ids), 500):
        ranked = (
            select(
                observations.c.provenance,
                observations.c.import_id,
                func.row_number()
                .over(
                    partition_by=observations.c.post_id,
                    order_by=(observations.c.observed_at.desc(), observations.c.id.desc()),
                )
                .label("rank"),
            )
            .where(
                observations.c.post_id.in_(ids[i : i + 500]), observations.c.observed_at <= as_of
            )
            .subquery()
        )
        stmt = select(ranked.c.provenance, ranked.c.import_id).where(ranked.c.rank == 1)
        for provenance, import_id in conn.execute(stmt):
            key = (str(provenance), None if import_id is None else int(import_id))
            tally[key] = tally.get(key, 0) + 1
    return [SourceCount(p, i, n) for (p, i), n in sorted(tally.items(), key=str)]


def imports_by_id(conn: Connection, ids: Sequence[int]) -> dict[int, RowMapping]:
    if not ids:
        return {}
    stmt = select(imports).where(imports.c.id.in_(list(ids)))
    return {int(r["id"]): r for r in conn.execute(stmt).mappings()}
