"""The account's profile counts (followers, following, posts, lists), read once a UTC day.

X bills a user object once per UTC day, so the day's first collect pays one user read
($0.010 on pay-per-use) and later ones read nothing. The counts are stored only when they
changed (:func:`xpulse.store.history.save_profile_counts`). On plans where X leaves
``followers_count``/``following_count`` out of ``public_metrics`` (self-serve since April
2026) those are stored as NULL: reports say "not available on this plan", never 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from xpulse.store import queries
from xpulse.store.schema import COUNT_FIELDS

USER_FIELDS = ("id", "username", "public_metrics")
ENDPOINT = "/2/users/:id"
LOOKUP = "user lookup"  # the counts that came with the user id's lookup
# every answered user lookup of the day carries the counts
USER_ENDPOINTS = (ENDPOINT, "/2/users/me", "/2/users/by/username/:username")


@dataclass(frozen=True)
class ProfileRead:
    user_id: str
    counts: dict[str, int | None]  # None: X did not return that count
    users_read: int  # user objects delivered (billed as user reads)


def counts_of(user: dict[str, Any]) -> dict[str, int | None]:
    metrics = user.get("public_metrics") or {}
    out: dict[str, int | None] = {}
    for name in COUNT_FIELDS:
        value = metrics.get(name)
        out[name] = int(value) if isinstance(value, int | float) and value >= 0 else None
    return out


def profile_due(conn: Connection, account: str, now: datetime) -> bool:
    """Whether today's (UTC) counts were not read yet: no answered profile call today."""
    return not queries.answered_since(conn, account, utc_day_start(now), USER_ENDPOINTS)


def utc_day_start(now: datetime) -> datetime:
    """The start of ``now``'s UTC day: when the day's user read is due again."""
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
