"""The collector's CPU per account on a worker's path, in one process, for profiling.

Each account is collected as an ``xpulse:collect`` job does it (``prepare`` then
``execute`` with the worker's shared engine and HTTP transport) against xsim in a process
of its own (no added latency) and a fresh PostgreSQL database; the world and the sign-ins
are bench/workers.py's. The first account warms up; the others are measured:

    PYTHONPATH=src .venv/bin/python bench/collect_path.py --accounts 101
    PYTHONPATH=src .venv/bin/python bench/collect_path.py --accounts 101 --profile out.prof
    PYTHONPATH=src valgrind --tool=callgrind --instr-atstart=no \\
        .venv/bin/python bench/collect_path.py --accounts 11 --callgrind

``--profile``: cProfile of every thread with a CPU-time clock (shares, not seconds: the
profiler slows Python code more than C); ``--callgrind``: instrumentation switched on for
the measured accounts only (``callgrind_control``), so the count leaves out start-up,
imports and the warm-up account.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

from xsim.world.document import dump_world

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workers import Database, make_world, setup_home


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=101)
    parser.add_argument("--profile", type=Path, help="write a cProfile of the measured part")
    parser.add_argument("--callgrind", action="store_true", help="under valgrind's callgrind")
    parser.add_argument("--no-windows", action="store_true", help="no shared rate-limit windows")
    parser.add_argument(
        "--unsized", action="store_true", help="sign-ins without the post count (a lookup first)"
    )
    args = parser.parse_args()

    now = datetime.now(UTC).replace(microsecond=0)
    w = make_world(users=args.accounts, posts_per_week=10, seed=3, now=now, days=25)
    for app in w.apps.values():
        app.monthly_read_cap = None
    work = Path(tempfile.mkdtemp())
    dump_world(w, work / "world.json")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    xsim = str(Path(sys.executable).with_name("xsim"))
    # exec'd, not forked: under valgrind only this process is counted
    server = subprocess.Popen([xsim, "serve", "--world", str(work / "world.json"), "--now",
                               "real", "--port", str(port), "--log-level", "error"])  # fmt: skip
    for _ in range(1200):
        try:
            httpx.get(f"{url}/_sim/clock", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    home = work / "home"
    setup_home(home, w, url, 29, sized=not args.unsized)
    secret = next(a for a in w.apps.values() if a.client_secret).client_secret or ""
    db = Database()
    os.environ.update(XPULSE_HOME=str(home), XPULSE_TOKEN_STORE="file",
                      XPULSE_CLIENT_SECRET=secret, XPULSE_DB=db.url)  # fmt: skip
    try:
        measure(args)
        print(db.one("SELECT count(*), sum(reads), sum(cost_micros) FROM api_calls"))
    finally:
        db.drop()
        server.terminate()
        server.wait()


def measure(args: argparse.Namespace) -> None:
    from xpulse.jobs import tasks
    from xpulse.operations.collect import execute, prepare

    config = tasks.current_config()
    engine = tasks.store_engine(config)
    # as the collect job passes them (--no-windows: as code from before they were shared)
    shared = {} if args.no_windows else {"windows": tasks.shared_windows(engine)}

    def one(name: str) -> None:
        prepared = prepare(config, name, engine=engine)
        result = execute(prepared, exclusive=False, transport=tasks.shared_transport(), **shared)
        assert result.ok, result.summary()

    names = [a.name for a in config.accounts]
    one(names[0])  # warm: statements compiled, connections open
    counts = {"statements": 0, "check-outs": 0}

    def count(key: str) -> Callable[..., None]:
        def add(*_: object) -> None:
            counts[key] += 1

        return add

    event.listen(engine, "before_cursor_execute", count("statements"))
    event.listen(engine.pool, "checkout", count("check-outs"))
    profiles: list[cProfile.Profile] = []
    run = threading.Thread.run
    if args.profile:

        def profiled(self: threading.Thread) -> None:
            p = cProfile.Profile(time.thread_time)
            p.enable()
            try:
                run(self)
            finally:
                p.disable()
                profiles.append(p)

        threading.Thread.run = profiled  # type: ignore[method-assign]
        profiles.append(cProfile.Profile(time.thread_time))
        profiles[0].enable()
    if args.callgrind:
        callgrind("on")
    started = time.process_time()
    for name in names[1:]:
        one(name)
    cpu = time.process_time() - started
    if args.callgrind:
        callgrind("off")
    if args.profile:
        profiles[0].disable()
        threading.Thread.run = run  # type: ignore[method-assign]
        stats: Any = pstats.Stats(profiles[0])
        for p in profiles[1:]:
            stats.add(p)
        stats.dump_stats(str(args.profile))
    n = len(names) - 1
    print(f"{n} accounts: CPU {cpu:.2f} s = {cpu / n * 1000:.1f} ms an account; "
          + ", ".join(f"{v / n:.1f} {k}" for k, v in counts.items()) + " an account")  # fmt: skip


def callgrind(state: str) -> None:
    subprocess.run(["callgrind_control", "-i", state, str(os.getpid())],
                   check=True, capture_output=True)  # fmt: skip


if __name__ == "__main__":
    main()
