"""Rate limits as the real API applies them: per endpoint, per token, 15-minute windows.

Every answered request (including 400s and 404s, as the recordings show) takes one unit
from its token's window for that endpoint; the headers ``x-rate-limit-limit``,
``x-rate-limit-remaining`` and ``x-rate-limit-reset`` (epoch seconds) go on every response
except a 401, which carries none (recorded). Past the limit the answer is 429 with the
``about:blank`` "Too Many Requests" Problem, ``remaining`` 0 and the window's reset.

The monthly post-read cap is a different thing and a client can tell them apart: it is a
429 whose body is the ``https://api.twitter.com/2/problems/usage-capped`` Problem
(``title`` "UsageCapExceeded", ``period`` "Monthly", ``scope`` "Product"), and its
``x-rate-limit-remaining`` is *not* 0 — waiting for ``x-rate-limit-reset`` will not help;
the cap lifts on the first day of the next UTC month (see ``GET /2/usage/tweets``
``cap_reset_day``). The cap itself is enforced by :mod:`xsim.v2.billing`.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import datetime

WINDOW_SECONDS = 15 * 60

# (user-token limit, app-token limit) per 15 minutes, from the recordings and X's documentation.
LIMITS: dict[str, tuple[int, int]] = {
    "users_tweets": (1500, 1500),  # recorded: 1500 (a published guide: 1,500 per user token)
    "users_me": (75, 75),  # recorded: 75 (user context only)
    "tweets": (300, 300),  # recorded: 300 for /2/tweets and /2/tweets/{id}
    "tweets_id": (300, 300),
    "users_id": (900, 900),  # recorded: 900 for user lookup by id
    "users_by_username": (300, 300),  # recorded: 300
    "usage_tweets": (50, 50),  # documented: 50 per 15 minutes, app only
    "tweets_analytics": (300, 300),  # documented: 300 per 15 minutes (user context)
    "media_analytics": (300, 300),  # not documented; as /2/tweets/analytics
    "unknown": (300, 300),  # an unknown path (recorded 404 carries a 300 window)
}


@dataclass(frozen=True)
class RateState:
    limit: int
    remaining: int
    reset: int  # epoch seconds
    allowed: bool

    def headers(self) -> dict[str, str]:
        return {
            "x-rate-limit-limit": str(self.limit),
            "x-rate-limit-remaining": str(self.remaining),
            "x-rate-limit-reset": str(self.reset),
        }


class RateLimiter:
    """Fixed 15-minute windows that start at a token's first call to an endpoint."""

    def __init__(self, limits: dict[str, tuple[int, int]] | None = None) -> None:
        self.limits = dict(LIMITS if limits is None else limits)
        self._windows: dict[tuple[str, str], list[float]] = {}  # -> [window start, used]
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Every window empty again."""
        with self._lock:
            self._windows.clear()

    def hit(self, endpoint: str, token_id: str, kind: str, now: datetime) -> RateState:
        """Count one request; ``allowed`` is False once the window is used up."""
        user_limit, app_limit = self.limits.get(endpoint, self.limits["unknown"])
        limit = user_limit if kind == "user" else app_limit
        ts = now.timestamp()
        key = (endpoint, token_id)
        with self._lock:
            window = self._windows.get(key)
            if window is None or ts >= window[0] + WINDOW_SECONDS:
                window = [ts, 0.0]
                self._windows[key] = window
            reset = math.ceil(window[0] + WINDOW_SECONDS)
            if window[1] >= limit:
                return RateState(limit, 0, reset, allowed=False)
            window[1] += 1
            return RateState(limit, limit - int(window[1]), reset, allowed=True)

    def exhaust(self, endpoint: str, token_id: str, kind: str, now: datetime) -> RateState:
        """The state a fault-injected 429 reports: nothing left until the window resets."""
        state = self.hit(endpoint, token_id, kind, now)
        return RateState(state.limit, 0, state.reset, allowed=False)
