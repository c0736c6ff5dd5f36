"""The refresh schedule and the planner's figures, on the store without any API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from xpulse.collect.budget import Budget
from xpulse.collect.planner import TIMELINE_LIMIT, AccountSpec, make_plan, resize_first_sweeps
from xpulse.collect.pricing import PriceTable
from xpulse.collect.refresh_slots import HORIZON, is_due, reads_needed, slots
from xpulse.errors import BudgetExceeded
from xpulse.store import open_store
from xpulse.store import queries as q

T = datetime(2026, 5, 20, 12, tzinfo=UTC)
H = timedelta(hours=1)


@settings(max_examples=200, deadline=None)
@given(
    name=st.sampled_from(["weekly", "lifecycle"]),
    gaps=st.lists(st.integers(min_value=1, max_value=20 * 60), min_size=1, max_size=120),
    first=st.integers(min_value=0, max_value=120),
)
def test_a_post_is_never_read_more_often_than_its_schedule(
    name: str, gaps: list[int], first: int
) -> None:
    """Whenever collect runs (any gaps, in minutes), a post is read once when found and then
    at most once per slot; and once a slot has passed, the next run reads it."""
    schedule = slots(name)
    created = T
    now = created + timedelta(minutes=first)
    reads = [now]  # the read that found it
    runs = [now]
    for gap in gaps:
        now += timedelta(minutes=gap)
        runs.append(now)
        if is_due(schedule, created, reads[-1], now):
            reads.append(now)
    assert len(reads) - 1 <= reads_needed(schedule, created, now)
    for slot in schedule:
        moment = created + slot
        later_runs = [r for r in runs if r >= moment and r - created <= HORIZON]
        if later_runs:  # the first run after the slot has a read at or after the slot
            assert any(r >= moment for r in reads)


def test_schedules_are_the_documented_ones() -> None:
    assert slots("weekly") == (24 * H, 7 * 24 * H)
    assert slots("lifecycle") == (H, 6 * H, 24 * H, 3 * 24 * H, 7 * 24 * H, 28 * 24 * H)
    with pytest.raises(ValueError, match="unknown refresh schedule 'daily'"):
        slots("daily")


def test_due_only_after_a_slot_without_a_later_read() -> None:
    weekly = slots("weekly")
    assert not is_due(weekly, T, T, T + 23 * H)  # no slot reached yet
    assert is_due(weekly, T, T, T + 25 * H)  # 24 h slot reached, last read before it
    assert not is_due(weekly, T, T + 24 * H, T + 30 * H)  # read at the slot already
    assert is_due(weekly, T, T + 24 * H, T + 8 * 24 * H)  # 7 d slot
    assert not is_due(weekly, T, T + 24 * H, T + 31 * 24 * H)  # beyond the horizon


@pytest.fixture
def engine(tmp_path: Path) -> Callable[[], Engine]:
    made: list[Engine] = []

    def _make() -> Engine:
        e = open_store(f"sqlite:///{tmp_path / 'p.db'}")
        made.append(e)
        return e

    yield _make  # type: ignore[misc]
    for e in made:
        e.dispose()


def _post(pid: str, created: datetime) -> dict[str, object]:
    return {
        "id": pid, "account": "main", "author_id": "1", "text": "t", "created_at": created,
        "lang": "en", "conversation_id": pid, "content_type": "text", "replied_to_id": None,
        "quoted_id": None, "retweeted_id": None, "media_keys": [], "is_promoted": False,
        "raw": {}, "source_url": "u", "retrieved_at": created, "first_seen_at": created,
        "unavailable_at": None,
    }  # fmt: skip


def test_plan_counts_due_posts_dollars_and_the_same_day_discount(
    engine: Callable[[], Engine],
) -> None:
    db = engine()
    with db.begin() as conn:
        q.ensure_account(conn, "main", "main", T)
        q.set_user_id(conn, "main", "1", T)
        q.save_checkpoint(conn, "main", "timeline", since_id="900", updated_at=T - 7 * 24 * H)
        # 150 posts found 2 days ago at age 1 h: each has reached its 24 h slot -> due
        rows = [_post(str(100 + i), T - 49 * H) for i in range(150)]
        q.upsert_posts(conn, rows)
        q.append_observations(
            conn, [{"post_id": r["id"], "observed_at": T - 48 * H, "source": "x"} for r in rows]
        )
        # one of them was already read (and billed) today
        q.bill(conn, "main", T.date().isoformat(), {"post:100": 1000})
        q.record_call(conn, {
            "at": T - H, "account": "main", "endpoint": "/2/tweets", "method": "GET",
            "status": 200, "reads": 1, "billable_reads": 1, "cost_micros": 1000, "errors": 0,
        })  # fmt: skip
    with db.connect() as conn:
        plan = make_plan(
            conn, [AccountSpec("main", "main", True)], slots("weekly"), PriceTable(), 0.5, T
        )
    # today's profile counts are not read yet: one user read (once a UTC day)
    assert plan.accounts[0].user_reads == 1
    with db.begin() as conn:
        q.record_call(conn, {
            "at": T - H, "account": "main", "endpoint": "/2/users/:id", "method": "GET",
            "status": 200, "reads": 1, "billable_reads": 0, "cost_micros": 0, "errors": 0,
        })  # fmt: skip
    with db.connect() as conn:
        plan = make_plan(
            conn, [AccountSpec("main", "main", True)], slots("weekly"), PriceTable(), 0.5, T
        )
    acc = plan.accounts[0]
    assert (acc.user_reads, len(acc.refresh_ids), acc.refresh_calls) == (0, 150, 2)
    assert acc.refresh_billable == 149
    # 150 posts in 7 days and 7 days since the last sweep: ~150 new posts expected
    assert (acc.timeline_posts, acc.timeline_is_bound) == (150, False)
    assert acc.micros == (150 + 149) * 1000
    assert plan.month_to_date_micros == 1000
    assert not plan.over_budget  # 0.001 + 0.299 <= 0.50
    # a Poisson count of mean 150: 2 standard deviations is about 24 posts either way
    assert (acc.timeline.low, acc.timeline.high) == (125, 176)  # 150 ± 24.5, +1 rounding up
    assert plan.lines()[-1] == (
        "plan: 300 reads, $0.299 (range $0.274-$0.325, worst case 326 reads $0.325); "
        "month to date $0.001; budget $0.500; pay-per-use cap 1 of 3,000,000 post reads "
        "used, 2,999,999 left"
    )


def test_first_run_is_planned_at_the_timeline_bound_and_can_be_over_budget(
    engine: Callable[[], Engine],
) -> None:
    with engine().connect() as conn:
        plan = make_plan(
            conn, [AccountSpec("rival", "rival", False)], slots("weekly"), PriceTable(), 5.0, T
        )
    acc = plan.accounts[0]
    assert (acc.user_reads, acc.timeline_posts, acc.timeline_is_bound) == (1, TIMELINE_LIMIT, True)
    assert acc.micros == 10_000 + TIMELINE_LIMIT * 5_000  # others' posts: $0.005 each
    assert plan.over_budget


def test_budget_refuses_a_call_that_could_pass_it() -> None:
    budget = Budget(limit_micros=10_000, spent_micros=9_000)
    budget.reserve(1_000)
    with pytest.raises(BudgetExceeded, match=r"month-to-date \$0.009 of a \$0.010 budget"):
        budget.reserve(1)
    budget.settle(1_000, 0)  # the call cost nothing (all deduped)
    budget.reserve(1_000)
    assert Budget(None, 10**9).reserve(10**9) is None  # --allow-over-budget


def test_sizing_a_first_sweep_after_its_lookup_gives_the_plan_made_again(
    engine: Callable[[], Engine],
) -> None:
    """After the user lookup of an unsized first sweep, resizing that account gives the very
    plan a second full plan would: the sized sweep, no more user read, the last private
    read now that the user id is known, the month to date with the lookup's cost."""
    db = engine()
    with db.begin() as conn:
        for name in ("main", "other"):
            q.ensure_account(conn, name, name, T)
        q.set_user_id(conn, "other", "2", T)
        q.save_checkpoint(conn, "other", "timeline", since_id="900", updated_at=T - 24 * H)
        # main has no sweep yet, but posts from an import: one due for its refresh, one
        # read publicly since its 24 h slot (its private slot is due, not its refresh)
        rows = [_post("100", T - 49 * H), _post("101", T - 49 * H)]
        q.upsert_posts(conn, rows)
        q.append_observations(conn, [
            {"post_id": "100", "observed_at": T - 48 * H, "source": "x"},
            {"post_id": "101", "observed_at": T - 2 * H, "source": "x"},
        ])  # fmt: skip
        q.bill(conn, "main", T.date().isoformat(), {"post:101": 5000})
    unsized = AccountSpec("main", "main", True)
    other = AccountSpec("other", "other", True)
    schedule = slots("weekly")
    with db.connect() as conn:
        plan = make_plan(conn, [unsized, other], schedule, PriceTable(), 50.0, T)
    assert plan.unsized == ["main"]
    assert plan.accounts[0].user_reads == 1 and plan.accounts[0].private_ids == []
    # the lookup: the user id cached, the day's user call answered and billed
    with db.begin() as conn:
        q.set_user_id(conn, "main", "1", T)
        q.bill(conn, "main", T.date().isoformat(), {"user:1": 10_000})
        q.record_call(conn, {
            "at": T - H / 2, "account": "main", "endpoint": "/2/users/me", "method": "GET",
            "status": 200, "reads": 1, "billable_reads": 1, "cost_micros": 10_000,
            "errors": 0,
        })  # fmt: skip
    sized = replace(unsized, post_count=500, created_at=T - 400 * 24 * H)
    with db.connect() as conn:
        resized = resize_first_sweeps(conn, plan, [sized], schedule, T)
        again = make_plan(conn, [sized, other], schedule, PriceTable(), 50.0, T)
    assert resized == again
    main = resized.accounts[0]
    assert (main.user_reads, main.private_ids, main.private_billable) == (0, ["101"], 0)
    assert main.refresh_ids == ["100"] and main.post_count == 500 and not resized.unsized
    assert resized.month_to_date_micros == 10_000
    assert resized.accounts[1] is plan.accounts[1]  # not planned again
