"""When a post's metrics are read again, by the post's age.

A schedule is a list of ages ("slots"). A post is due when it has reached a slot and has no
observation taken at or after that slot's moment (``created_at + age``). Only the latest
reached slot matters: an observation after it also covers every earlier slot. So however
often ``collect`` runs, a post is read at most once per slot (plus the read that found it),
and a run that missed slots reads the post once, not once per missed slot.

- ``weekly`` (default): 24 h and 7 d, what a weekly report needs: the week's posts with
  day-old metrics, and last week's settled ones.
- ``lifecycle``: 1 h, 6 h, 24 h, 3 d, 7 d, 28 d, for curves of how a post's reach arrives.

Posts older than :data:`HORIZON` are not refreshed: X keeps private metrics for 30 days.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Literal

ScheduleName = Literal["weekly", "lifecycle"]

SCHEDULES: dict[str, tuple[timedelta, ...]] = {
    "weekly": (timedelta(hours=24), timedelta(days=7)),
    "lifecycle": (
        timedelta(hours=1),
        timedelta(hours=6),
        timedelta(hours=24),
        timedelta(days=3),
        timedelta(days=7),
        timedelta(days=28),
    ),
}
HORIZON = timedelta(days=30)


def slots(name: str) -> tuple[timedelta, ...]:
    try:
        return SCHEDULES[name]
    except KeyError:
        raise ValueError(
            f"unknown refresh schedule {name!r} (use {', '.join(SCHEDULES)})"
        ) from None


def reached_slot(
    schedule: Sequence[timedelta], created_at: datetime, now: datetime
) -> timedelta | None:
    """The latest slot the post has reached at ``now``, or None before the first."""
    age = now - created_at
    reached = [s for s in schedule if s <= age]
    return reached[-1] if reached else None


def is_due(
    schedule: Sequence[timedelta],
    created_at: datetime,
    last_observed_at: datetime | None,
    now: datetime,
) -> bool:
    """Whether the post must be read now (see the module docstring)."""
    if now - created_at > HORIZON:
        return False
    slot = reached_slot(schedule, created_at, now)
    if slot is None:
        return False
    return last_observed_at is None or last_observed_at < created_at + slot


def reads_needed(schedule: Sequence[timedelta], created_at: datetime, until: datetime) -> int:
    """The schedule's lower bound: slots a post reaches by ``until`` (one read each)."""
    return sum(1 for s in schedule if s <= until - created_at and s <= HORIZON)


def due_ids(
    schedule: Sequence[timedelta],
    candidates: Iterable[tuple[str, datetime, datetime | None]],
    now: datetime,
) -> list[str]:
    """Ids of the (post_id, created_at, last_observed_at) candidates due at ``now``."""
    return [pid for pid, created, last in candidates if is_due(schedule, created, last, now)]
