"""Impressions and engagements per local day, credited to the day they happened.

X's own analytics shows a day's impressions on that day, whichever post earned them. The
store holds reads: each post's counts at the instants it was read. Between two successive
reads of a post (the first one preceded by the moment of posting, when every count is 0)
the counts grew by a known amount in a known interval. When that interval lies within one
local day, the growth belongs to that day exactly. When it spans midnight and is at most
:data:`SPLIT_GAP` (3 h) long, it is split in proportion to the time on each side (the error
is bounded by what arrived in those few hours). A longer interval across midnight is not
split, since nothing in the reads says how it divides: every day it touches is marked as
not known, with the amount that could not be placed, instead of guessing.

A day is ``known`` when no such long interval touches it; its figures are then sums of
placed growth. Reads a day apart (the ``weekly`` schedule reads at about 24 h and 7 d)
leave most days not known, and the report says so; the ``/2/tweets/analytics`` hourly
series, where ``xpulse backfill`` stored it, gives exact days in the report's detail
section (``detail.daily_series``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from xpulse.analytics.document import DailyHappened, HappenedDay
from xpulse.analytics.inputs import ObservationRow, PostRow
from xpulse.analytics.metrics import interactions

SPLIT_GAP = timedelta(hours=3)

METHOD = (
    "per post, the growth between two successive reads (the first from the moment of "
    "posting, at 0) is credited to the local day it happened in when both reads fall on "
    "that day, split in proportion to time when they are at most 3 h apart across "
    "midnight; growth between reads further apart across midnight is not split, and "
    "every day it touches is marked not known"
)


def _reads(
    posts: Iterable[PostRow], observations: Iterable[ObservationRow], since: datetime
) -> dict[str, list[tuple[float, int, int | None]]]:
    """Each post's (instant, impressions, interactions) from posting on, in time order: its
    observations and its latest metrics (one read per instant). A post last read before
    ``since`` grew nothing known after it and is skipped."""
    created: dict[str, datetime] = {}
    found: dict[str, dict[datetime, tuple[int, int | None]]] = defaultdict(dict)
    for post in posts:
        if post.observed_at is None or post.observed_at < since:
            continue
        created[post.id] = post.created_at
        if post.observed_at is not None and post.observed_at > post.created_at:
            found[post.id][post.observed_at] = (post.impressions, interactions(post))
    for obs in observations:
        if obs.post_id in created and obs.observed_at > created[obs.post_id]:
            found[obs.post_id].setdefault(obs.observed_at, (obs.impressions, obs.interactions))
    # POSIX seconds: comparing aware datetimes of different zones is slow.
    return {
        post_id: [
            (created[post_id].timestamp(), 0, 0),
            *((t.timestamp(), *known[t]) for t in sorted(known)),
        ]
        for post_id, known in found.items()
    }


def daily_happened(
    days: Sequence[date],
    zone: ZoneInfo,
    posts: Iterable[PostRow],
    observations: Iterable[ObservationRow],
) -> DailyHappened:
    """The figures of each local day in ``days`` (consecutive), as the module says."""
    n = len(days)
    if n == 0:
        return DailyHappened(method=METHOD, days=[])
    # Local midnights as instants: day i is [bounds[i], bounds[i + 1]), DST included.
    midnights = [datetime.combine(days[0] + timedelta(days=i), time(0), zone) for i in range(n + 1)]
    bounds = [m.timestamp() for m in midnights]
    gap = SPLIT_GAP.total_seconds()
    impressions = [0] * n
    engagements = [0] * n
    engagements_known = [True] * n
    span_start = [0] * n  # a difference array of the growth not split, O(1) per interval
    span_end = [0] * n

    def place(i: int, imp: float, eng: float | None) -> None:
        if 0 <= i < n:
            impressions[i] += round(imp)
            if eng is None:
                engagements_known[i] = False
            else:
                engagements[i] += round(eng)

    for reads in _reads(posts, observations, midnights[0]).values():
        for (t0, imp0, eng0), (t1, imp1, eng1) in pairwise(reads):
            if t1 <= bounds[0] or t0 >= bounds[n]:
                continue  # grew outside the days asked for
            first = bisect_right(bounds, t0) - 1  # the day t0 falls in (-1: before)
            last = bisect_left(bounds, t1) - 1  # the day the growth up to t1 ends in
            grew = imp1 - imp0
            eng = None if eng0 is None or eng1 is None else eng1 - eng0
            if first == last:
                place(first, grew, eng)
            elif t1 - t0 <= gap:
                span = t1 - t0
                begin = t0
                for i in range(first, last + 1):
                    end = t1 if i == last else bounds[i + 1]
                    share = (end - begin) / span
                    place(i, grew * share, None if eng is None else eng * share)
                    begin = end
            else:
                span_start[max(first, 0)] += grew
                span_end[min(last, n - 1)] += grew
    unplaced = []
    running = 0
    for i in range(n):
        running += span_start[i]
        unplaced.append(running)
        running -= span_end[i]
    points = [
        HappenedDay(
            date=d,
            known=unplaced[i] == 0,
            impressions=impressions[i] if unplaced[i] == 0 else None,
            engagements=engagements[i] if unplaced[i] == 0 and engagements_known[i] else None,
            impressions_placed=impressions[i],
            impressions_not_split=unplaced[i],
        )
        for i, d in enumerate(days)
    ]
    return DailyHappened(method=METHOD, days=points)
