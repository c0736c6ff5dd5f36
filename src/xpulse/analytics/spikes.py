"""Spikes: posts whose impressions are far above the account's usual level for their age.

A post of age *a* (hours since posting at its latest read) is compared with the account's
other posts of the look-back window at that same age, each read off its own stored reads
with the growth model of :mod:`xpulse.analytics.growth` (a power of age between two reads,
never a line from the moment of posting). All of the account's own posts are the
reference, whatever their type: comparing within a type found a few more planted spikes in
xsim worlds but also flagged ordinary posts, and a spike is something a person acts on.

"Usual" is the median of the references at that age. A post is a spike when both hold:

* its impressions are at least ``min_ratio`` (3.5) times the usual, a size a person
  recognises as out of the ordinary, and
* on log(1 + impressions) its modified z-score z = 0.6745 (x - median) / MAD is at least
  ``threshold`` (2): far outside this account's own spread, so an account whose posts
  vary a lot needs more than 3.5× (Iglewicz & Hoaglin's robust score; earlier spikes in the
  history do not raise the bar).

``bench/spikes.py`` measures the pair at hourly run times over a week, on generated and
hand-made worlds: false alarms per 1,000 posts and recall of planted spikes of 5× and more
(figures in docs/benchmarks.md). A post with fewer than ``min_references`` comparable posts
is not judged and is counted unchecked.

Ages are matched on a grid 10 % apart (a post of 30 h meets the others at 29.5 h), so the
account's history is read once per grid age rather than once per post: O(g × n) for n
posts and g <= ~150 grid ages, instead of O(n²). The post itself is part of the reference
at its age, which a median barely notices.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from xpulse.analytics.document import Spike, Spikes
from xpulse.analytics.growth import GROWTH_MODEL, Series
from xpulse.analytics.inputs import PostRow
from xpulse.analytics.stats import robust_center


def method_text(threshold: float, min_ratio: float, min_references: int) -> str:
    return (
        "against the account's posts of the look-back window at the same age (ages matched "
        f"within 5 %; {GROWTH_MODEL}): usual = their median; a spike when impressions ≥ "
        f"{min_ratio:g} × usual and the modified z-score on log(1 + impressions), "
        f"z = 0.6745 × (x − median) / MAD, is ≥ {threshold:g}; posts with fewer than "
        f"{min_references} comparable posts are not judged"
    )


GRID_STEP = math.log(1.1)


def grid_age(age: float) -> float:
    """The grid age nearest to ``age`` (hours): powers of 1.1, at most 5 % away."""
    return math.exp(round(math.log(age) / GRID_STEP) * GRID_STEP)


def baseline(age: float, refs: list[Series]) -> tuple[int, float, float]:
    """(references, median, robust scale) of log(1 + impressions) at ``age``."""
    sample = [math.log1p(v) for ref in refs if (v := ref.at(age)) is not None]
    if not sample:
        return 0, 0.0, 0.0
    med, scale = robust_center(sample)
    return len(sample), med, scale


def find_spikes(
    candidates: Iterable[PostRow],
    references: Iterable[PostRow],
    series: Mapping[str, Series],
    *,
    threshold: float,
    min_references: int,
    min_ratio: float = 3.5,
) -> Spikes:
    refs = [series[p.id] for p in references if p.id in series]
    baselines: dict[float, tuple[int, float, float]] = {}
    found: list[Spike] = []
    checked = unchecked = 0
    for post in candidates:
        own = series.get(post.id)
        if own is None or post.observed_at is None:
            unchecked += 1
            continue
        age = own.last_age
        grid = grid_age(age) if age > 0 else 0.0
        if grid not in baselines:
            baselines[grid] = baseline(grid, refs)
        n, med, scale = baselines[grid]
        if n < min_references:
            unchecked += 1
            continue
        checked += 1
        z = (math.log1p(own.last_value) - med) / scale if scale > 0 else None
        usual = math.expm1(med)
        if z is not None and z >= threshold and own.last_value >= min_ratio * usual:
            found.append(
                Spike(
                    post_id=post.id,
                    url=post.url,
                    text=post.text,
                    content_type=post.content_type,
                    age_hours=round(age, 2),
                    impressions=post.impressions,
                    usual_impressions=round(usual, 1),
                    ratio=round(post.impressions / usual, 2) if usual > 0 else None,
                    z=round(z, 2),
                    references=n,
                )
            )
    found.sort(key=lambda s: -s.z)
    return Spikes(
        method=method_text(threshold, min_ratio, min_references),
        z_threshold=threshold,
        min_ratio=min_ratio,
        min_references=min_references,
        checked=checked,
        unchecked=unchecked,
        posts=found,
    )
