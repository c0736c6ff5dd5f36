"""The bodies of xsim's ``/2/`` resource endpoints, given a parsed request.

Each function returns the JSON body and the posts and users it delivered (for billing).
Authentication, rate limits, the cap and error handling are the caller's
(:mod:`xsim.v2.routes`). Missing, deleted and protected resources are HTTP 200 with ``errors``,
as in the recordings.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from xsim.clock import iso_z
from xsim.v2 import problems
from xsim.v2.billing import Ledger, days_to_month_end
from xsim.v2.objects import BodyParts, Json, ObjectBuilder
from xsim.v2.params import (
    TimelineQuery,
    UsageQuery,
    encode_page_token,
)
from xsim.v2.timeline import TimelineIndex
from xsim.world.model import Post, User


@dataclass
class Result:
    body: Json
    posts: list[Post]
    users: list[User]


def _envelope(r: ObjectBuilder, parts: BodyParts, single: bool = False) -> Json:
    body: Json = {}
    if parts.data:
        body["data"] = parts.data[0] if single else parts.data
    if parts.includes:
        body["includes"] = parts.includes
    if parts.errors:
        body["errors"] = problems.in_dialect(parts.errors, r.fields.dialect)
    return body


def _result(r: ObjectBuilder, parts: BodyParts, single: bool = False) -> Result:
    return Result(_envelope(r, parts, single), parts.posts, parts.users)


def _failed(r: ObjectBuilder, error: Json) -> Result:
    return Result({"errors": problems.in_dialect([error], r.fields.dialect)}, [], [])


def user_lookup(r: ObjectBuilder, user: User | None, parameter: str, value: str) -> Result:
    """``/2/users/me``, ``/2/users/{id}``, ``/2/users/by/username/{username}``."""
    if user is None:
        return _failed(r, problems.not_found("user", parameter, value))
    return _result(r, r.user_includes(user), single=True)


def timeline(r: ObjectBuilder, index: TimelineIndex, user_id: str, q: TimelineQuery) -> Result:
    """``/2/users/{id}/tweets``: one page, newest first, with the recorded ``meta``."""
    user = r.world.users.get(user_id)
    if user is None:
        return _failed(r, problems.not_found("user", "id", user_id))
    if user.protected and r.viewer.user_id != user.id:
        return _failed(r, problems.not_authorized("user", "id", user_id, "data"))
    page = index.page(user_id, q, r.now)
    parts = r.posts(page.posts, "id")
    body = _envelope(r, parts)
    meta: Json = {"result_count": len(parts.data)}
    if page.posts:
        meta["newest_id"] = page.posts[0].id
        meta["oldest_id"] = page.posts[-1].id
    if page.older is not None:
        meta["next_token"] = encode_page_token(page.older)
    if page.newer is not None:
        meta["previous_token"] = encode_page_token(page.newer)
    body["meta"] = meta
    return Result(body, parts.posts, parts.users)


def _lookup_posts(
    r: ObjectBuilder, ids: list[str], parameter: str
) -> tuple[list[Post], list[Json]]:
    found: list[Post] = []
    errors: list[Json] = []
    for post_id in ids:
        post = r.world.posts.get(post_id)
        if post is None or post.deleted or post.created_at > r.now:
            errors.append(problems.not_found("tweet", parameter, post_id))
        elif not r.can_see(post):
            errors.append(problems.not_authorized("tweet", parameter, post_id, "data"))
        else:
            found.append(post)
    return found, errors


def tweets(r: ObjectBuilder, ids: list[str]) -> Result:
    """``/2/tweets?ids=``: found posts in ``data``, the rest as partial errors."""
    found, errors = _lookup_posts(r, ids, "ids")
    parts = r.posts(found, "ids")
    parts.errors[:0] = errors
    return _result(r, parts)


def tweet(r: ObjectBuilder, post_id: str) -> Result:
    found, errors = _lookup_posts(r, [post_id], "id")
    parts = r.posts(found, "id")
    parts.errors[:0] = errors
    return _result(r, parts, single=True)


def numeric_id(text: str) -> str:
    """A stable numeric id for an app (the API's project and client app ids are digits)."""
    # 10 digits below 2**31: the spec types daily_project_usage.project_id as int32
    return str(zlib.crc32(text.encode("utf-8")) % 1_000_000_000 + 1_000_000_000)


def usage(ledger: Ledger, client_id: str, q: UsageQuery, now: datetime) -> Result:
    """``/2/usage/tweets``: post reads this billing period (UTC month) and the cap."""
    wanted = q.fields or frozenset({"cap_reset_day", "project_cap", "project_id", "project_usage"})
    project_id = numeric_id(client_id)
    data: dict[str, Any] = {}
    if "cap_reset_day" in wanted:
        data["cap_reset_day"] = days_to_month_end(now)
    cap = ledger.cap(client_id)
    if "project_cap" in wanted and cap is not None:
        data["project_cap"] = cap
    if "project_id" in wanted:
        data["project_id"] = project_id
    if "project_usage" in wanted:
        data["project_usage"] = ledger.month_reads(client_id, now)
    days: list[date] = [(now - timedelta(days=n)).date() for n in range(q.days - 1, -1, -1)]
    series = [
        {
            "date": iso_z(datetime(d.year, d.month, d.day, tzinfo=now.tzinfo)),
            "usage": ledger.daily_reads(client_id, d),
        }
        for d in days
    ]
    if "daily_project_usage" in wanted:
        data["daily_project_usage"] = {"project_id": int(project_id), "usage": series}
    if "daily_client_app_usage" in wanted:
        data["daily_client_app_usage"] = [
            {"client_app_id": project_id, "usage": series, "usage_result_count": len(series)}
        ]
    return Result({"data": data}, [], [])
