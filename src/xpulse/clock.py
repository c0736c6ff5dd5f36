"""Time as a dependency: the clock and the sleep every layer takes as an argument.

Code that reads the time or waits takes a :data:`Clock` and a :data:`Sleep` (defaulting to
:func:`utc_now` and ``time.sleep``), so a test of an hour of rate-limit waits, token expiry
or refresh slots runs in microseconds on a fake clock. Dependency-free: every layer may
import it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
Sleep = Callable[[float], None]


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC (never a naive datetime)."""
    return datetime.now(UTC)
