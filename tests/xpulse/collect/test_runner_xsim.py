"""The collector against xsim over real HTTP."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from xpulse.collect.planner import month_start, next_month_start
from xpulse.collect.refresh_slots import slots
from xpulse.store import queries
from xpulse.store.schema import api_calls, checkpoints, observations, posts
from xsim.v2.faults import parse_faults

from .conftest import T0, Sim, count, make_world, serve, snapshot


def _expected_ids(sim: Sim) -> set[str]:
    """What a sweep must find: the users' visible posts of the last 29 days."""
    now = sim.now()
    users = {t.user_id for t in sim.world.tokens}
    return {
        p.id
        for p in sim.world.posts.values()
        if p.author_id in users
        and not p.deleted
        and now - timedelta(days=29) <= p.created_at <= now
    }


def test_first_run_stores_every_post_then_a_second_run_reads_nothing(
    sim: Sim, tmp_path: Path
) -> None:
    engine = sim.store(tmp_path / "a.db")
    jobs = sim.jobs()
    first = sim.runner(engine).run(jobs)
    assert first.ok, first.accounts
    with engine.connect() as conn:
        stored = set(conn.execute(select(posts.c.id)).scalars())
        user_ids = {r for r in conn.execute(select(checkpoints.c.since_id)).scalars()}
    assert stored == _expected_ids(sim)
    assert count(engine, observations) == len(stored)  # one read each, with metrics
    assert sum(a.new_posts for a in first.accounts) == len(stored)
    assert None not in user_ids  # every sweep completed and moved since_id

    second = sim.runner(engine).run(jobs)
    assert second.ok
    assert sum(a.reads for a in second.accounts) == 0
    assert count(engine, observations) == len(stored)
    ledger = sim.ledger()["totals"]
    # the user id was looked up once per account, never again
    assert ledger["user_reads"] == len(jobs)
    assert ledger["post_reads"] == len(stored)


def test_cost_and_reads_agree_with_the_xsim_ledger_over_a_week_of_runs(
    sim: Sim, tmp_path: Path
) -> None:
    engine = sim.store(tmp_path / "a.db")
    jobs = sim.jobs()
    runner = sim.runner(engine, "lifecycle")
    for _ in range(8 * 8):  # every 3 hours for 8 days, across UTC midnights
        assert runner.run(jobs).ok
        sim.advance(timedelta(hours=3))
    ledger = sim.ledger()
    with engine.connect() as conn:
        spent = queries.spent_micros(conn, month_start(T0), next_month_start(T0))
        calls = conn.execute(select(api_calls.c.reads, api_calls.c.billable_reads)).all()
    charged = sum(1 for e in ledger["entries"] if not e["deduped"])
    assert ledger["totals"]["deduped_reads"] > 0  # the same-day rule was exercised
    assert spent == round(ledger["totals"]["cost_usd"] * 1_000_000)
    assert sum(b for _, b in calls) == charged
    assert sum(r for r, _ in calls) == ledger["totals"]["post_reads"]


def test_no_post_is_read_more_often_than_its_schedule(sim: Sim, tmp_path: Path) -> None:
    engine = sim.store(tmp_path / "a.db")
    jobs = sim.jobs()
    runner = sim.runner(engine, "weekly")
    start = sim.now()
    # hourly for 4 days: posts from before the start reach their 7 d slot, new ones their 24 h
    for _ in range(4 * 24):
        assert runner.run(jobs).ok
        sim.advance(timedelta(hours=1))
    end = sim.now()
    weekly = slots("weekly")
    with engine.connect() as conn:
        created = dict(conn.execute(select(posts.c.id, posts.c.created_at)).all())
        obs = conn.execute(select(observations.c.post_id, observations.c.observed_at)).all()
    per_post = Counter(p for p, _ in obs)
    times: dict[str, list] = {}
    for p, at in obs:
        times.setdefault(p, []).append(at)
    for post_id, made in created.items():
        # found once, then at most one read per slot reached while we watched
        reached = sum(1 for s in weekly if made + s < end)
        assert per_post[post_id] <= 1 + reached, post_id
        for s in weekly:  # and every slot reached (after we started) got its read
            if start <= made + s <= end - timedelta(hours=1):
                assert any(at >= made + s for at in times[post_id]), (post_id, s)


def test_faults_are_survived_with_no_gap_and_no_duplicate(tmp_path: Path) -> None:
    world = make_world(seed=9)
    with serve(world) as clean_sim:
        clean = clean_sim.store(tmp_path / "clean.db")
        assert clean_sim.runner(clean).run(clean_sim.jobs()).ok
        clean_sim.advance(timedelta(days=8))
        assert clean_sim.runner(clean).run(clean_sim.jobs()).ok
    faults = parse_faults(
        "500=0.05,502=0.03,503=0.03,429=0.03,drop=0.02,truncate=0.03,partial=0.08,seed=3"
    )
    with serve(make_world(seed=9), faults=faults) as sim:
        faulty = sim.store(tmp_path / "faulty.db")
        jobs = sim.jobs()
        for phase in range(2):
            for _attempt in range(6):  # cron runs again after a failure
                if sim.runner(faulty).run(jobs).ok:
                    break
            if phase == 0:
                sim.advance(timedelta(days=8))
    assert snapshot(faulty) == snapshot(clean)


def test_after_a_long_pause_posts_past_30_days_are_not_lost(sim: Sim, tmp_path: Path) -> None:
    """X hides a post from a page that asks private metrics of it once it is 30 days old;
    after 40 days without collect, those posts are fetched again without them."""
    engine = sim.store(tmp_path / "a.db")
    jobs = sim.jobs()
    assert sim.runner(engine).run(jobs).ok
    sim.advance(timedelta(days=40))  # every post since the last run is now over 30 days old
    assert sim.runner(engine).run(jobs).ok
    users = {t.user_id for t in sim.world.tokens}
    expected = {
        p.id for p in sim.world.posts.values()
        if p.author_id in users and not p.deleted
        and T0 - timedelta(days=29) <= p.created_at <= sim.now()
    }  # fmt: skip
    with engine.connect() as conn:
        stored = set(conn.execute(select(posts.c.id)).scalars())
        late = conn.execute(
            select(observations.c.impressions, observations.c.organic_impressions)
            .join(posts, posts.c.id == observations.c.post_id)
            .where(posts.c.created_at > T0, observations.c.observed_at == sim.now())
        ).all()
    assert stored == expected
    assert late and all(i is not None and o is None for i, o in late)  # public only
