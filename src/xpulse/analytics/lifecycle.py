"""Lifecycle: how much of a post's impressions typically arrive by 1 h, 24 h and 7 d.

For every post of the look-back window whose latest read is at least ``min_age_days`` old,
its impressions at each checkpoint (interpolated from its observations, see
:mod:`xpulse.analytics.growth`) are divided by its impressions at that latest read; the
figure is the median of those shares across the posts that allow an estimate at that
checkpoint, with their number. A post counts at a checkpoint only when its latest read is at
least twice as old: a post last read at 7 d says nothing about what arrives after 7 d, so
its "share by 7 d" (1 by definition) is left out rather than reported as a fact. Under
``min_posts`` such posts the share is null.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from xpulse.analytics.document import Lifecycle, LifecyclePoint
from xpulse.analytics.growth import GROWTH_MODEL, Series
from xpulse.analytics.inputs import PostRow
from xpulse.analytics.stats import median


def _label(hours: float) -> str:
    if hours >= 48 and hours % 24 == 0:
        return f"{int(hours // 24)} d"
    return f"{hours:g} h"


def method_text(min_age_days: float, min_posts: int) -> str:
    return (
        f"per post: impressions at the checkpoint ({GROWTH_MODEL}) / "
        f"impressions at its latest read, for posts read at least {min_age_days:g} days and "
        "at least twice the checkpoint's age after posting; the median across posts, null "
        f"under {min_posts} posts"
    )


def lifecycle(
    posts: Iterable[PostRow],
    series: Mapping[str, Series],
    *,
    checkpoints_hours: Sequence[float],
    min_age_days: float,
    min_posts: int,
) -> Lifecycle:
    shares: dict[float, list[float]] = {h: [] for h in checkpoints_hours}
    eligible = 0
    waiting: list[datetime] = []  # when each post too young yet is old enough to count
    for post in posts:
        s = series.get(post.id)
        if s is None or s.last_age < min_age_days * 24:
            waiting.append(post.created_at + timedelta(days=min_age_days))
            continue
        if s.last_value <= 0:
            continue
        eligible += 1
        for hours in checkpoints_hours:
            if s.last_age < 2 * hours:
                continue
            value = s.at(hours)
            if value is not None:
                shares[hours].append(min(1.0, value / s.last_value))
    points = [
        LifecyclePoint(
            label=_label(hours),
            hours=hours,
            share_median=round(median(vals), 4) if len(vals) >= min_posts else None,
            posts=len(vals),
        )
        for hours, vals in shares.items()
    ]
    first = min(waiting).astimezone(UTC) if waiting else None
    return Lifecycle(
        method=method_text(min_age_days, min_posts),
        min_age_days=min_age_days,
        eligible_posts=eligible,
        checkpoints=points,
        waiting_posts=len(waiting),
        first_eligible_at=first,
        status=_status(points, eligible, waiting, min_age_days, min_posts),
    )


def _status(
    points: Sequence[LifecyclePoint],
    eligible: int,
    waiting: Sequence[datetime],
    min_age_days: float,
    min_posts: int,
) -> str:
    """What a reader needs when a share is unknown: what is missing and when it comes."""
    parts = []
    unknown = [p.label for p in points if p.share_median is None]
    if unknown:
        parts.append(
            f"{', '.join(unknown)}: unknown, fewer than {min_posts} posts have a read near that "
            f"age and a later one ({eligible} posts read at least {min_age_days:g} days after "
            "posting; a post first read later than a checkpoint can never tell it)"
        )
    if waiting:
        first, last = min(waiting), max(waiting)
        parts.append(
            f"waiting for {len(waiting)} younger posts: they count once read {min_age_days:g} "
            f"days after posting, from {first:%Y-%m-%d %H:%M} UTC to {last:%Y-%m-%d %H:%M} UTC"
        )
    return "; ".join(parts)
