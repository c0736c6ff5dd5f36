"""The report's history sections read from the store: follower growth and figure sources,
turned into analytics inputs and sections (the store side of :mod:`xpulse.analytics.audience`
and :mod:`xpulse.analytics.provenance`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection

from xpulse.analytics.audience import Followers, ProfilePoint, followers_section
from xpulse.analytics.document import Totals
from xpulse.analytics.provenance import RULE, FigureSources, ImportedFile
from xpulse.store import history

EPOCH = datetime(2006, 3, 21, tzinfo=UTC)  # X's first post: nothing is older


def profile_points(conn: Connection, account: str, end: datetime) -> list[ProfilePoint]:
    return [
        ProfilePoint(c.observed_at, c.followers_count, c.following_count, c.tweet_count,
                     c.listed_count)
        for c in history.profile_counts_between(conn, account, EPOCH, end)
    ]  # fmt: skip


def followers(
    conn: Connection, account: str, start: datetime, end: datetime, totals: Totals
) -> Followers:
    return followers_section(profile_points(conn, account, end), start, end, totals)


def sources(conn: Connection, post_ids: Sequence[str], as_of: datetime) -> FigureSources:
    counts = history.figure_sources(conn, post_ids, as_of)
    files = history.imports_by_id(conn, [c.import_id for c in counts if c.import_id is not None])
    by_source: dict[str, int] = {}
    imported = []
    for c in counts:
        by_source[c.provenance] = by_source.get(c.provenance, 0) + c.posts
        row = files.get(c.import_id) if c.import_id is not None else None
        if row is not None:
            imported.append(
                ImportedFile(
                    kind=row["kind"], file=row["file_name"], counts_as_of=row["as_of"],
                    posts=c.posts,
                )
            )  # fmt: skip
    imported.sort(key=lambda f: (f.counts_as_of, f.file))
    return FigureSources(posts_by_source=by_source, files=imported, note=RULE)
