"""Reading X's rate-limit headers: windows, the monthly cap, and pacing.

Telling a window 429 from the monthly-cap 429. The seeds note that both can carry the same
body (``{"title": "Too Many Requests", ...}``), so the body alone is not enough; the rule,
first match wins:

1. a ``UsageCapExceeded`` Problem (``type`` ``.../problems/usage-capped``, title
   ``UsageCapExceeded``, or ``period``) -> the cap; ``period: "Daily"`` is a 24-hour window;
2. ``x-rate-limit-remaining: 0`` -> the 15-minute window, reopening at ``x-rate-limit-reset``;
3. a 24-hour header (``x-user-limit-24hour-remaining`` / ``x-app-limit-24hour-remaining``)
   at 0 -> a 24-hour window;
4. window headers present with ``remaining > 0`` -> the cap: the window still has room, so
   what refused the call is the plan's monthly read cap;
5. nothing to go on -> unknown: reported as :class:`RateLimited` without a reset, not retried.

Clock skew: waits are computed against the server's ``Date`` header when it makes the reset
plausible (at most 15 minutes ahead), else against the local clock; a reset that neither
clock makes plausible is not waited for beyond a short pause (so a bad clock cannot make
xpulse sleep for hours), and waits are clamped either way.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Literal, Protocol

import httpx

Kind = Literal["cap", "window", "unknown"]

# A 15-minute window never needs a longer wait than this; beyond it the reset is suspect.
MAX_WINDOW_WAIT = 15 * 60 + 60
SLOW_DOWN_BELOW = 0.20  # of the window's limit
# How long a window copied from the shared store (or from an answer) is taken as current
# before the store is asked again: other processes spending the same token meanwhile are
# seen within this delay, at the cost of at most one read per endpoint per period.
SHARED_FRESH_FOR = timedelta(seconds=10)


@dataclass(frozen=True)
class RateLimit:
    """One window's state as the headers told it."""

    limit: int
    remaining: int
    reset: datetime  # UTC

    def as_dict(self) -> dict[str, Any]:
        return {"limit": self.limit, "remaining": self.remaining, "reset": self.reset.isoformat()}


def _int(headers: httpx.Headers, name: str) -> int | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        return int(raw.strip())
    except ValueError:
        return None


