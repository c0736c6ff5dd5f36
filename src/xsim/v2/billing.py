"""The billing ledger: every billable read, priced from ``world.pricing``, and the cap.

Each post delivered (in ``data`` or ``includes.tweets``) is one post read; each user object
delivered is one user read, priced separately. A post is "own" (X's owned read, since
2026-04-20) when a user token reads a post by its own user *and that user owns the app*
(``App.owner``; an app whose owner the world does not state takes any token's user as
owner, the rule before that date); an agency's app reading its clients' posts, and
app-only bearer reads, pay the ordinary post price. With ``dedupe_same_utc_day`` a repeat
read of the same resource by the same app on the same UTC day costs nothing (it is still
listed, with ``deduped`` true).

The monthly post-read cap (``App.monthly_read_cap``, by default the plan's:
:data:`xsim.world.model.PLAN_CAPS`) counts every post read, deduped or not, per app and UTC
calendar month; reads are refused once the count has reached the cap. ``GET
/2/usage/tweets`` reports the same counts per UTC day.
Money is kept in integer micro-dollars so that totals add up exactly.

Under injected faults (:mod:`xsim.v2.faults`) the rule is the real API's as far as a client can
tell: X bills what its server put in a 200 answer, whether or not the answer then reached
the client whole. So:

- ``429``, ``500``, ``502``, ``503``: answered before any post is read: nothing is billed;
- ``partial``: the answer is billed after the fault is applied: the item replaced by a
  ``resource-unavailable`` error is not billed; every other item (and every expansion still
  in ``includes``) is;
- ``drop``: the server computed and sent its answer and the connection broke on the way: the
  whole answer is billed, though the client received none of it;
- ``truncate``: the server sent a complete answer that arrived cut: billed in full;
- ``slow``: the server answers late but answers: billed in full, even when the client has
  timed out and gone (its retry the same UTC day is then a deduped, free, repeat read).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from xsim.clock import iso_z
from xsim.world.model import Post, User, World

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


# One request's reads, column by column. Only strings, ints and bytes inside, so the garbage
# collector does not rescan millions of entries (a tuple per read made a busy server crawl).
_Batch = tuple[datetime, str, str | None, str, str, tuple[str, ...], bytes, tuple[int, ...]]


class Ledger:
    def __init__(self, world: World) -> None:
        self.world = world
        p = world.pricing
        self._own = round(p.own_post_read * MICRO)
        self._other = round(p.other_post_read * MICRO)
        self._user = round(p.user_read * MICRO)
        self._dedupe = p.dedupe_same_utc_day
        self._batches: list[_Batch] = []
        self._seen: dict[tuple[str, date], set[str]] = defaultdict(set)
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
        if not posts and not users:
            return
        day = now.date()
        kinds = "p" * len(posts) + "u" * len(users)
        ids = tuple([p.id for p in posts] + [u.id for u in users])
        # flags per read: 1 = own post (an owned read), 2 = deduped
        app = self.world.apps.get(client_id)
        owner = app.owner if app is not None and app.owner is not None else user_id
        owned = user_id is not None and user_id == owner
        flags = bytearray(1 if owned and p.author_id == user_id else 0 for p in posts)
        flags.extend(bytes(len(users)))
        with self._lock:
            seen = self._seen[(client_id, day)]
            charged: list[int] = []
            for i, (kind, resource_id) in enumerate(zip(kinds, ids, strict=True)):
                key = resource_id if kind == "p" else "u" + resource_id
                if self._dedupe and key in seen:
                    flags[i] |= 2
                    charged.append(0)
                else:
                    seen.add(key)
                    charged.append(self._price(kind, flags[i]))
            self._batches.append(
                (now, client_id, user_id, endpoint, kinds, ids, bytes(flags), tuple(charged))
            )
            if posts:
                self._monthly[(client_id, _month(day))] += len(posts)
                self._daily[(client_id, day)] += len(posts)

    def _price(self, kind: str, flag: int) -> int:
        if kind == "u":
            return self._user
        return self._own if flag & 1 else self._other

    @property
    def entries(self) -> list[LedgerEntry]:
        """Every billable read, oldest first."""
        with self._lock:
            batches = list(self._batches)
        out: list[LedgerEntry] = []
        for at, client_id, user_id, endpoint, kinds, ids, flags, charged in batches:
            for kind, resource_id, flag, paid in zip(kinds, ids, flags, charged, strict=True):
                out.append(
                    LedgerEntry(at, client_id, user_id, endpoint,
                                "post" if kind == "p" else "user", resource_id, bool(flag & 1),
                                self._price(kind, flag), paid, bool(flag & 2))
                )  # fmt: skip
        return out

    def snapshot(self, client_id: str | None = None) -> dict[str, Any]:
        """Entries and totals (``GET /_sim/ledger``), optionally for one app."""
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
