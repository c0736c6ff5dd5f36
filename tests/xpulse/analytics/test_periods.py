from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xpulse.analytics import parse_period, report_windows
from xpulse.errors import PeriodError, TimeZoneError, XpulseError

NOW = datetime(2026, 5, 27, 12, 0, tzinfo=UTC)  # a Wednesday


def test_last_week_is_the_previous_iso_week_in_the_zone() -> None:
    p = parse_period("last-week", "Europe/Berlin", NOW)
    assert p.label == "2026-W21"
    assert p.start.isoformat() == "2026-05-18T00:00:00+02:00"
    assert p.end.isoformat() == "2026-05-25T00:00:00+02:00"
    assert not p.partial
    prev = p.previous()
    assert prev.label == "2026-W20"
    assert (prev.start.date(), prev.end) == (date(2026, 5, 11), p.start)


def test_monday_early_in_tokyo_is_already_the_next_week() -> None:
    # Sunday 20:00 UTC is Monday 05:00 in Tokyo: "last-week" there is the week just ended.
    sunday_evening = datetime(2026, 5, 24, 20, 0, tzinfo=UTC)
    assert parse_period("last-week", "Asia/Tokyo", sunday_evening).label == "2026-W21"
    assert parse_period("last-week", "UTC", sunday_evening).label == "2026-W20"


def test_this_week_is_partial_and_compared_to_the_same_stretch_of_last_week() -> None:
    p = parse_period("this-week", "UTC", NOW)
    assert (p.label, p.partial, p.end) == ("2026-W22", True, NOW)
    prev = p.previous()
    assert prev.start == p.start - timedelta(days=7)
    assert prev.end == NOW - timedelta(days=7)
    assert [d.isoformat() for d in p.local_dates()] == ["2026-05-25", "2026-05-26", "2026-05-27"]


def test_a_month_is_compared_with_the_calendar_month_before() -> None:
    p = parse_period("2026-04", "UTC", NOW)
    assert (p.label, p.kind, p.days) == ("2026-04", "month", 30)
    prev = p.previous()
    assert (prev.label, prev.kind, prev.days) == ("2026-03", "month", 31)
    assert (prev.start.date(), prev.end) == (date(2026, 3, 1), p.start)
    # November (30 days) against all of October (31), not 2 to 31 October.
    november = parse_period("last-month", "Europe/Berlin", datetime(2026, 12, 7, 9, tzinfo=UTC))
    october = november.previous()
    assert (november.label, october.label) == ("2026-11", "2026-10")
    assert october.start.isoformat() == "2026-10-01T00:00:00+02:00"  # summer time
    assert october.end == november.start  # 2026-11-01T00:00+01:00, after the DST change
    assert len(october.local_dates()) == 31
    assert october.end_utc - october.start_utc == timedelta(days=31, hours=1)


def test_month_to_date_against_the_same_stretch_of_the_month_before() -> None:
    p = parse_period("this-month", "Europe/Berlin", NOW)  # Wed 27 May 14:00 local
    assert (p.label, p.partial, p.start.date(), p.end) == ("2026-05", True, date(2026, 5, 1), NOW)
    prev = p.previous()
    assert prev.label == "2026-04" and prev.partial
    assert prev.start.date() == date(2026, 4, 1)
    assert prev.end.isoformat() == "2026-04-27T14:00:00+02:00"
    # 31 March to date against February: the stretch ends with February.
    late = parse_period("this-month", "UTC", datetime(2026, 3, 31, 18, tzinfo=UTC))
    assert late.previous().end == datetime(2026, 3, 1, tzinfo=UTC)


def test_range_is_inclusive_and_crosses_dst_by_calendar_days() -> None:
    p = parse_period("2026-03-28..2026-03-30", "Europe/Berlin", NOW)
    assert p.days == 3
    assert len(p.local_dates()) == 3
    # Spring forward on 2026-03-29: three calendar days are 71 hours.
    assert p.end_utc - p.start_utc == timedelta(hours=71)
    assert p.previous().label == "2026-03-25..2026-03-27"


def test_iso_week_spec_and_single_day() -> None:
    assert parse_period("2026-w01", "UTC", NOW).start.date() == date(2025, 12, 29)
    day = parse_period("2026-05-04", "America/New_York", NOW)
    assert (day.days, day.start.isoformat()) == (1, "2026-05-04T00:00:00-04:00")


def test_windows_cover_previous_period_and_lookback() -> None:
    p = parse_period("last-week", "UTC", NOW)
    w = report_windows(p, 90)
    assert w.lookback_end == p.end_utc
    assert w.lookback_start == p.end_utc - timedelta(days=90)
    assert w.fetch_start == w.lookback_start
    long = report_windows(parse_period("2026-01-01..2026-04-30", "UTC", NOW), 30)
    assert long.fetch_start == long.previous.start_utc


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("yesterday-ish", "unparseable period 'yesterday-ish'"),
        ("2026-W54", "2026 has no week 54"),
        ("2026-13", "there is no month 13"),
        ("2026-02-30", "2026-02-30 is not a calendar date"),
        ("2026-05-10..2026-05-01", "it ends before it starts"),
        ("2027-01", "it has not started yet (2027-01-01T00:00:00+00:00)"),
    ],
)
def test_bad_periods_are_one_clear_line(spec: str, fragment: str) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(spec, "UTC", NOW)
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message
    assert isinstance(caught.value, XpulseError)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../etc/passwd", "Europe/"])
def test_unknown_time_zone(zone: str) -> None:
    with pytest.raises(TimeZoneError, match="unknown time zone"):
        parse_period("last-week", zone, NOW)


@settings(max_examples=200, deadline=None)
@given(
    first=st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 1, 1)),  # ends before NOW
    length=st.integers(min_value=1, max_value=120),
    zone=st.sampled_from(["UTC", "Europe/Berlin", "America/Santiago", "Australia/Lord_Howe"]),
)
def test_ranges_and_previous_periods_tile_the_calendar(first: date, length: int, zone: str) -> None:
    last = first + timedelta(days=length - 1)
    p = parse_period(f"{first}..{last}", zone, NOW)
    prev = p.previous()
    assert not p.partial
    assert (p.days, prev.days) == (length, length)
    assert len(p.local_dates()) == len(prev.local_dates()) == length
    assert p.local_dates()[0] == first and p.local_dates()[-1] == last
    assert prev.end_utc == p.start_utc  # back to back: no gap, no overlap
    assert prev.local_dates()[-1] == first - timedelta(days=1)
