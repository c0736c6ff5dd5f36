"""xsim's clock: fixed (repeatable runs, advanced only on purpose) or the real one.

Every time-dependent answer (metric curves, the 30-day rule, rate-limit windows, billing
days) reads the clock, so a fixed clock makes a whole session repeat exactly.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


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
        self._now = as_utc(start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        """Move forward (never back: metrics and windows must not run backwards)."""
        if seconds < 0:
            raise ValueError("a fixed clock only moves forward")
        with self._lock:
            self._now = self._now + timedelta(seconds=seconds)
            return self._now

    def set(self, moment: datetime) -> datetime:
        moment = as_utc(moment)
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


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 instant such as ``2026-05-20T12:00:00Z`` (naive means UTC)."""
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    return as_utc(datetime.fromisoformat(cleaned))


def iso_z(moment: datetime) -> str:
    """The API's timestamp format: ``2021-06-02T15:57:25.000Z``."""
    moment = as_utc(moment)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
