"""The stored reads of posts, for their growth curves on the dashboard's drill-down."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, select

from xpulse.store.schema import observations

CHUNK = 500


def post_reads(
    conn: Connection, post_ids: Sequence[str], as_of: datetime
) -> dict[str, list[tuple[datetime, int]]]:
    """Each post's (read at, impressions) pairs up to ``as_of``, oldest first; reads
    without an impressions figure are left out (not zero)."""
    out: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    ids = list(post_ids)
    for i in range(0, len(ids), CHUNK):
        stmt = (
            select(observations.c.post_id, observations.c.observed_at, observations.c.impressions)
            .where(
                observations.c.post_id.in_(ids[i : i + CHUNK]),
                observations.c.observed_at <= as_of,
                observations.c.impressions.is_not(None),
            )
            .order_by(observations.c.post_id, observations.c.observed_at, observations.c.id)
        )
        for row in conn.execute(stmt):
            out[row.post_id].append((row.observed_at, int(row.impressions)))
    return dict(out)
