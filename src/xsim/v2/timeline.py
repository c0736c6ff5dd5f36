"""Posts indexed for fast timeline pages: per author, sorted by id, bisected, never scanned.

A timeline request costs O(log n + page size): each author's live (not deleted) posts are
kept in id order with parallel arrays of int ids and creation timestamps, once per
``exclude`` variant. Only the 3,200 most recent posts that exist at ``now`` are reachable,
as on the real API; the cap is taken over all of an author's posts and then ``exclude``
filters inside it.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass
from datetime import datetime

from xsim.clock import as_utc
from xsim.v2.params import PageToken, TimelineQuery
from xsim.world.model import Post, User, World

REACHABLE = 3200


@dataclass
class _Lane:
    posts: list[Post]
    ids: list[int]
    times: list[float]


@dataclass(frozen=True)
class Page:
    posts: list[Post]  # newest first
    older: PageToken | None  # where next_token leads
    newer: PageToken | None  # where previous_token leads


def _kind(post: Post) -> set[str]:
    kinds = set()
    for ref in post.references:
        if ref.type == "replied_to":
            kinds.add("replies")
        elif ref.type == "retweeted":
            kinds.add("retweets")
    return kinds


class TimelineIndex:
    """Per-author lanes of posts; the world is read-only while served."""

    def __init__(self, world: World) -> None:
        by_author: dict[str, list[Post]] = {}
        for post in world.posts.values():
            if not post.deleted:
                by_author.setdefault(post.author_id, []).append(post)
        self._lanes: dict[tuple[str, frozenset[str]], _Lane] = {}
        self._usernames = {u.username.lower(): u for u in world.users.values()}
        self.monotonic = True
        for author, posts in by_author.items():
            posts.sort(key=lambda p: int(p.id))
            for exclude in (
                frozenset(),
                frozenset({"replies"}),
                frozenset({"retweets"}),
                frozenset({"replies", "retweets"}),
            ):
                kept = [p for p in posts if not (_kind(p) & exclude)]
                times = [as_utc(p.created_at).timestamp() for p in kept]
                if any(a > b for a, b in itertools.pairwise(times)):
                    self.monotonic = False  # ids out of time order: filter times by scan
                self._lanes[(author, exclude)] = _Lane(kept, [int(p.id) for p in kept], times)

    def by_username(self, username: str) -> User | None:
        """Usernames match case-insensitively, as on X."""
        return self._usernames.get(username.lower())

    def count_at(self, author_id: str, now: datetime) -> int:
        """Live posts the author has made by ``now`` (a user's ``tweet_count``)."""
        lane = self._lanes.get((author_id, frozenset()))
        if lane is None:
            return 0
        return self._upto(lane, as_utc(now).timestamp())

    def newest_at(self, author_id: str, now: datetime) -> Post | None:
        lane = self._lanes.get((author_id, frozenset()))
        if lane is None:
            return None
        end = self._upto(lane, as_utc(now).timestamp())
        if self.monotonic:
            return lane.posts[end - 1] if end else None
        ts = as_utc(now).timestamp()
        live = [p for p, t in zip(lane.posts, lane.times, strict=True) if t <= ts]
        return live[-1] if live else None

    def _upto(self, lane: _Lane, ts: float) -> int:
        if self.monotonic:
            return bisect.bisect_right(lane.times, ts)
        return sum(1 for t in lane.times if t <= ts)

    def page(self, author_id: str, query: TimelineQuery, now: datetime) -> Page:
        everything = self._lanes.get((author_id, frozenset()))
        lane = self._lanes.get((author_id, query.exclude))
        if everything is None or lane is None:
            return Page([], None, None)
        now_ts = as_utc(now).timestamp()
        if not self.monotonic:
            return self._page_by_scan(everything, lane, query, now_ts)
        # The reachable window: the 3,200 newest posts that exist at now, over all kinds.
        existing = bisect.bisect_right(everything.times, now_ts)
        if existing == 0:
            return Page([], None, None)
        oldest_reachable = everything.ids[max(0, existing - REACHABLE)]
        lo = bisect.bisect_left(lane.ids, oldest_reachable)
        hi = bisect.bisect_right(lane.times, now_ts)
        # since_id/until_id take precedence over start_time/end_time (spec).
        if query.since_id is not None:
            lo = max(lo, bisect.bisect_right(lane.ids, query.since_id))
        elif query.start_time is not None:
            lo = max(lo, bisect.bisect_left(lane.times, query.start_time.timestamp()))
        if query.until_id is not None:
            hi = min(hi, bisect.bisect_left(lane.ids, query.until_id))
        elif query.end_time is not None:
            hi = min(hi, bisect.bisect_left(lane.times, query.end_time.timestamp()))
        return self._slice(lane, lo, hi, query)

    def _slice(self, lane: _Lane, lo: int, hi: int, query: TimelineQuery) -> Page:
        n = query.max_results
        if hi <= lo:
            return Page([], None, None)
        token = query.page
        if token is None or token.older:
            end = hi if token is None else min(hi, bisect.bisect_left(lane.ids, token.boundary))
            start = max(lo, end - n)
        else:
            start = max(lo, bisect.bisect_right(lane.ids, token.boundary))
            end = min(hi, start + n)
        if end <= start:
            return Page([], None, None)
        chosen = lane.posts[start:end]
        chosen.reverse()
        older = PageToken(lane.ids[start], older=True) if start > lo else None
        newer = PageToken(lane.ids[end - 1], older=False) if end < hi else None
        return Page(chosen, older, newer)

    def _page_by_scan(
        self, everything: _Lane, lane: _Lane, query: TimelineQuery, now_ts: float
    ) -> Page:
        """The same selection for worlds whose ids are not in time order (hand-written)."""
        existing = [i for i, t in zip(everything.ids, everything.times, strict=True) if t <= now_ts]
        if not existing:
            return Page([], None, None)
        floor = sorted(existing)[max(0, len(existing) - REACHABLE)]
        start_ts = query.start_time.timestamp() if query.start_time else None
        end_ts = query.end_time.timestamp() if query.end_time else None
        keep: list[int] = []
        for i, (pid, t) in enumerate(zip(lane.ids, lane.times, strict=True)):
            if pid < floor or t > now_ts:
                continue
            if query.since_id is not None:
                if pid <= query.since_id:
                    continue
            elif start_ts is not None and t < start_ts:
                continue
            if query.until_id is not None:
                if pid >= query.until_id:
                    continue
            elif end_ts is not None and t >= end_ts:
                continue
            keep.append(i)
        sub = _Lane(
            [lane.posts[i] for i in keep],
            [lane.ids[i] for i in keep],
            [lane.times[i] for i in keep],
        )
        return self._slice(sub, 0, len(keep), query)
