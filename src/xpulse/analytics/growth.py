"""Each post's impressions as a function of its age, from its stored reads.

The growth model: between two reads at ages a1 < a < a2, impressions follow a power of
age, a straight line on log-log axes, v(a) = v1 × (a / a1) ** k with
k = ln(v2 / v1) / ln(a2 / a1). It fits both the nearly proportional first hours and the
flattening tail of a post's reach, where a straight line in age would sag below the curve.

A value is read only where the reads can tell it: a read within 10 % of the age asked for
(beyond the first or last read its own value stands, counts only grow), or reads on both
sides with the nearer one within a factor of 2. The moment of posting (0 h, 0) is never
used as a point: a line drawn from it to a later read halves a post whose impressions
arrive early, as most do, and made ordinary posts look like spikes.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from xpulse.analytics.inputs import ObservationRow, PostRow

NEAR = 1.1  # a read this close (as a ratio of ages) stands for the age asked for
TRUST_FACTOR = 2.0  # between two reads, the nearer one must be this close
HOUR_S = 3600.0
GROWTH_MODEL = (
    "between two reads, impressions grow as a power of age (a straight line on log-log "
    "axes); a value is read only where a read lies within 10 % of the age, or reads lie "
    "on both sides with the nearer within a factor of 2; never from the moment of posting"
)


def _power(a1: float, v1: float, a2: float, v2: float, age: float) -> float:
    if v1 <= 0 or v2 <= v1:
        # Nothing yet, or no growth: proportional to the part of the log-age gap covered.
        return v1 + (v2 - v1) * math.log(age / a1) / math.log(a2 / a1)
    k = math.log(v2 / v1) / math.log(a2 / a1)
    return float(v1 * (age / a1) ** k)


@dataclass(frozen=True)
class Series:
    ages: Sequence[float]  # hours since posting of each read, ascending, all > 0
    values: Sequence[float]  # impressions at those reads

    @property
    def last_age(self) -> float:
        return self.ages[-1]

    @property
    def last_value(self) -> float:
        return self.values[-1]

    def at(self, age: float) -> float | None:
        """Impressions at ``age`` hours, or None where the reads cannot tell."""
        ages, values = self.ages, self.values
        if age <= 0:
            return 0.0
        i = bisect_left(ages, age)
        if i < len(ages) and ages[i] == age:
            return float(values[i])
        if i == 0:
            return float(values[0]) if ages[0] <= age * NEAR else None
        if i == len(ages):
            return float(values[-1]) if ages[-1] * NEAR >= age else None
        left, right = ages[i - 1], ages[i]
        if min(age / left, right / age) > TRUST_FACTOR:
            return None
        return _power(left, float(values[i - 1]), right, float(values[i]), age)


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
        ages = sorted(known)
        out[post_id] = Series(ages, [known[a] for a in ages])
    return out
