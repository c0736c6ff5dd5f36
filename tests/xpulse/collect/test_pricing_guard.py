"""Plans and prices, first-sweep estimates from the post count, and the budget guard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from xpulse.collect.budget import spending_problems
from xpulse.collect.guard import admit
from xpulse.collect.planner import AccountSpec, make_plan
from xpulse.collect.pricing import PLANS, plan_prices
from xpulse.config.settings import parse_config
from xpulse.errors import BudgetExceeded
from xpulse.store import open_store

NOW = datetime(2026, 9, 10, 12, tzinfo=UTC)
DAY = timedelta(days=1)


def _plan(tmp_path: Path, specs: list[AccountSpec], budget: float, plan: str = "pay-per-use"):  # type: ignore[no-untyped-def]
    engine = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        out = make_plan(conn, specs, (DAY,), plan_prices(plan), budget, NOW, 90 * DAY)
    engine.dispose()
    return out


def test_plans_carry_xs_2026_prices_and_caps() -> None:
    ppu = PLANS["pay-per-use"]
    assert (ppu.own_post_micros, ppu.other_post_micros, ppu.user_micros) == (1000, 5000, 10000)
    assert ppu.monthly_read_cap == 3_000_000 and ppu.dedupe_same_utc_day
    assert PLANS["basic"].monthly_read_cap == 15_000 and not PLANS["basic"].per_read
    assert PLANS["enterprise"].monthly_read_cap is None
    assert "prices checked 2026-08-22" in ppu.describe()
    assert "reads included in the $200 monthly fee" in PLANS["basic"].describe()
    with pytest.raises(ValueError, match="unknown plan 'free'"):
        plan_prices("free")


def test_a_first_sweep_is_sized_by_the_post_count_and_priced_by_app_ownership(
    tmp_path: Path,
) -> None:
    owner = AccountSpec("me", "me", True, True, post_count=140, created_at=NOW - 1000 * DAY)
    client = AccountSpec("client", "client", True, False, post_count=5_000)
    unknown = AccountSpec("pub", "pub", False, False)
    plan = _plan(tmp_path, [owner, client, unknown], budget=5.0)
    me, cl, pub = plan.accounts
    # 140 posts over 1,000 days at an even rate: 12.6 in the 90-day window, 12.6 - 2 x
    # sqrt(12.6) = 5.5 at the low end; the worst case is every post inside the window
    assert (me.timeline.low, me.timeline.expected, me.timeline.high) == (5, 13, 140)
    # the sign-in cached the user id; the one user read is the day's profile counts
    assert me.micros == 13 * 1_000 + 10_000 and me.user_reads == 1
    assert me.guard_micros == me.worst_micros == 140 * 1_000 + 10_000
    assert cl.timeline.expected == 3_200 and cl.micros == 3_200 * 5_000 + 10_000
    assert cl.out_of_reach == 1_800
    assert pub.timeline_is_bound and pub.user_reads == 1 and plan.unsized == ["pub"]
    text = "\n".join(plan.lines())
    assert "me: 1 user lookup, first sweep (last 90 days, private fields for the last 29): " \
        "~13 (5-140) posts (@me has 140 posts)" in text  # fmt: skip
    assert "about 1,800 of its 5,000 posts are out of reach" in text
    assert "xpulse backfill --help" in text
    assert text.splitlines()[-1].endswith("pay-per-use cap 0 of 3,000,000 post reads used, "
                                          "3,000,000 left")  # fmt: skip


def test_an_account_younger_than_the_window_has_all_its_posts_in_it(tmp_path: Path) -> None:
    young = AccountSpec("y", "y", True, True, post_count=700, created_at=NOW - 60 * DAY)
    (plan,) = _plan(tmp_path, [young], budget=5.0).accounts
    assert (plan.timeline.low, plan.timeline.expected, plan.timeline.high) == (700, 700, 700)
    assert plan.timeline.exact and "first sweep (last 90 days" in plan.line()


def test_the_guard_decides_on_a_first_sweeps_worst_case(tmp_path: Path) -> None:
    # expected: 1,000 posts over 900 days, 100 in the window ($0.110 with the profile
    # read); the post count cannot say they are not all inside it ($1.010)
    spec = AccountSpec("a", "a", True, True, post_count=1_000, created_at=NOW - 900 * DAY)
    plan = _plan(tmp_path, [spec], budget=0.5)
    assert (plan.micros, plan.guard_micros, plan.worst_micros) == (110_000, 1_010_000, 1_010_000)
    assert plan.over_budget
    with pytest.raises(BudgetExceeded) as caught:
        admit(plan, allow_over_budget=False)
    assert str(caught.value).startswith(
        "the run would pass the monthly budget: up to $1.010 with every post of the first "
        "sweep's window (expected $0.110), $0.500 left of $0.500."
    )
    assert admit(_plan(tmp_path, [spec], budget=1.2), allow_over_budget=False) == []


def test_the_default_budget_admits_a_first_collect_that_fits(tmp_path: Path) -> None:
    specs = [
        AccountSpec("a", "a", True, True, post_count=300),
        AccountSpec("b", "b", True, False, post_count=400),
    ]
    plan = _plan(tmp_path, specs, budget=5.0)
    assert plan.micros == 300 * 1_000 + 400 * 5_000 + 2 * 10_000  # $2.32 of $5 (2 profiles)
    assert admit(plan, allow_over_budget=False) == []


def test_a_run_that_does_not_fit_says_what_would_and_the_flag(tmp_path: Path) -> None:
    specs = [
        AccountSpec("a", "a", True, True, post_count=300),
        AccountSpec("b", "b", True, False, post_count=3_000),
    ]
    plan = _plan(tmp_path, specs, budget=5.0)  # $0.30 + $15.00 + 2 profile reads
    with pytest.raises(BudgetExceeded) as caught:
        admit(plan, allow_over_budget=False)
    text = str(caught.value)
    assert text.startswith("the run would pass the monthly budget: expected $15.320, $5.000 left")
    # 90 days cost $15.30, i.e. $0.17 a day: 29 days fit in $5 beside the profile reads
    assert "--history-days 29." in text
    assert "These fit alone: --account a ($0.310)." in text
    assert "pass --allow-over-budget, or raise monthly_budget_usd to at least $15.320" in text
    assert admit(plan, allow_over_budget=True) == []


def test_a_plans_cap_is_checked_like_the_budget(tmp_path: Path) -> None:
    specs = [AccountSpec(f"a{i}", f"a{i}", True, True, post_count=3_200) for i in range(5)]
    plan = _plan(tmp_path, specs, budget=0.0, plan="basic")
    assert plan.micros == 0 and plan.post_reads == 16_000
    with pytest.raises(BudgetExceeded, match="basic plan's monthly cap: 0 of 15,000 post reads"):
        admit(plan, allow_over_budget=False)


def test_config_check_lines_for_budget_and_ownership(tmp_path: Path) -> None:
    base = {"accounts": [{"name": "a", "username": "a"}, {"name": "b", "username": "b",
                                                        "owns_app": False}]}  # fmt: skip
    config = parse_config({**base, "monthly_budget_usd": 0.0005}, tmp_path / "c.toml")
    problems = dict(spending_problems(config))
    assert "below one read ($0.001 on pay-per-use)" in problems["monthly budget"]
    assert "set owns_app = true or false" in problems["account a app ownership"]
    assert "account b app ownership" not in problems
    fine = parse_config({**base, "plan": "basic", "monthly_budget_usd": 0}, tmp_path / "c.toml")
    assert "monthly budget" not in dict(spending_problems(fine))
    for bad, match in (({"plan": "gold"}, "plan"), ({"monthly_budget_usd": -1}, "budget")):
        with pytest.raises(Exception, match=match):
            parse_config({**base, **bad}, tmp_path / "c.toml")


def test_a_run_that_fits_with_less_than_a_page_to_spare_says_so(tmp_path: Path) -> None:
    plan = _plan(tmp_path, [AccountSpec("a", "a", True, True, post_count=140)], budget=0.2)
    (note,) = admit(plan, allow_over_budget=False)  # $0.14 fits $0.20, a $0.10 page not
    assert note.startswith("less than a page ($0.100) of budget would be left")
