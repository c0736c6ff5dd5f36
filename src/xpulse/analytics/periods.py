"""Report periods in the account's time zone, their labels and the previous period.

Accepted specs: ``last-week``, ``this-week``, ``last-month``, ``this-month``, an ISO week
``2026-W21``, a month ``2026-05``, a day ``2026-05-04`` and an inclusive range
``2026-05-01..2026-05-31``. Weeks run Monday 00:00 to Monday 00:00 local time; days are
local calendar days, so a week that crosses a DST change is 167 or 169 hours long.

A period that has not ended at the report instant is *partial*: it ends at that instant.
The previous period of a week is the week before; of a calendar month, the calendar month
before (November against all of October, 31 days); of a day or a range, the same number of
calendar days just before. A partial period is compared with the same stretch of the
previous one (week to date against last week to the same weekday and time; month to date
against the previous month to the same day and time, or to its end when it is shorter), so
a comparison is never lopsided.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from xpulse.errors import PeriodError, TimeZoneError

PeriodKind = Literal["week", "month", "range"]

USAGE = (
    "use last-week, this-week, last-month, this-month, 2026-W21, 2026-05, 2026-05-04"
    " or 2026-05-01..2026-05-31"
)

_WEEK = re.compile(r"^(\d{4})-[Ww](\d{1,2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def resolve_tz(name: str) -> ZoneInfo:
    """The IANA zone called ``name``; a :class:`TimeZoneError` in one line otherwise."""
    cleaned = name.strip()
    if not cleaned or cleaned.startswith(("/", ".")) or ".." in cleaned:
        raise TimeZoneError(f"unknown time zone {name!r}: use an IANA name such as Europe/Berlin")
    try:
        return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise TimeZoneError(
            f"unknown time zone {name!r}: use an IANA name such as Europe/Berlin"
        ) from None


@dataclass(frozen=True)
class Period:
    """A stretch of local calendar days. ``end`` is exclusive; ``start``/``end`` are local."""

    label: str
    kind: PeriodKind
    tz: str
    start: datetime
    end: datetime
    days: int  # nominal length in calendar days (7 for a week, even a partial one)
    partial: bool = False

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def start_utc(self) -> datetime:
        return self.start.astimezone(ZoneInfo("UTC"))

    @property
    def end_utc(self) -> datetime:
        return self.end.astimezone(ZoneInfo("UTC"))

    def contains(self, moment: datetime) -> bool:
        """Whether an aware instant falls in [start, end), compared as absolute time."""
        return self.start_utc <= moment.astimezone(ZoneInfo("UTC")) < self.end_utc

    def local_dates(self) -> list[date]:
        """Every local date the period touches, in order (a partial one: up to its end)."""
        first = self.start.date()
        last = (self.end - timedelta(microseconds=1)).astimezone(self.zone).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def previous(self) -> Period:
        """The period just before this one (see the module docstring)."""
        zone = self.zone
        if self.kind == "month":
            first = (self.start.date() - timedelta(days=1)).replace(day=1)
            days = _month_days(first)
            kind: PeriodKind = "month"
            label = first.strftime("%Y-%m")
        else:
            first = self.start.date() - timedelta(days=self.days)
            days = self.days
            kind = "week" if self.kind == "week" else "range"
            label = _label_for(kind, first, days)
        start = _local_midnight(first, zone)
        end_wall = _local_midnight(first + timedelta(days=days), zone)
        if self.partial:
            # Same wall-clock offset into the previous period as this one has run, within it.
            local_end = self.end.astimezone(zone)
            offset_days = (local_end.date() - self.start.date()).days
            same = datetime.combine(
                first + timedelta(days=offset_days), local_end.time(), tzinfo=zone
            )
            end_wall = min(same, end_wall)
        return Period(label, kind, self.tz, start, end_wall, days, self.partial)


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def _label_for(kind: PeriodKind, first: date, days: int) -> str:
    if kind == "week":
        year, week, _ = first.isocalendar()
        return f"{year}-W{week:02d}"
    last = first + timedelta(days=days - 1)
    return first.isoformat() if days == 1 else f"{first.isoformat()}..{last.isoformat()}"


def _parse_date(text: str, spec: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PeriodError(f"unparseable period {spec!r}: {text} is not a calendar date") from None


def _bounds(spec: str, today: date) -> tuple[str, PeriodKind, date, int]:
    """(label, kind, first local date, length in days) for a spec, ``today`` being local."""
    monday = today - timedelta(days=today.weekday())
    if spec in ("last-week", "this-week"):
        first = monday - timedelta(days=7) if spec == "last-week" else monday
        return _label_for("week", first, 7), "week", first, 7
    if spec in ("last-month", "this-month"):
        first = today.replace(day=1)
        if spec == "last-month":
            first = (first - timedelta(days=1)).replace(day=1)
        return first.strftime("%Y-%m"), "month", first, _month_days(first)
    if m := _WEEK.match(spec):
        try:
            first = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError:
            raise PeriodError(f"unparseable period {spec!r}: {m[1]} has no week {m[2]}") from None
        return _label_for("week", first, 7), "week", first, 7
    if m := _MONTH.match(spec):
        if not 1 <= int(m[2]) <= 12:
            raise PeriodError(f"unparseable period {spec!r}: there is no month {m[2]}")
        first = date(int(m[1]), int(m[2]), 1)
        return spec, "month", first, _month_days(first)
    if _DAY.match(spec):
        first = _parse_date(spec, spec)
        return spec, "range", first, 1
    if m := _RANGE.match(spec):
        first, last = _parse_date(m[1], spec), _parse_date(m[2], spec)
        if last < first:
            raise PeriodError(f"empty period {spec!r}: it ends before it starts")
        days = (last - first).days + 1
        return _label_for("range", first, days), "range", first, days
    raise PeriodError(f"unparseable period {spec!r}: {USAGE}")


def _month_days(first: date) -> int:
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (following - first).days


def parse_period(spec: str, tz: str, now: datetime) -> Period:
    """The period ``spec`` names, in zone ``tz``, as seen at the aware instant ``now``.

    >>> from datetime import timezone
    >>> p = parse_period("2026-W21", "UTC", datetime(2026, 6, 1, tzinfo=timezone.utc))
    >>> (p.label, p.start.date().isoformat(), p.end.date().isoformat())
    ('2026-W21', '2026-05-18', '2026-05-25')
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    zone = resolve_tz(tz)
    norm = spec.strip()
    if norm.lower() in ("last-week", "this-week", "last-month", "this-month"):
        norm = norm.lower()
    label, kind, first, days = _bounds(norm, now.astimezone(zone).date())
    start = _local_midnight(first, zone)
    end = _local_midnight(first + timedelta(days=days), zone)
    if now <= start:
        raise PeriodError(f"empty period {spec!r}: it has not started yet ({start.isoformat()})")
    partial = now < end
    if partial:
        end = now.astimezone(zone)
    return Period(label, kind, zone.key, start, end, days, partial)


@dataclass(frozen=True)
class ReportWindows:
    """The time ranges one report reads; the store fetches posts created in ``fetch_*``."""

    period: Period
    previous: Period
    lookback_start: datetime  # UTC; the best-time, spike and lifecycle history window
    lookback_end: datetime  # UTC; the period's end

    @property
    def fetch_start(self) -> datetime:
        return min(self.previous.start_utc, self.lookback_start)

    @property
    def fetch_end(self) -> datetime:
        return self.period.end_utc


def report_windows(period: Period, lookback_days: int = 90) -> ReportWindows:
    """The windows a report for ``period`` needs, with a look-back of ``lookback_days``."""
    if lookback_days < 1:
        raise ValueError("lookback_days must be at least 1")
    end = period.end_utc
    return ReportWindows(period, period.previous(), end - timedelta(days=lookback_days), end)
