"""Spikes: posts whose impressions are far above the account's usual level for their age.

A post of age *a* (hours since posting at its latest read) is compared with the account's
other posts of the look-back window at that same age, each read off its own observation
series (see :mod:`xpulse.analytics.series`). On log(1 + impressions) the modified z-score
z = 0.6745 (x - median) / MAD is computed; z >= threshold (3.5, Iglewicz & Hoaglin) marks a
spike. Median and MAD are robust: earlier spikes in the history do not raise the bar. A post
with fewer than ``min_references`` comparable posts is not judged and is counted unchecked.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from xpulse.analytics.document import Spike, Spikes
from xpulse.analytics.inputs import PostRow
from xpulse.analytics.series import Series
from xpulse.analytics.stats import robust_z


def method_text(threshold: float, min_references: int) -> str:
    return (
        "modified z-score on log(1 + impressions) against the account's other posts of the "
        "look-back window at the same age (their observations interpolated): "
        f"z = 0.6745 × (x − median) / MAD; a spike when z ≥ {threshold:g}; posts with fewer "
        f"than {min_references} comparable posts are not judged"
    )


def find_spikes(
    candidates: Iterable[PostRow],
    references: Iterable[PostRow],
    series: Mapping[str, Series],
    *,
    threshold: float,
    min_references: int,
) -> Spikes:
    refs = [(p.id, series[p.id]) for p in references if p.id in series]
    found: list[Spike] = []
    checked = unchecked = 0
    for post in candidates:
        own = series.get(post.id)
        if own is None or post.observed_at is None:
            unchecked += 1
            continue
        age = own.last_age
        sample = []
        for ref_id, ref in refs:
            if ref_id != post.id and (value := ref.at(age)) is not None:
                sample.append(math.log1p(value))
        if len(sample) < min_references:
            unchecked += 1
            continue
        checked += 1
        x = math.log1p(post.impressions)
        med, _, z = robust_z(x, sample)
        if z is not None and z >= threshold:
            usual = math.expm1(med)
            found.append(
                Spike(
                    post_id=post.id,
                    url=post.url,
                    text=post.text,
                    age_hours=round(age, 2),
                    impressions=post.impressions,
                    usual_impressions=round(usual, 1),
                    ratio=round(post.impressions / usual, 2) if usual > 0 else None,
                    z=round(z, 2),
                    references=len(sample),
                )
            )
    found.sort(key=lambda s: -s.z)
    return Spikes(
        method=method_text(threshold, min_references),
        z_threshold=threshold,
        min_references=min_references,
        checked=checked,
        unchecked=unchecked,
        posts=found,
    )
