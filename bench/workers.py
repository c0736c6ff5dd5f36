"""Many accounts on workers: wall time with 1, 2 and 4 ``xpulse worker`` processes against
the concurrency bound, the collector's CPU per account, and reads and dollars against the
single-process ``xpulse collect`` of the same world.

xsim runs in a child process on the real clock (one uvicorn worker) with an ASGI wrapper
that sleeps ``--latency`` before each ``/2/`` request; the world's history ends now. Each
account has its own user token, signed in as ``xpulse auth login`` leaves it: the user id,
the post count and the account's creation from the sign-in's user read (``--unsized``:
without the post count, so a lookup sizes each first sweep). The first collect of an
account is a ``--history-days`` sweep (29 days, over a world of ``--world-days`` 25,
about 38 posts: one page).
Every configuration starts on a fresh PostgreSQL database, so each reads the same posts:

* ``single``: ``xpulse collect`` (one process, 16 accounts at a time);
* ``workers W``: W ``xpulse worker --concurrency C`` processes, then ``xpulse enqueue
  collect``; timed from the enqueue to the last job done.

The bound: an account's calls are sequential, and at most ``slots`` (16, or W x C) calls
are in flight, so wall >= max(calls x latency / slots, longest chain x latency). What the
CPU allows: every process's work (the collectors', xsim's, PostgreSQL's) on the machine's
cores, and each Python process on one core at a time, so wall >= max(all CPU / cores,
busiest process's CPU). CPU per account is the collector processes' own (user + system,
from /proc), divided by the accounts.

    PYTHONPATH=src .venv/bin/python bench/workers.py --accounts 2000 --workers 1,2,4
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import slow_xsim
from xpulse.accounts.tokens import FileTokenStore, TokenRecord
from xsim.clock import RealClock
from xsim.world.model import World

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "xpulse" / "collect"))
from collect_world import make_world

XPULSE = str(Path(sys.executable).with_name("xpulse"))
ADMIN_PG = (
    os.environ.get("XPULSE_TEST_PG") or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu() -> dict[int, float]:
    """CPU seconds of every PostgreSQL process now, by pid (backends come and go)."""
    seen: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
        except OSError:
            continue  # the process ended
        if head.split("(", 1)[1] == "postgres":
            fields = tail.split()
            seen[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf(
                "SC_CLK_TCK"
            )
    return seen


def spent(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Outcome:
    label: str
    slots: int
    wall: float
    enqueue: float
    cpu: float
    calls: int
    chain: int
    reads: int
    billable: int
    micros: int
    # the CPU the run needed from the whole machine: its own, xsim's and PostgreSQL's, and
    # the busiest single process's (a Python process runs on one core at a time)
    total_cpu: float = 0.0
    busiest_cpu: float = 0.0


class Database:
    """A fresh PostgreSQL database, dropped at the end."""

    def __init__(self) -> None:
        self.name = f"xpulse_bench_{uuid.uuid4().hex[:8]}"
        self.admin = create_engine(ADMIN_PG, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = make_url(ADMIN_PG).set(database=self.name).render_as_string(False)
        self.engine = create_engine(self.url)

    def one(self, query: str) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(query)).one()

    def drop(self) -> None:
        self.engine.dispose()
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


def figures(db: Database) -> tuple[int, int, int, int, int]:
    calls, reads, billable, micros = db.one(
        "SELECT count(*), coalesce(sum(reads), 0), coalesce(sum(billable_reads), 0), "
        "coalesce(sum(cost_micros), 0) FROM api_calls"
    )
    chain = db.one(
        "SELECT coalesce(max(n), 0) FROM (SELECT count(*) n FROM api_calls GROUP BY account) c"
    )[0]
    with db.engine.connect() as conn:
        by = conn.execute(text("SELECT endpoint, count(*) FROM api_calls GROUP BY 1 ORDER BY 1"))
        print("  calls by endpoint: " + ", ".join(f"{e} {n}" for e, n in by), flush=True)
    return int(calls), int(chain), int(reads), int(billable), int(micros)


def run_single(env: dict[str, str], xsim_pid: int) -> Outcome:
    db = Database()
    try:
        env = {**env, "XPULSE_DB": db.url}
        pg, xsim = postgres_cpu(), cpu_of(xsim_pid)
        cpu, started = children_cpu(), time.perf_counter()
        # Unsized first sweeps (--unsized: the sign-ins carry no post count) are planned at
        # up to 3,200 posts an account: 2,000 accounts pass the plan's monthly cap on that
        # estimate though each reads about 38. The workers plan one account a job.
        done = subprocess.run(
            [XPULSE, "collect", "--allow-over-budget"],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        wall, cpu = time.perf_counter() - started, children_cpu() - cpu
        postgres, xsim = spent(pg, postgres_cpu()), cpu_of(xsim_pid) - xsim
        others = postgres + xsim
        print(f"  CPU of PostgreSQL {postgres:.2f} s, of xsim {xsim:.2f} s", flush=True)
        if done.returncode != 0:
            raise SystemExit(f"xpulse collect failed: {done.stderr[-2000:]}")
        calls, chain, reads, billable, micros = figures(db)
        return Outcome(
            "single (xpulse collect)", 16, wall, 0.0, cpu, calls, chain, reads, billable, micros,
            total_cpu=cpu + others, busiest_cpu=cpu,
        )  # fmt: skip
    finally:
        db.drop()


def run_workers(
    env: dict[str, str], workers: int, concurrency: int, accounts: int, home: Path, xsim_pid: int
) -> Outcome:
    db = Database()
    procs: list[subprocess.Popen[str]] = []
    try:
        env = {**env, "XPULSE_DB": db.url}
        for i in range(workers):
            with open(home / f"bench-worker-{workers}-{i}.log", "w") as log:
                command = [XPULSE, "worker", "--concurrency", str(concurrency)]
                procs.append(
                    subprocess.Popen(
                        command, env=env, stdout=log, stderr=subprocess.STDOUT, text=True
                    )
                )
        deadline = time.monotonic() + 120
        while True:  # every worker up (registered, its schema made)
            try:
                alive = db.one("SELECT count(*) FROM procrastinate_workers")[0]
            except Exception:
                alive = 0
            if alive >= workers:
                break
            if time.monotonic() > deadline:
                raise SystemExit("workers did not start; see bench-worker-*.log")
            time.sleep(0.2)
        base = [cpu_of(p.pid) for p in procs]
        pg, xsim = postgres_cpu(), cpu_of(xsim_pid)
        started = time.perf_counter()
        queued = subprocess.run(
            [XPULSE, "enqueue", "collect"], env=env, capture_output=True, text=True, check=False
        )
        enqueue = time.perf_counter() - started
        if queued.returncode != 0:
            raise SystemExit(f"enqueue failed: {queued.stderr[-2000:]}")
        while True:
            done, failed = db.one(
                "SELECT count(*) FILTER (WHERE status = 'succeeded'), "
                "count(*) FILTER (WHERE status = 'failed') "
                "FROM procrastinate_jobs WHERE task_name = 'xpulse:collect'"
            )
            if failed:
                raise SystemExit(f"{failed} jobs failed: see `xpulse workers status`")
            if done >= accounts:
                break
            time.sleep(0.1)
        wall = time.perf_counter() - started
        each = [cpu_of(p.pid) - b for p, b in zip(procs, base, strict=True)]
        cpu = sum(each)
        postgres, xsim = spent(pg, postgres_cpu()), cpu_of(xsim_pid) - xsim
        others = postgres + xsim
        print(f"  CPU of PostgreSQL {postgres:.2f} s, of xsim {xsim:.2f} s", flush=True)
        calls, chain, reads, billable, micros = figures(db)
        label = f"{workers} worker(s) x {concurrency}"
        return Outcome(
            label, workers * concurrency, wall, enqueue, cpu, calls, chain, reads, billable, micros,
            total_cpu=cpu + others, busiest_cpu=max(each),
        )  # fmt: skip
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        db.drop()


def setup_home(home: Path, w: World, url: str, history_days: int, sized: bool = True) -> None:
    """A home whose accounts are signed in. ``sized``: each sign-in carries the account's
    post count and creation, as ``xpulse auth login`` stores them from its user read (a
    first sweep is then planned from them); else none (a lookup sizes it first)."""
    app = next(a for a in w.apps.values() if a.client_secret)
    posted = Counter(p.author_id for p in w.posts.values() if not p.deleted)
    now = datetime.now(UTC)
    lines = ["monthly_budget_usd = 100000", f"history_days = {history_days}", "", "[api]",
             f'base_url = "{url}"', f'client_id = "{app.client_id}"', ""]  # fmt: skip
    store = FileTokenStore(home / "state" / "tokens")
    for i, token in enumerate(w.tokens):
        name = f"a{i:05d}"
        lines += [
            "[[accounts]]",
            f'name = "{name}"',
            f'username = "{w.users[token.user_id].username}"',
            "",
        ]
        record = TokenRecord(
            account=name,
            access_token=token.access_token,
            refresh_token=token.refresh_token,
            expires_at=token.expires_at,
            user_id=token.user_id,
            client_id=app.client_id,
            api_base=url,
        )
        if sized:
            user = w.users[token.user_id]
            record = replace(
                record,
                tweet_count=posted[token.user_id],
                tweet_count_at=now.isoformat(),
                user_created_at=user.created_at.isoformat(),
            )
        store.save(record)
    (home / "config.toml").write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--workers", default="1,2,4", help="worker process counts to time")
    parser.add_argument("--concurrency", type=int, default=16, help="jobs per worker")
    parser.add_argument("--history-days", type=int, default=29)
    parser.add_argument("--world-days", type=int, default=25, help="days of posts, to now")
    parser.add_argument("--no-single", action="store_true", help="skip the xpulse collect run")
    parser.add_argument(
        "--unsized", action="store_true", help="sign-ins without the post count (a lookup first)"
    )
    args = parser.parse_args()

    now = datetime.now(UTC).replace(microsecond=0)
    # History of args.world_days ending now. Under 29 days (the default 25), no post nears
    # the first sweep's edge or the day-29 last private read while the configurations run
    # (minutes apart on the real clock), so each configuration has the same posts to read.
    w = make_world(users=args.accounts, posts_per_week=10, seed=3, now=now, days=args.world_days)
    for app in w.apps.values():
        app.monthly_read_cap = None  # the cap is not what this measures
    url, server = slow_xsim.start(w, args.latency, RealClock())
    pid = server.pid or 0
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        setup_home(home, w, url, args.history_days, sized=not args.unsized)
        secret = next(a for a in w.apps.values() if a.client_secret).client_secret or ""
        env = {k: v for k, v in os.environ.items() if not k.startswith("XPULSE_")}
        env.update(XPULSE_HOME=str(home), XPULSE_TOKEN_STORE="file", XPULSE_CLIENT_SECRET=secret)
        print(f"{args.accounts} accounts, {args.latency * 1000:.0f} ms added per call, "
              f"{args.history_days}-day first sweep", flush=True)  # fmt: skip
        if not args.no_single:
            outcomes.append(run_single(env, pid))
            show(outcomes[-1], args)
        for n in (int(x) for x in args.workers.split(",")):
            outcomes.append(run_workers(env, n, args.concurrency, args.accounts, home, pid))
            show(outcomes[-1], args)
    first = outcomes[0]
    same = all(
        (o.reads, o.billable, o.micros) == (first.reads, first.billable, first.micros)
        for o in outcomes
    )
    print(f"reads, billable reads and dollars equal in every configuration: {same}")
    print(json.dumps([o.__dict__ for o in outcomes]))
    server.terminate()
    server.join()


def show(o: Outcome, args: argparse.Namespace) -> None:
    bound = max(o.calls * args.latency / o.slots, o.chain * args.latency)
    # what the CPU allows: the machine's cores for all the work, one core for each process
    cpu_bound = max(o.total_cpu / (os.cpu_count() or 1), o.busiest_cpu)
    per_account = o.cpu / args.accounts * 1000
    print(
        f"{o.label:<24} {o.calls:>5} calls {o.reads:>7,} reads ${o.micros / 1e6:8.3f}  "
        f"wall {o.wall:7.2f} s (enqueue {o.enqueue:5.2f} s)  bound {bound:6.2f} s "
        f"({o.wall / bound:.2f}x)  CPU bound {cpu_bound:6.2f} s "
        f"({o.wall / max(bound, cpu_bound):.2f}x of the larger; all CPU {o.total_cpu:6.2f} s)  "
        f"CPU {o.cpu:6.2f} s = {per_account:5.1f} ms/account",
        flush=True,
    )


if __name__ == "__main__":
    main()
