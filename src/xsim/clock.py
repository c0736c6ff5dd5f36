"""xsim's clock: fixed (repeatable runs, advanced only on purpose) or the real one.

Every time-dependent answer (metric curves, the 30-day rule, rate-limit windows, billing
days) reads the clock, so a fixed clock makes a whole session repeat exactly.
"""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol

# The instants xsim's clock may show. Every span added to now (a month for usage, a
# token's lifetime, a rate-limit window) must still be a date, and rate-limit resets are
# epoch seconds: the year 9000 leaves room for all of them, 1970 keeps resets positive.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    @property
    def fixed(self) -> bool: ...

    def now(self) -> datetime: ...


class RealClock:
    """Wall-clock time, ticking in whole seconds.

    Metrics move far slower than a second, and requests within one second then share one
    instant: they agree with each other and reuse each other's computed metrics.
    """

    fixed = False

    def now(self) -> datetime:
        return datetime.now(UTC).replace(microsecond=0)


class FixedClock:
    """A clock that stands still until :meth:`advance` or :meth:`set` moves it."""

    fixed = True

    def __init__(self, start: datetime) -> None:
        self._now = in_range(as_utc(start))
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        """Move forward (never back: metrics and windows must not run backwards)."""
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError("a fixed clock only moves forward, by a finite number of seconds")
        with self._lock:
            if seconds > (LATEST - self._now).total_seconds():
                raise ValueError(f"the clock cannot go past {iso_z(LATEST)}")
            self._now = self._now + timedelta(seconds=seconds)
            return self._now

    def reset(self, moment: datetime) -> datetime:
        """Back to ``moment``, even backwards: only for going back to the world."""
        with self._lock:
            self._now = in_range(as_utc(moment))
            return self._now

    def set(self, moment: datetime) -> datetime:
        moment = in_range(as_utc(moment))
        with self._lock:
            if moment < self._now:
                raise ValueError("a fixed clock only moves forward")
            self._now = moment
            return self._now


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def in_range(moment: datetime) -> datetime:
    """``moment`` if the clock may show it, else :class:`ValueError` naming the range."""
    if not EARLIEST <= moment <= LATEST:
        raise ValueError(
            f"{iso_z(moment)} is outside the clock's range, {iso_z(EARLIEST)} to {iso_z(LATEST)}"
        )
    return moment


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 instant such as ``2026-05-20T12:00:00Z`` (naive means UTC).

    :class:`ValueError` for anything else, including an offset that takes the instant past
    the calendar's ends (``9999-12-31T23:59:59-01:00``)."""
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        return as_utc(datetime.fromisoformat(cleaned))
    except OverflowError:
        raise ValueError(f"{text!r} is beyond the calendar") from None


def iso_z(moment: datetime) -> str:
    """The API's timestamp format: ``2021-06-02T15:57:25.000Z``."""
    moment = as_utc(moment)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
