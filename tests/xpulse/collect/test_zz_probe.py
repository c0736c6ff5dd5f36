from datetime import timedelta
from pathlib import Path
from sqlalchemy import select
from xpulse.store.schema import posts
from xpulse.collect.planner import next_month_start
from .conftest import T0, make_world, serve

def test_probe(tmp_path: Path) -> None:
    world = make_world(seed=13, posts_per_week=20)
    app = next(a for a in world.apps.values() if a.client_secret)
    app.monthly_read_cap = 120
    with serve(world) as sim:
        engine = sim.store(tmp_path / "cap.db")
        jobs = sim.jobs()
        capped = sim.runner(engine).run(jobs)
        print(capped.accounts, capped.stopped)
        for e in sim.ledger()["entries"][:3]: print(e)
        print(len(sim.ledger()["entries"]))
        for t in world.tokens:
            mine = [p for p in world.posts.values() if p.author_id == t.user_id and T0 - timedelta(days=29) <= p.created_at <= T0]
            print(t.user_id, len(mine))
        sim.clock.set(next_month_start(T0) + timedelta(hours=1))
        app.monthly_read_cap = 15_000
        resumed = sim.runner(engine).run(jobs)
        print(resumed.accounts)
    assert 0
