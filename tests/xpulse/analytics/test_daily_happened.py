"""Daily figures by the day they happened: placed from successive reads, never guessed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from xpulse.analytics import ObservationRow, parse_period
from xpulse.analytics.daily import daily_happened

from .conftest import make_post

BERLIN = ZoneInfo("Europe/Berlin")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 5, day, hour, minute, tzinfo=BERLIN)


def test_growth_is_placed_on_the_day_it_happened_and_long_gaps_are_said_so() -> None:
    days = [date(2026, 5, 18) + timedelta(days=i) for i in range(7)]  # Mon 18 .. Sun 24
    a = make_post("a", at(18, 10), impressions=600)
    b = make_post("b", at(17, 22), impressions=80)  # posted the day before the period
    reads = [
        ("a", at(18, 11), 100, 4),
        ("a", at(18, 20), 300, 10),
        ("a", at(18, 23), 350, 12),
        ("a", at(19, 1), 390, 14),  # 2 h across midnight: split 1 h / 1 h
        ("a", at(19, 12), 500, 20),
        ("a", at(21, 12), 600, 30),  # 48 h gap: Tue, Wed, Thu are not known
        ("b", at(17, 23), 50, 1),
        ("b", at(18, 0, 30), 80, 4),  # 1.5 h across midnight: a third on Monday
    ]
    obs = [ObservationRow(pid, t, imp, eng) for pid, t, imp, eng in reads]
    result = daily_happened(days, BERLIN, [a, b], obs)
    by_day = {d.date.day: d for d in result.days}
    monday = by_day[18]
    assert monday.known
    assert monday.impressions == 100 + 200 + 50 + 20 + 10
    assert monday.engagements == 4 + 6 + 2 + 1 + 1
    tuesday = by_day[19]
    assert (tuesday.known, tuesday.impressions, tuesday.engagements) == (False, None, None)
    assert (tuesday.impressions_placed, tuesday.impressions_not_split) == (20 + 110, 100)
    assert [by_day[d].known for d in (20, 21, 22, 23, 24)] == [False, False, True, True, True]
    assert by_day[22].impressions == 0  # known: nothing arrived
    assert "not split" in result.method


def test_report_carries_both_daily_figures() -> None:
    from xpulse.analytics import ReportInputs, build_report

    now = datetime(2026, 5, 27, 12, 0, tzinfo=ZoneInfo("UTC"))
    period = parse_period("last-week", "Europe/Berlin", now)
    post = make_post("p", at(20, 9), impressions=900, observed_at=at(20, 10))
    obs = [ObservationRow("p", at(20, 10), 900, 9)]
    report = build_report(ReportInputs("acme", [post], obs), period, generated_at=now)
    assert report.daily_happened is not None
    wednesday = next(d for d in report.daily_happened.days if d.date.day == 20)
    assert (wednesday.known, wednesday.impressions) == (True, 900)
    assert [d.impressions for d in report.daily if d.date.day == 20] == [900]  # by posting day
