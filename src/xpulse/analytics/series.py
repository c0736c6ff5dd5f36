"""Each post's impressions as a function of its age, from its stored observations.

A series starts at (0 h, 0 impressions), the moment of posting, and holds every
observation plus the post's latest metrics. Between two known points it is read by linear
interpolation, but only where that is trustworthy: the nearest *observed* point must lie
within a factor of 2 of the age asked for. A post read at 24 h and 7 d therefore has a
value at 30 h but none at 1 h (a straight line from posting to 24 h would understate it).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from xpulse.analytics.inputs import ObservationRow, PostRow
from xpulse.analytics.stats import interpolate

TRUST_FACTOR = 2.0
HOUR_S = 3600.0


@dataclass(frozen=True)
class Series:
    ages: Sequence[float]  # hours, ascending, ages[0] == 0.0
    values: Sequence[float]  # impressions at those ages

    @property
    def last_age(self) -> float:
        return self.ages[-1]

    @property
    def last_value(self) -> float:
        return self.values[-1]

    def at(self, age: float) -> float | None:
        """Impressions at ``age`` hours, or None where the observations cannot tell."""
        ages = self.ages
        if age <= 0:
            return 0.0
        if age > ages[-1]:
            return None
        i = bisect_left(ages, age)
        if ages[i] == age:
            return float(self.values[i])
        left, right = ages[i - 1], ages[i]
        if not ((left > 0 and left * TRUST_FACTOR >= age) or right <= age * TRUST_FACTOR):
            return None
        return interpolate(ages, self.values, age)


def _age_hours(created_at: datetime, moment: datetime) -> float:
    return (moment - created_at).total_seconds() / HOUR_S


def build_series(
    posts: Iterable[PostRow], observations: Iterable[ObservationRow]
) -> dict[str, Series]:
    """Series for every post that has at least one read (observation or latest metrics)."""
    created: dict[str, datetime] = {}
    points: dict[str, dict[float, float]] = {}
    for post in posts:
        created[post.id] = post.created_at
        if post.observed_at is not None:
            age = _age_hours(post.created_at, post.observed_at)
            if age > 0:
                points.setdefault(post.id, {})[age] = float(post.impressions)
    for obs in observations:
        start = created.get(obs.post_id)
        if start is None:
            continue
        age = _age_hours(start, obs.observed_at)
        if age > 0:
            known = points.setdefault(obs.post_id, {})
            # Two reads at the same instant: keep the larger (counts only grow).
            known[age] = max(float(obs.impressions), known.get(age, 0.0))
    out: dict[str, Series] = {}
    for post_id, known in points.items():
        ages = [0.0, *sorted(known)]
        out[post_id] = Series(ages, [0.0, *(known[a] for a in ages[1:])])
    return out
