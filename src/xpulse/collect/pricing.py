"""What X charges per read, and what each plan allows: the one place prices live.

Checked against X's pricing documentation (``x-api/getting-started/pricing.mdx`` and the
changelog of ``xdevplatform/docs``) on :data:`PRICES_CHECKED`:

- pay-per-use is the default plan since 2026-02-06: a post read is $0.005, a user read
  $0.010. The "owned reads" price of $0.001 a post applies only when the account read is the
  signed-in user *and that user owns the developer app*; an agency reading a client's
  account through its own app pays $0.005. Post reads are capped at 3,000,000 a billing
  cycle (since 2026-08-13; 2,000,000 from 2026-07-16);
- Basic (legacy, 15,000 post reads a month) and Pro (1,000,000) are subscriptions: reads
  cost nothing on top of the monthly fee, the cap is what limits them; Enterprise is priced
  and capped by contract;
- each resource is charged once per app per UTC day (X calls it a "soft guarantee"): a
  re-read the same day is free but still counts toward the cap. An app-only bearer token
  has no user, so every post it reads is priced as someone else's.

Amounts are integer micro-dollars so that sums are exact.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

MICRO = 1_000_000
PRICES_CHECKED = date(2026, 8, 22)  # X's pricing docs as read that day
PLAN_NAMES = ("pay-per-use", "basic", "pro", "enterprise")


@dataclass(frozen=True)
class PriceTable:
    """Per-read prices of one plan, its monthly post-read cap and fee."""

    own_post_micros: int = 1_000  # the app owner's own posts
    other_post_micros: int = 5_000
    user_micros: int = 10_000
    dedupe_same_utc_day: bool = True
    plan: str = "pay-per-use"
    monthly_read_cap: int | None = 3_000_000  # post reads a billing cycle; None: by contract
    monthly_fee_usd: float | None = 0.0  # a subscription's fee; None: by contract

    def post(self, own: bool) -> int:
        return self.own_post_micros if own else self.other_post_micros

    @property
    def per_read(self) -> bool:
        """Whether reads are charged one by one (pay-per-use) or covered by a fee."""
        return self.other_post_micros > 0

    def describe(self) -> str:
        """The plan as a person reads it, e.g. in ``cost`` and ``collect --dry-run``."""
        cap = (
            f"cap {self.monthly_read_cap:,} post reads"
            if self.monthly_read_cap
            else "cap by contract"
        )
        if self.per_read:
            prices = (
                f"post {dollars(self.other_post_micros)}, own post (app owner) "
                f"{dollars(self.own_post_micros)}, user {dollars(self.user_micros)}"
            )
        elif self.monthly_fee_usd is None:
            prices = "reads priced by contract"
        else:
            prices = f"reads included in the ${self.monthly_fee_usd:,.0f} monthly fee"
        return f"plan {self.plan}: {prices}; {cap} a month (prices checked {PRICES_CHECKED})"

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


PLANS: dict[str, PriceTable] = {
    "pay-per-use": PriceTable(),
    "basic": PriceTable(0, 0, 0, True, "basic", 15_000, 200.0),
    "pro": PriceTable(0, 0, 0, True, "pro", 1_000_000, 5_000.0),
    "enterprise": PriceTable(0, 0, 0, True, "enterprise", None, None),
}
DEFAULT_PRICES = PLANS["pay-per-use"]


def plan_prices(name: str) -> PriceTable:
    try:
        return PLANS[name]
    except KeyError:
        raise ValueError(f"unknown plan {name!r} (known: {', '.join(PLAN_NAMES)})") from None


def billing_day(at: datetime) -> str:
    """The UTC day a read is billed on (the dedupe key); naive times are taken as UTC."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).date().isoformat()


def dollars(micros: int) -> str:
    """``$1.234`` to the tenth of a cent (a read costs at least $0.001)."""
    return f"${micros / MICRO:,.3f}"
