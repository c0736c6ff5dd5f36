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

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from xpulse.analytics.document import DailyHappened, HappenedDay
from xpulse.analytics.inputs import ObservationRow, PostRow
from xpulse.analytics.metrics import interactions

_TICK = timedelta(microseconds=1)
SPLIT_GAP = timedelta(hours=3)

METHOD = (
    "per post, the growth between two successive reads (the first from the moment of "
    "posting, at 0) is credited to the local day it happened in when both reads fall on "
    "that day, split in proportion to time when they are at most 3 h apart across "
    "midnight; growth between reads further apart across midnight is not split, and "
    "every day it touches is marked not known"
)


def _reads(
    posts: Iterable[PostRow], observations: Iterable[ObservationRow]
) -> dict[str, list[tuple[datetime, int, int | None]]]:
    """Each post's (instant, impressions, interactions) from posting on, in time order: its
    observations and its latest metrics (one read per instant)."""
    created: dict[str, datetime] = {}
    found: dict[str, dict[datetime, tuple[int, int | None]]] = defaultdict(dict)
    for post in posts:
        created[post.id] = post.created_at
        if post.observed_at is not None and post.observed_at > post.created_at:
            found[post.id][post.observed_at] = (post.impressions, interactions(post))
    for obs in observations:
        if obs.post_id in created and obs.observed_at > created[obs.post_id]:
            found[obs.post_id].setdefault(obs.observed_at, (obs.impressions, obs.interactions))
    return {
        post_id: [(created[post_id], 0, 0), *((t, *known[t]) for t in sorted(known))]
        for post_id, known in found.items()
    }


def daily_happened(
    days: Sequence[date],
    zone: ZoneInfo,
    posts: Iterable[PostRow],
    observations: Iterable[ObservationRow],
) -> DailyHappened:
    """The figures of each local day in ``days`` (consecutive), as the module says."""
    wanted = set(days)
    impressions: dict[date, int] = dict.fromkeys(days, 0)
    engagements: dict[date, int] = dict.fromkeys(days, 0)
    engagements_known: dict[date, bool] = dict.fromkeys(days, True)
    unplaced: dict[date, int] = dict.fromkeys(days, 0)

    def place(day: date, imp: float, eng: float | None) -> None:
        if day in wanted:
            impressions[day] += round(imp)
            if eng is None:
                engagements_known[day] = False
            else:
                engagements[day] += round(eng)

    for reads in _reads(posts, observations).values():
        for (t0, imp0, eng0), (t1, imp1, eng1) in pairwise(reads):
            first = t0.astimezone(zone).date()
            last = (t1 - _TICK).astimezone(zone).date()
            grew = imp1 - imp0
            eng = None if eng0 is None or eng1 is None else eng1 - eng0
            if first == last:
                place(first, grew, eng)
            elif t1 - t0 <= SPLIT_GAP:
                span = (t1 - t0).total_seconds()
                start = t0
                day = first
                while day <= last:
                    end = min(t1, datetime.combine(day + timedelta(days=1), time(0), zone))
                    share = (end - start).total_seconds() / span
                    place(day, grew * share, None if eng is None else eng * share)
                    start, day = end, day + timedelta(days=1)
            elif days:
                day = max(first, days[0])
                while day <= last and day <= days[-1]:
                    unplaced[day] += grew
                    day += timedelta(days=1)
    points = [
        HappenedDay(
            date=d,
            known=unplaced[d] == 0,
            impressions=impressions[d] if unplaced[d] == 0 else None,
            engagements=engagements[d] if unplaced[d] == 0 and engagements_known[d] else None,
            impressions_placed=impressions[d],
            impressions_not_split=unplaced[d],
        )
        for d in days
    ]
    return DailyHappened(method=METHOD, days=points)
