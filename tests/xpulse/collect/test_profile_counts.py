"""Profile counts (followers, following, posts, lists) at each collect, against xsim over
HTTP: once a UTC day, stored only when changed, NULL where the plan hides them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from xpulse.store.schema import accounts, profile_counts

from .conftest import make_world, serve


def _rows(engine) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        stmt = select(profile_counts).order_by(profile_counts.c.id)
        return [dict(r) for r in conn.execute(stmt).mappings()]


def test_enterprise_counts_are_stored_once_a_day_and_only_when_changed(tmp_path: Path) -> None:
    world = make_world()
    for app in world.apps.values():
        app.plan = "enterprise"
    with serve(world) as sim:
        engine = sim.store(tmp_path / "p.db")
        jobs = sim.jobs()
        assert sim.runner(engine).run(jobs).ok
        first = _rows(engine)
        assert sim.runner(engine).run(jobs).ok  # the same day: no read, no row
        assert _rows(engine) == first
        with engine.connect() as conn:
            ids = dict(conn.execute(select(accounts.c.name, accounts.c.user_id)).all())
        for name, uid in ids.items():
            user = world.users[uid]
            (row,) = [r for r in first if r["account"] == name]
            assert (row["followers_count"], row["following_count"], row["listed_count"]) == (
                user.followers_count, user.following_count, user.listed_count,
            )  # fmt: skip
        # a day later the followers changed for one user: one new row, for that one only
        changed_uid = next(iter(ids.values()))
        world.users[changed_uid].followers_count += 7
        sim.advance(timedelta(days=1))
        before = sim.ledger()["totals"]["user_reads"]
        assert sim.runner(engine).run(jobs).ok
        assert sim.ledger()["totals"]["user_reads"] == before + len(jobs)  # one read each
        later = _rows(engine)
        followers = [r["followers_count"] for r in later if r["user_id"] == changed_uid]
        assert followers[-1] == followers[0] + 7
        assert sum(1 for r in later if r["user_id"] == changed_uid) == 2
        assert later[: len(first)] == first  # appended, never updated


def test_self_serve_plan_stores_the_absence_of_followers(tmp_path: Path) -> None:
    world = make_world()
    world.follower_counts = "enterprise-only"  # the variant where self-serve plans lost them
    for app in world.apps.values():
        app.plan = "basic"
    with serve(world) as sim:
        engine = sim.store(tmp_path / "p.db")
        assert sim.runner(engine).run(sim.jobs()).ok
        rows = _rows(engine)
    assert rows and all(r["followers_count"] is None and r["following_count"] is None for r in rows)
    assert all(r["tweet_count"] is not None for r in rows)  # what X does return is kept
