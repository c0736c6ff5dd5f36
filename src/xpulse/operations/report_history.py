"""The report's history sections from the store's history: follower growth, figure sources
and the competitor benchmark (the inputs of :mod:`xpulse.analytics.audience`,
:mod:`xpulse.analytics.provenance` and :mod:`xpulse.analytics.benchmark`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection

from xpulse.analytics.audience import Followers, ProfilePoint, followers_section
from xpulse.analytics.benchmark import Benchmark, BenchmarkInput
from xpulse.analytics.benchmark import benchmark as make_benchmark
from xpulse.analytics.figures import Totals
from xpulse.analytics.metrics import totals
from xpulse.analytics.provenance import RULE, FigureSources, ImportedFile
from xpulse.operations.report_inputs import portfolio_posts
from xpulse.store import history
from xpulse.store.report_queries import StoredAccount

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


def benchmark(
    conn: Connection,
    own: StoredAccount,
    own_followers: Followers,
    start: datetime,
    end: datetime,
    as_of: datetime,
) -> Benchmark | None:
    """Your account beside each competitor over ``[start, end)``; None without competitors."""
    rivals = history.list_competitors(conn)
    if not rivals:
        return None
    names = [history.competitor_account(c.handle) for c in rivals]
    by_account = portfolio_posts(conn, [own.name, *names], start, end, as_of)
    upto = min(end, as_of)
    inputs = [BenchmarkInput(own.name, own.username, None, by_account[own.name], own_followers)]
    for c, name in zip(rivals, names, strict=True):
        followers_of = followers(conn, name, start, upto, totals([]))
        inputs.append(
            BenchmarkInput(name, c.display_handle, c.group, by_account[name], followers_of)
        )
    days = max((upto - start).total_seconds() / 86_400, 0.0)
    return make_benchmark(inputs, days)