def _epoch(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def parse(headers: httpx.Headers) -> RateLimit | None:
    """The 15-minute window from ``x-rate-limit-*``, or None when they are absent."""
    limit = _int(headers, "x-rate-limit-limit")
    remaining = _int(headers, "x-rate-limit-remaining")
    reset = _epoch(_int(headers, "x-rate-limit-reset"))
    if limit is None or remaining is None or reset is None:
        return None
    return RateLimit(limit, remaining, reset)


def _daily(headers: httpx.Headers) -> tuple[int | None, datetime | None]:
    for who in ("user", "app"):
        remaining = _int(headers, f"x-{who}-limit-24hour-remaining")
        if remaining is not None:
            return remaining, _epoch(_int(headers, f"x-{who}-limit-24hour-reset"))
    return None, None


def classify_429(headers: httpx.Headers, body: Any) -> tuple[Kind, datetime | None]:
    """Which 429 this is, and when it reopens (None for the cap or when unknown)."""
    problem = body if isinstance(body, dict) else {}
    ptype = str(problem.get("type", ""))
    period = problem.get("period")
    if (
        ptype.endswith("/usage-capped")
        or problem.get("title") == "UsageCapExceeded"
        or period in ("Monthly", "Daily")
    ):
        if period == "Daily":
            return "window", _daily(headers)[1]
        return "cap", None
    window = parse(headers)
    if window is not None and window.remaining <= 0:
        return "window", window.reset
    daily_remaining, daily_reset = _daily(headers)
    if daily_remaining is not None and daily_remaining <= 0:
        return "window", daily_reset
    if window is not None:
        return "cap", None
    return "unknown", None


def server_now(headers: httpx.Headers, local_now: datetime) -> datetime:
    """The server's idea of now (its ``Date`` header), else the local clock."""
    raw = headers.get("date")
    if raw:
        try:
            parsed = parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return local_now
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    return local_now


def plausible_now(reset: datetime, server: datetime, local: datetime) -> datetime | None:
    """The clock to measure a 15-minute window's ``reset`` against, or None.

    A window's reset lies at most 15 minutes after the server's now. The server's ``Date``
    is tried first, then the local clock; when neither makes the reset plausible (a
    simulator with a frozen clock, a badly wrong clock) None says "do not trust it".
    """
    for now in (server, local):
        ahead = (reset - now).total_seconds()
        if -60 <= ahead <= MAX_WINDOW_WAIT:
            return now
    return None


def seconds_until(reset: datetime, now: datetime, *, margin: float = 1.0) -> float:
    """Seconds to wait for ``reset``, a little past it, never negative."""
    return max(0.0, (reset - now).total_seconds() + margin)


class SharedWindows(Protocol):
    """One token's windows as every process using the token sees them (the workers' table
    in PostgreSQL); ``reset`` is UTC on the server's clock, as X sent it."""

    def read(self, endpoint: str) -> tuple[int, int, datetime] | None:
        """``endpoint``'s window last written (limit, remaining, reset), or None."""
        ...

    def write(self, endpoint: str, limit: int, remaining: int, reset: datetime) -> None:
        """Record what an answer's headers said about ``endpoint``'s window."""
        ...


def _newer(theirs: RateLimit, ours: RateLimit) -> bool:
    """Whether ``theirs`` tells more than ``ours``: a later window, or fewer calls left in
    the same one (answers of one window arrive in any order; remaining only goes down)."""
    return theirs.reset > ours.reset or (
        theirs.reset == ours.reset and theirs.remaining < ours.remaining
    )


class Pacer:
    """Spreads the calls left in a window over the time to its reset.

    Per endpoint (X's limits are per endpoint and token; one client carries one token).
    Once ``remaining`` falls under 20% of ``limit``, each call waits ``time to reset /
    remaining``, so the window lasts until it reopens instead of running into a 429.

    With ``shared`` (the token's windows in a store other processes write too), each
    answer's window is written there, and a copy that is missing, past its reset or older
    than :data:`SHARED_FRESH_FOR` is read from there before the next call: a process that
    starts after another spent the window waits for the reset instead of meeting a 429.
    """

    def __init__(self, shared: SharedWindows | None = None) -> None:
        self._windows: dict[str, tuple[RateLimit, timedelta]] = {}
        self._fresh_until: dict[str, datetime] = {}  # local clock
        self._skew = timedelta(0)  # the last one seen, for windows read from the store
        self._lock = threading.Lock()
        self.shared = shared

    def update(
        self, endpoint: str, window: RateLimit, skew: timedelta, at: datetime | None = None
    ) -> None:
        """Record a window; ``skew`` = server clock - local clock; ``at``: when (local)
        the answer came, which keeps the copy fresh (no store read) for a while."""
        with self._lock:
            self._windows[endpoint] = (window, skew)
            self._skew = skew
            if at is not None:
                self._fresh_until[endpoint] = at + SHARED_FRESH_FOR
        if self.shared is not None:
            self.shared.write(endpoint, window.limit, window.remaining, window.reset)

    def _refresh(self, endpoint: str, local_now: datetime) -> None:
        """Take the shared window when ours is missing or stale and it tells more."""
        with self._lock:
            fresh_until = self._fresh_until.get(endpoint)
            entry = self._windows.get(endpoint)
            if entry is not None and local_now >= entry[0].reset - entry[1]:
                fresh_until = None  # past its reset: another process may have a new one
            if fresh_until is not None and local_now < fresh_until:
                return
            self._fresh_until[endpoint] = local_now + SHARED_FRESH_FOR
        assert self.shared is not None
        stored = self.shared.read(endpoint)
        if stored is None:
            return
        theirs = RateLimit(*stored)
        with self._lock:
            entry = self._windows.get(endpoint)
            if entry is None:
                self._windows[endpoint] = (theirs, self._skew)
            elif _newer(theirs, entry[0]):
                self._windows[endpoint] = (theirs, entry[1])

    def delay(self, endpoint: str, local_now: datetime) -> float:
        """Seconds to wait before the next call to ``endpoint`` (0 when there is room)."""
        if self.shared is not None:
            self._refresh(endpoint, local_now)
        with self._lock:
            entry = self._windows.get(endpoint)
            if entry is None:
                return 0.0
            window, skew = entry
            if window.limit <= 0 or window.remaining >= window.limit * SLOW_DOWN_BELOW:
                return 0.0
            left = (window.reset - (local_now + skew)).total_seconds()
            if left <= 0:
                del self._windows[endpoint]
                self._fresh_until.pop(endpoint, None)
                return 0.0
            left = min(left, float(MAX_WINDOW_WAIT))
            if window.remaining <= 0:
                return left
            # Count this call against the window so that concurrent callers spread too.
            self._windows[endpoint] = (
                RateLimit(window.limit, window.remaining - 1, window.reset),
                skew,
            )
            return left / window.remaining
