"""What X charges per read: the one place prices live.

Pay-per-use prices from the seeds (Feb 2026): a post by the signed-in user $0.001, anyone
else's post $0.005, a user object $0.010. X bills each resource once per app per UTC day: a
re-read the same day is free (it still counts toward the plan's monthly read cap). An
app-only bearer token has no user, so every post it reads is priced as someone else's.

Amounts are integer micro-dollars so that sums are exact.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

MICRO = 1_000_000


@dataclass(frozen=True)
class PriceTable:
    own_post_micros: int = 1_000
    other_post_micros: int = 5_000
    user_micros: int = 10_000
    dedupe_same_utc_day: bool = True

    def post(self, own: bool) -> int:
        return self.own_post_micros if own else self.other_post_micros

    def with_overrides(self, overrides: dict[str, Any]) -> PriceTable:
        """Prices from a config mapping in dollars, e.g. ``{"own_post_read": 0.001}``."""
        names = {
            "own_post_read": "own_post_micros",
            "other_post_read": "other_post_micros",
            "user_read": "user_micros",
        }
        changes: dict[str, Any] = {}
        for key, value in overrides.items():
            if key in names:
                changes[names[key]] = round(float(value) * MICRO)
            elif key == "dedupe_same_utc_day":
                changes[key] = bool(value)
            else:
                raise ValueError(f"unknown price {key!r} (known: {', '.join(names)})")
        return replace(self, **changes)


DEFAULT_PRICES = PriceTable()


def billing_day(at: datetime) -> str:
    """The UTC day a read is billed on (the dedupe key); naive times are taken as UTC."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).date().isoformat()


def dollars(micros: int) -> str:
    """``$1.234`` to the tenth of a cent (a read costs at least $0.001)."""
    return f"${micros / MICRO:,.3f}"
