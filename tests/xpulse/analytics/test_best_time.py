from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from xpulse.analytics import PostRow
from xpulse.analytics.best_time import best_time
from xpulse.analytics.document import BestTime

from .conftest import make_post

START = datetime(2026, 3, 1, tzinfo=UTC)
END = datetime(2026, 5, 25, tzinfo=UTC)
TOKYO = ZoneInfo("Asia/Tokyo")


def _at(weekday: int, hour: int, week: int) -> datetime:
    """Local Tokyo time on the given weekday of the week'th week after 2026-03-02 (a Monday)."""
    local = datetime(2026, 3, 2, hour, 30, tzinfo=TOKYO) + timedelta(days=7 * week + weekday)
    return local.astimezone(UTC)


def _grid(posts: list[PostRow], *, prior_posts: float = 5.0) -> BestTime:
    return best_time(
        posts, TOKYO, START, END, lookback_days=90, min_posts=3, prior_posts=prior_posts, slots=3
    )


def test_cells_are_local_weekday_and_hour_and_small_cells_are_set_aside() -> None:
    posts = [
        # Tuesday 09:xx Tokyo, 4 posts at 4 %
        *(make_post(f"t{i}", _at(1, 9, i), impressions=1000, likes=40) for i in range(4)),
        # Friday 18:xx, 2 posts at 10 %: too few to judge
        *(make_post(f"f{i}", _at(4, 18, i), impressions=1000, likes=100) for i in range(2)),
        # Monday 12:xx, 3 posts at 1 %
        *(make_post(f"m{i}", _at(0, 12, i), impressions=1000, likes=10) for i in range(3)),
        # A post with no impressions has no rate: left out.
        make_post("zero", _at(0, 12, 5), impressions=0),
    ]
    grid = _grid(posts)
    cells = {(c.weekday, c.hour): c for c in grid.cells}
    assert set(cells) == {(1, 9), (4, 18), (0, 12)}
    friday = cells[(4, 18)]
    assert (friday.posts, friday.enough_posts, friday.score) == (2, False, None)
    assert friday.mean_post_rate == pytest.approx(10.0)
    assert grid.posts == 9
    # All text posts: type mean = (4*4 + 2*10 + 3*1) / 9 = 39/9 %.
    type_mean = 39 / 9
    tuesday = cells[(1, 9)]
    relative = 4 / type_mean  # each Tuesday post against the text mean
    # Tuesday (all hours) and 09:00 (all days) hold the same four posts here.
    weekday_score = hour_score = (4 * relative + 5) / (4 + 5)
    cell_score = (4 * relative + 5 * weekday_score * hour_score) / (4 + 5)
    assert tuesday.score == pytest.approx(cell_score, abs=1e-4)
    assert tuesday.engagement_rate == pytest.approx(4.0)
    # Tuesday (4 %) and Monday (1 %) both score below the usual 4.33 %: no finding, no rank.
    assert tuesday.score < 1 and cells[(0, 12)].score < 1  # type: ignore[operator]
    assert grid.best_slots == []  # and Friday, above it, has too few posts to rank
    assert "fewer than 3 posts: set aside" in grid.method
    # The same scores per weekday and per hour, every one listed, ranks where judged.
    weekdays = [(w.label, w.posts, w.rank) for w in grid.by_weekday]
    assert weekdays[:5] == [
        ("Monday", 3, 2), ("Tuesday", 4, 1), ("Wednesday", 0, None), ("Thursday", 0, None),
        ("Friday", 2, None),
    ]  # fmt: skip
    assert len(grid.by_hour) == 24
    assert grid.by_hour[9].label == "09:00"
    assert grid.by_hour[9].score == pytest.approx(hour_score, abs=1e-4)


def test_a_slot_does_not_win_because_of_its_content_type() -> None:
    # Videos earn 3x the rate of text anywhere. Slot A has only videos, at the video norm;
    # slot B has only text, 50 % above the text norm: B is the better slot.
    posts = [
        *(make_post(f"av{i}", _at(2, 10, i), impressions=1000, likes=60, content_type="video")
          for i in range(6)),
        *(make_post(f"bt{i}", _at(3, 15, i), impressions=1000, likes=30) for i in range(6)),
        *(make_post(f"cv{i}", _at(5, 8, i), impressions=1000, likes=60, content_type="video")
          for i in range(6)),
        *(make_post(f"dt{i}", _at(6, 20, i), impressions=1000, likes=20) for i in range(12)),
    ]  # fmt: skip
    best = _grid(posts).best_slots[0]
    assert (best.weekday, best.hour) == (3, 15)
    assert best.mean_post_rate == pytest.approx(3.0)


def test_shrinkage_prefers_more_evidence() -> None:
    # Monday 08:00: three posts at 6 %; Tuesday 09:00: twelve at 5 %; the rest at 2 %.
    posts = [
        *(make_post(f"a{i}", _at(0, 8, i), impressions=1000, likes=60) for i in range(3)),
        *(make_post(f"b{i}", _at(1, 9, i), impressions=1000, likes=50) for i in range(12)),
        *(make_post(f"c{i}", _at(0, 9, i), impressions=1000, likes=20) for i in range(12)),
        *(make_post(f"d{i}", _at(1, 8, i), impressions=1000, likes=20) for i in range(3)),
    ]
    assert _grid(posts).best_slots[0].posts == 12
    # Without shrinkage the three lucky posts would win.
    assert _grid(posts, prior_posts=0.0).best_slots[0].posts == 3


def test_posts_outside_the_window_do_not_count() -> None:
    early = make_post("old", START - timedelta(hours=1), impressions=100, likes=5)
    late = make_post("new", END, impressions=100, likes=5)
    grid = _grid([early, late])
    assert (grid.posts, grid.cells, grid.best_slots, grid.account_mean_rate) == (0, [], [], None)


def test_only_slots_above_the_usual_level_are_ranked() -> None:
    posts = [
        *(make_post(f"t{i}", _at(1, 9, i), impressions=1000, likes=60) for i in range(4)),
        *(make_post(f"w{i}", _at(2, 15, i), impressions=1000, likes=45) for i in range(4)),
        *(make_post(f"m{i}", _at(0, 12, i), impressions=1000, likes=20) for i in range(4)),
    ]
    grid = _grid(posts)
    cells = {(c.weekday, c.hour): c.score for c in grid.cells}
    assert cells[(1, 9)] > 1 and cells[(2, 15)] > 1 and cells[(0, 12)] < 1  # type: ignore[operator]
    ranked = [(s.rank, s.weekday_name, s.hour) for s in grid.best_slots]
    assert ranked == [(1, "Tuesday", 9), (2, "Wednesday", 15)]  # Monday 12:00 is below usual
    assert "only slots above 1 are ranked" in grid.method
