"""The collect progress: reads against the plan, coming down to the real count."""

from __future__ import annotations

from xpulse.cli.collect import Tally, _time_left


def test_the_total_is_the_plan_until_each_account_ends_then_its_real_count() -> None:
    tally = Tally({"first-sweep": 3201, "weekly": 40})
    assert (tally.done, tally.total) == (0, 3241)
    tally.add("first-sweep", 100)
    tally.add("weekly", 25)
    assert (tally.done, tally.total) == (125, 3241)
    tally.end("weekly")  # it read 25, not the 40 planned
    assert tally.total == 3201 + 25
    tally.add("first-sweep", 20)
    tally.end("first-sweep")  # a first sweep of 120 posts and the user lookup
    assert tally.done == tally.total == 145  # ends on the real count


def test_an_account_reading_past_its_estimate_never_shows_more_done_than_total() -> None:
    tally = Tally({"busy": 10})
    tally.add("busy", 30)
    assert tally.total == 30 and tally.done == 30


def test_time_left_goes_by_the_rate_so_far() -> None:
    assert _time_left(0, 100, 5.0) == ""  # no rate yet
    assert _time_left(50, 100, 0.5) == ""  # too early to say
    assert _time_left(50, 100, 10.0) == "~10 s left"
    assert _time_left(10, 3210, 6.0) == "~32 min left"
    assert _time_left(100, 100, 9.0) == ""
