"""Small, exact statistics in pure Python (no numpy): medians, MAD, ratio intervals."""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

# Scales a MAD to a standard deviation under normality (Iglewicz & Hoaglin's 0.6745).
MAD_TO_SD = 0.6745
# Scales a mean absolute deviation to a standard deviation under normality (sqrt(pi/2)).
MEANAD_TO_SD = 1.253314


def median(values: Sequence[float]) -> float:
    """Median of a non-empty sequence (the mean of the two middle values when even)."""
    if not values:
        raise ValueError("median of nothing")
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2.0


def robust_center(sample: Sequence[float]) -> tuple[float, float]:
    """(median, scale) of a sample, where scale estimates a standard deviation robustly.

    scale = MAD / 0.6745, so (x - median) / scale is Iglewicz & Hoaglin's modified z-score.
    When more than half the sample is tied and the MAD is 0, the mean absolute deviation
    × 1.2533 stands in; a scale of 0 means the sample has no spread at all.
    """
    med = median(sample)
    mad = median([abs(v - med) for v in sample])
    if mad > 0:
        return med, mad / MAD_TO_SD
    return med, MEANAD_TO_SD * sum(abs(v - med) for v in sample) / len(sample)


def robust_z(value: float, sample: Sequence[float]) -> tuple[float, float, float | None]:
    """(median, scale, z) of ``value`` against ``sample``; z is None when there is no spread."""
    med, scale = robust_center(sample)
    return med, scale, (value - med) / scale if scale > 0 else None


def ratio_interval(
    numerators: Sequence[float], denominators: Sequence[float], confidence: float
) -> tuple[float, float, float] | None:
    """Pooled ratio R = sum(y)/sum(x) with a normal-approximation interval.

    The variance is the linearised (delta-method) variance of a ratio estimator with the
    post as the unit: var(R) = n/(n-1) * sum((y_i - R x_i)^2) / (sum x)^2. It reflects how
    much posts differ from each other, not the (far smaller) binomial noise of single
    impressions. None when there are fewer than 2 posts or no denominator.
    """
    n = len(numerators)
    total_x = float(sum(denominators))
    if n < 2 or total_x <= 0:
        return None
    ratio = float(sum(numerators)) / total_x
    resid = sum((y - ratio * x) ** 2 for y, x in zip(numerators, denominators, strict=True))
    se = math.sqrt(n / (n - 1) * resid) / total_x
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    return ratio, max(0.0, ratio - z * se), ratio + z * se
