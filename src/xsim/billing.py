"""The billing ledger: every billable read, priced from ``world.pricing``, and the cap.

Each post delivered (in ``data`` or ``includes.tweets``) is one post read; each user object
delivered is one user read, priced separately. A post is "own" when a user token reads a
post by its own user; app-only bearer reads are priced as others' posts (an app has no
user). With ``dedupe_same_utc_day`` a repeat read of the same resource by the same app on
the same UTC day costs nothing (it is still listed, with ``deduped`` true).

The monthly post-read cap (``App.monthly_read_cap``) counts every post read, deduped or
not, per app and UTC calendar month; reads are refused once the count has reached the cap.
Money is kept in integer micro-dollars so that totals add up exactly.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from xsim.clock import iso_z
from xsim.model import Post, User, World

MICRO = 1_000_000


class LedgerEntry(NamedTuple):
    """One billable read (a NamedTuple: cheap to make, 100 of them per page)."""

    at: datetime
    client_id: str
    user_id: str | None  # the token's user; None for app-only
    endpoint: str
    resource_type: str  # "post" | "user"
    resource_id: str
    own: bool
    price_micros: int
    charged_micros: int
    deduped: bool

    def to_json(self) -> dict[str, Any]:
        out = self._asdict()
        out["at"] = iso_z(self.at)
        out["price_usd"] = self.price_micros / MICRO
        out["charged_usd"] = self.charged_micros / MICRO
        del out["price_micros"], out["charged_micros"]
        return out


def _month(day: date) -> tuple[int, int]:
    return (day.year, day.month)


def days_to_month_end(now: datetime) -> int:
    """Days until the cap resets (the first day of the next UTC month)."""
    first_next = (now.replace(day=1) + timedelta(days=32)).replace(day=1)
    return (first_next.date() - now.date()).days


class Ledger:
    def __init__(self, world: World) -> None:
        self.world = world
        p = world.pricing
        self._own = round(p.own_post_read * MICRO)
        self._other = round(p.other_post_read * MICRO)
        self._user = round(p.user_read * MICRO)
        self._dedupe = p.dedupe_same_utc_day
        self.entries: list[LedgerEntry] = []
        self._seen: set[tuple[str, str, str, date]] = set()
        self._monthly: dict[tuple[str, tuple[int, int]], int] = defaultdict(int)
        self._daily: dict[tuple[str, date], int] = defaultdict(int)
        self._lock = threading.Lock()

    def cap(self, client_id: str) -> int | None:
        app = self.world.apps.get(client_id)
        return None if app is None else app.monthly_read_cap

    def month_reads(self, client_id: str, now: datetime) -> int:
        return self._monthly[(client_id, _month(now.date()))]

    def capped(self, client_id: str, now: datetime) -> bool:
        cap = self.cap(client_id)
        return cap is not None and self.month_reads(client_id, now) >= cap

    def daily_reads(self, client_id: str, day: date) -> int:
        return self._daily.get((client_id, day), 0)

    def record(
        self,
        now: datetime,
        client_id: str,
        user_id: str | None,
        endpoint: str,
        posts: list[Post],
        users: list[User],
    ) -> None:
        day = now.date()
        seen, dedupe, append = self._seen, self._dedupe, self.entries.append
        reads = [
            ("post", p.id, own, self._own if own else self._other)
            for p in posts
            for own in (user_id is not None and p.author_id == user_id,)
        ]
        reads.extend(("user", u.id, False, self._user) for u in users)
        with self._lock:
            for kind, resource_id, own, price in reads:
                key = (client_id, kind, resource_id, day)
                deduped = dedupe and key in seen
                seen.add(key)
                append(LedgerEntry(now, client_id, user_id, endpoint, kind, resource_id, own,
                                   price, 0 if deduped else price, deduped))  # fmt: skip
            if posts:
                self._monthly[(client_id, _month(day))] += len(posts)
                self._daily[(client_id, day)] += len(posts)

    def snapshot(self, client_id: str | None = None) -> dict[str, Any]:
        """Entries and totals (``GET /_sim/ledger``), optionally for one app."""
        with self._lock:
            entries = [e for e in self.entries if client_id is None or e.client_id == client_id]
        totals: dict[str, Any] = {
            "post_reads": sum(1 for e in entries if e.resource_type == "post"),
            "user_reads": sum(1 for e in entries if e.resource_type == "user"),
            "own_post_reads": sum(1 for e in entries if e.resource_type == "post" and e.own),
            "deduped_reads": sum(1 for e in entries if e.deduped),
            "cost_usd": sum(e.charged_micros for e in entries) / MICRO,
        }
        by_app: dict[str, int] = defaultdict(int)
        for e in entries:
            by_app[e.client_id] += e.charged_micros
        totals["cost_usd_by_app"] = {k: v / MICRO for k, v in sorted(by_app.items())}
        return {"entries": [e.to_json() for e in entries], "totals": totals}
