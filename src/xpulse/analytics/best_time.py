"""Best time to post: a weekday × hour grid over a look-back window, in local time.

Each post counts in the cell of its local weekday and hour. A post's *relative rate* is its
engagement rate divided by the account's mean rate for its content type over the window, so
that a slot does not win merely because videos (which earn more) happened to go out then.
Weekdays (all hours) and hours (all weekdays) are scored first, their mean relative rate
shrunk toward 1 (the account's usual) as if ``prior_posts`` ordinary posts were added::

    weekday score = (sum of relative rates + k) / (posts + k)        (the same per hour)

A cell is shrunk toward what its weekday and hour show, not toward 1, so a thin cell leans on
the whole week while a full one speaks for itself::

    cell score = (sum of relative rates + k × weekday score × hour score) / (posts + k)

A score of 1.3 reads "30 % above this account's usual rate for the same kinds of post".
Cells, weekdays and hours with fewer than ``min_posts`` posts are set aside (no score, no
rank). A slot scoring at or below 1 (the account's usual) is no finding: it is never among
the ranked best slots. Posts with no impressions have no rate and are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from xpulse.analytics.document import BestSlot, BestTime, BestTimeCell, SlotSummary
from xpulse.analytics.inputs import PostRow
from xpulse.analytics.metrics import interactions, rate, rounded

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass
class _Cell:
    rates: list[float] = field(default_factory=list)
    relative: list[float] = field(default_factory=list)  # rate / the type's mean rate
    impressions: int = 0
    engagements: int = 0


def method_text(min_posts: int, prior_posts: float) -> str:
    k = f"{prior_posts:g}"
    return (
        "relative rate = a post's engagement rate / the account's mean rate for its content "
        f"type in the window; weekday (or hour) score = (sum of relative rates + {k}) / "
        f"(posts + {k}); cell score = (sum of relative rates + {k} × weekday score × hour "
        f"score) / (posts + {k}); 1 = the account's usual; only slots above 1 are ranked; "
        f"fewer than {min_posts} posts: set aside, not ranked"
    )


def _score(cell: _Cell, prior_posts: float, prior: float = 1.0) -> float:
    return (sum(cell.relative) + prior_posts * prior) / (len(cell.relative) + prior_posts)


def _summaries(
    groups: dict[int, _Cell], size: int, labels: list[str], min_posts: int, prior_posts: float
) -> list[SlotSummary]:
    """Every weekday or hour with its score, and a rank among those with enough posts."""
    scored = [
        (_score(groups[i], prior_posts), len(groups[i].rates), i)
        for i in range(size)
        if i in groups and len(groups[i].rates) >= min_posts
    ]
    ranks = {i: r + 1 for r, (_, _, i) in enumerate(sorted(scored, key=lambda t: (-t[0], -t[1])))}
    out = []
    for i in range(size):
        cell = groups.get(i, _Cell())
        n = len(cell.rates)
        out.append(
            SlotSummary(
                index=i,
                label=labels[i],
                posts=n,
                mean_post_rate=rounded(sum(cell.rates) / n) if n else None,
                score=rounded(_score(cell, prior_posts)) if i in ranks else None,
                rank=ranks.get(i),
            )
        )
    return out


def best_time(
    posts: Iterable[PostRow],
    zone: ZoneInfo,
    window_start: datetime,
    window_end: datetime,
    *,
    lookback_days: int,
    min_posts: int,
    prior_posts: float,
    slots: int,
) -> BestTime:
    """The grid and the ranked slots for ``posts`` created in [window_start, window_end)."""
    rated: list[tuple[PostRow, float]] = []
    by_type: dict[str, list[float]] = {}
    for post in posts:
        if window_start <= post.created_at < window_end:
            post_rate = rate(interactions(post), post.impressions)
            if post_rate is not None:
                rated.append((post, post_rate))
                by_type.setdefault(post.content_type, []).append(post_rate)
    type_mean = {t: sum(v) / len(v) for t, v in by_type.items()}

    cells: dict[tuple[int, int], _Cell] = {}
    weekdays: dict[int, _Cell] = {}
    hours: dict[int, _Cell] = {}
    for post, post_rate in rated:
        local = post.created_at.astimezone(zone)
        mean = type_mean[post.content_type]
        for cell in (
            cells.setdefault((local.weekday(), local.hour), _Cell()),
            weekdays.setdefault(local.weekday(), _Cell()),
            hours.setdefault(local.hour, _Cell()),
        ):
            cell.rates.append(post_rate)
            if mean > 0:
                cell.relative.append(post_rate / mean)
            cell.impressions += post.impressions
            cell.engagements += interactions(post)

    out_cells: list[BestTimeCell] = []
    ranked: list[tuple[float, int, int, int, float]] = []
    for (weekday, hour), cell in sorted(cells.items()):
        n = len(cell.rates)
        cell_mean = sum(cell.rates) / n
        enough = n >= min_posts
        # A thin cell leans on what its weekday and its hour show across the whole week.
        prior = _score(weekdays[weekday], prior_posts) * _score(hours[hour], prior_posts)
        score = _score(cell, prior_posts, prior)
        out_cells.append(
            BestTimeCell(
                weekday=weekday,
                hour=hour,
                posts=n,
                impressions=cell.impressions,
                engagements=cell.engagements,
                engagement_rate=rounded(rate(cell.engagements, cell.impressions)),
                mean_post_rate=rounded(cell_mean),
                score=rounded(score) if enough else None,
                enough_posts=enough,
            )
        )
        if enough and score > 1.0:  # at or below the usual level is no finding
            ranked.append((score, n, weekday, hour, cell_mean))
    # Highest score first; more posts breaks a tie, then the earlier slot in the week.
    ranked.sort(key=lambda r: (-r[0], -r[1], r[2], r[3]))
    best = [
        BestSlot(
            rank=i + 1,
            weekday=weekday,
            weekday_name=WEEKDAYS[weekday],
            hour=hour,
            posts=n,
            score=round(score, 4),
            mean_post_rate=round(cell_mean, 4),
        )
        for i, (score, n, weekday, hour, cell_mean) in enumerate(ranked[:slots])
    ]
    all_rates = [r for _, r in rated]
    return BestTime(
        method=method_text(min_posts, prior_posts),
        window_start=window_start,
        window_end=window_end,
        lookback_days=lookback_days,
        min_posts=min_posts,
        prior_posts=prior_posts,
        account_mean_rate=rounded(sum(all_rates) / len(all_rates)) if all_rates else None,
        posts=len(rated),
        cells=out_cells,
        best_slots=best,
        by_weekday=_summaries(weekdays, 7, list(WEEKDAYS), min_posts, prior_posts),
        by_hour=_summaries(hours, 24, [f"{h:02d}:00" for h in range(24)], min_posts, prior_posts),
    )
