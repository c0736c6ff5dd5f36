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
    # Only this account's observations: over every account's, each account's plan would
    # read the whole table (2,000 accounts: 2,000 scans of every observation).
    mine = select(posts.c.id).where(posts.c.account == account)
    last = (
        select(observations.c.post_id, func.max(observations.c.observed_at).label("last"))
        .where(private_obs, observations.c.post_id.in_(mine))
        .group_by(observations.c.post_id)
        .subquery()
    )
    refused = metric_refusals
    last_refusal = (
        select(refused.c.post_id, func.max(refused.c.at).label("last"))
        .where(refused.c.account == account, refused.c.post_id.isnot(None))
        .group_by(refused.c.post_id)
        .subquery()
    )
    conditions = [
        posts.c.account == account,
        posts.c.created_at > after,
        posts.c.unavailable_at.is_(None),
        posts.c.content_type != "retweet",
    ]
    if by_author:
        conditions.append(posts.c.author_id == bindparam("author"))
    return (
        select(posts.c.id, posts.c.created_at, last.c.last, last_refusal.c.last)
        .select_from(
            posts.outerjoin(last, last.c.post_id == posts.c.id).outerjoin(
                last_refusal, last_refusal.c.post_id == posts.c.id
            )
        )
        .where(and_(*conditions))
    )


def created_at(conn: Connection, post_ids: Sequence[str]) -> dict[str, datetime]:
    """When each of ``post_ids`` the store holds was created."""
    stmt = select(posts.c.id, posts.c.created_at).where(posts.c.id.in_(list(post_ids)))
    return {str(pid): at for pid, at in conn.execute(stmt)}
