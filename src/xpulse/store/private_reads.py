"""What the private-metrics reads (:mod:`xpulse.collect.private`) ask of the store: when each
of an account's recent own posts was last tried, and when given posts were created."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter, Connection, Select, and_, bindparam, func, or_, select

from xpulse.store.schema import metric_refusals, observations, posts


@dataclass(frozen=True)
class PrivateAttempts:
    """An own post and its last private observation and last refusal (None: none yet)."""

    post_id: str
    created_at: datetime
    last_read: datetime | None
    last_refusal: datetime | None


def private_attempts(
    conn: Connection, account: str, created_after: datetime, author_id: str | None = None
) -> list[PrivateAttempts]:
    """``account``'s posts created after ``created_after`` that are still available and not
    plain reposts (and by ``author_id`` when given), each with its last attempts."""
    params = {"account": account, "after": created_after, "author": author_id}
    rows = conn.execute(_attempts_statement(author_id is not None), params)
    return [PrivateAttempts(str(pid), *times) for pid, *times in rows]


@lru_cache(maxsize=2)
def _attempts_statement(by_author: bool) -> Select[str, datetime, Any, Any]:
    """Built once (a collect job runs it every time): the values are bound parameters."""
    account: BindParameter[str] = bindparam("account")
    after: BindParameter[datetime] = bindparam("after")
    private_obs = or_(
        observations.c.url_link_clicks.isnot(None),
        observations.c.user_profile_clicks.isnot(None),
        observations.c.organic_impressions.isnot(None),
    )
    # Subqueries per post: each reads the post's rows through its index, where a grouped
    # read of every observation scanned the whole table whenever the planner had no
    # statistics yet (a fresh database, or one that grew since the last analyse).
    last = (
        select(func.max(observations.c.observed_at))
        .where(observations.c.post_id == posts.c.id, private_obs)
        .scalar_subquery()
    )
    refused = metric_refusals
    last_refusal = (
        select(func.max(refused.c.at))
        .where(refused.c.post_id == posts.c.id, refused.c.account == account)
        .scalar_subquery()
    )
    conditions = [
        posts.c.account == account,
        posts.c.created_at > after,
        posts.c.unavailable_at.is_(None),
        posts.c.content_type != "retweet",
    ]
    if by_author:
        conditions.append(posts.c.author_id == bindparam("author"))
    return select(posts.c.id, posts.c.created_at, last, last_refusal).where(and_(*conditions))


def created_at(conn: Connection, post_ids: Sequence[str]) -> dict[str, datetime]:
    """When each of ``post_ids`` the store holds was created."""
    stmt = select(posts.c.id, posts.c.created_at).where(posts.c.id.in_(list(post_ids)))
    return {str(pid): at for pid, at in conn.execute(stmt)}
