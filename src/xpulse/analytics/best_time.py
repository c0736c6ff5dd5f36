"""Best time to post: a weekday × hour grid over a look-back window, in local time.

Each post counts in the cell of its local weekday and hour. A post's *relative rate* is its
engagement rate divided by the account's mean rate for its content type over the window, so
that a slot does not win merely because videos (which earn more) happened to go out then.
A cell's score is the mean relative rate of its posts, shrunk toward 1 (the account's usual)
as if ``prior_posts`` extra ordinary posts were in the cell:

    score = (sum of the cell's relative rates + k) / (posts + k)

so a cell with two lucky posts cannot outrank a cell with twenty good ones; a score of 1.3
reads "30 % above this account's usual rate for the same kinds of post". Cells with fewer
than ``min_posts`` posts are set aside (``enough_posts: false``, no score) and never ranked.
Posts with no impressions have no rate and are left out of the grid.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from xpulse.analytics.document import BestSlot, BestTime, BestTimeCell
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
    return (
        "relative rate = a post's engagement rate / the account's mean rate for its content "
        "type in the window; score = the cell's mean relative rate shrunk toward 1 with a "
        f"prior weight of {prior_posts:g} posts: (sum of relative rates + {prior_posts:g}) / "
        f"(posts + {prior_posts:g}); cells with fewer than {min_posts} posts are set aside "
        "and not ranked"
    )


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
    for post, post_rate in rated:
        local = post.created_at.astimezone(zone)
        cell = cells.setdefault((local.weekday(), local.hour), _Cell())
        cell.rates.append(post_rate)
        if type_mean[post.content_type] > 0:
            cell.relative.append(post_rate / type_mean[post.content_type])
        cell.impressions += post.impressions
        cell.engagements += interactions(post)

    out_cells: list[BestTimeCell] = []
    ranked: list[tuple[float, int, int, int, float]] = []
    for (weekday, hour), cell in sorted(cells.items()):
        n = len(cell.rates)
        cell_mean = sum(cell.rates) / n
        enough = n >= min_posts
        score = (sum(cell.relative) + prior_posts) / (len(cell.relative) + prior_posts)
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
        if enough:
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
    )
