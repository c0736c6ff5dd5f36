"""How fast ``xpulse report`` is on a large store, and how much memory it takes.

Targets: one account's week under 1 s on SQLite, the portfolio of all accounts under 10 s,
peak memory under 500 MB, on the store ``bench/report_store.py`` builds (1,000 accounts,
1,000,000 posts, 10,000,000 observations)::

    PYTHONPATH=src .venv/bin/python bench/report_store.py --out /tmp/xpulse-bench
    PYTHONPATH=src .venv/bin/python bench/report_speed.py --home /tmp/xpulse-bench

Each measurement runs in a fresh process, so its peak memory (``ru_maxrss``) is its own:

- ``in-process``: a child process opens the config and the store and times the function
  the CLI calls (``make_report`` + the JSON rendering, or ``make_portfolio`` + its JSON),
  and reports ``resource.getrusage(RUSAGE_SELF).ru_maxrss``. Interpreter start and imports
  are not in its time.
- ``CLI``: the real ``xpulse report ... --format json`` (or ``--format``) as a subprocess,
  timed wall clock from start to exit (imports included), with its CPU time and peak memory
  from ``os.wait4``.

One untimed CLI run comes first: it compiles the bytecode cache (an installed package has
its ``.pyc`` files; here they go under the store's home through ``PYTHONPYCACHEPREFIX``, and
``PYTHONDONTWRITEBYTECODE`` is dropped) and applies any pending migration. Each measurement
is then repeated ``--repeat`` times on a warm page cache; median and worst wall times and the
median CPU time (user + system, steadier than wall time on a shared machine) are printed as
a Markdown table. The accounts are the store's busiest account (the worst case) and its
median one, unless ``--account`` names them. ``--src DIR`` runs another source tree, for a
before/after comparison::

    mkdir /tmp/before && git archive HEAD src | tar -x -C /tmp/before
    PYTHONPATH=src .venv/bin/python bench/report_speed.py --home /tmp/xpulse-bench \
        --src /tmp/before/src
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, cast

END = "2026-05-26T08:00:00+00:00"  # bench/report_store.py's END: last week is 2026-W21


def child(kind: str, account: str, period: str, as_of: str, fmt: str) -> None:
    """One measurement, in this process: time the library call, print JSON."""
    from datetime import datetime

    from xpulse.config.settings import load_config
    from xpulse.operations.report import make_portfolio, make_report
    from xpulse.render import Format, render
    from xpulse.store import open_store

    now = datetime.fromisoformat(as_of)
    started, cpu = time.perf_counter(), time.process_time()
    config = load_config()
    engine = open_store(config.db_url())
    if kind == "report":
        document = make_report(config, engine, account=account, period=period, tz=None, now=now)
        size, rows = len(render(document, cast(Format, fmt))), len(document.posts)
    else:
        portfolio = make_portfolio(config, engine, period=period, tz=None, now=now)
        size, rows = len(portfolio.to_json()), len(portfolio.accounts)
    engine.dispose()
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        json.dumps({"seconds": took, "cpu": cpu, "peak_mb": peak_mb, "bytes": size, "rows": rows})
    )


SRC = Path(__file__).resolve().parents[1] / "src"


def _env(home: Path, src: Path = SRC) -> dict[str, str]:
    """The children's environment: the store's home, the source tree, and a bytecode cache
    as an installed package has one (kept under the store, out of the source tree)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XPULSE_", "PYTHON"))}
    env["XPULSE_HOME"] = str(home)
    env["PYTHONPATH"] = str(src)
    env["PYTHONPYCACHEPREFIX"] = str(home / "pycache")
    return env


def in_process(
    home: Path, src: Path, kind: str, account: str, period: str, as_of: str, fmt: str
) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", kind, "--account", account, "--format", fmt]
    cmd += ["--period", period, "--as-of", as_of, "--home", str(home)]
    done = subprocess.run(cmd, env=_env(home, src), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed: {done.stderr.strip().splitlines()[-1:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def cli(
    home: Path, src: Path, kind: str, account: str, period: str, as_of: str, fmt: str
) -> dict[str, Any]:
    script = Path(sys.executable).with_name("xpulse")
    cmd = (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "import xpulse.cli as c; c.main()"]
    )
    who = ["--all-accounts"] if kind == "portfolio" else ["--account", account]
    cmd += ["report", *who, "--period", period, "--as-of", as_of, "--format", fmt]
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=_env(home, src), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"xpulse report failed ({proc.returncode}): {err.strip()}")
    cpu = usage.ru_utime + usage.ru_stime
    return {"seconds": took, "cpu": cpu, "peak_mb": usage.ru_maxrss / 1024}


def pick_accounts(home: Path) -> list[str]:
    """The busiest account and the median one, by stored posts."""
    with sqlite3.connect(f"file:{home / 'data' / 'xpulse.db'}?mode=ro", uri=True) as con:
        rows = con.execute(
            "SELECT account, count(*) FROM posts GROUP BY account ORDER BY 2 DESC"
        ).fetchall()
    busiest, median = rows[0][0], rows[len(rows) // 2][0]
    return [busiest] if busiest == median else [busiest, median]


def describe(home: Path, account: str) -> str:
    with sqlite3.connect(f"file:{home / 'data' / 'xpulse.db'}?mode=ro", uri=True) as con:
        (n,) = con.execute("SELECT count(*) FROM posts WHERE account = ?", (account,)).fetchone()
    return f"{account} ({n:,} posts)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="the store's XPULSE_HOME")
    parser.add_argument("--account", action="append", help="account to report (repeatable)")
    parser.add_argument("--period", default="last-week")
    parser.add_argument("--as-of", default=END)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--format", default="json", choices=("json", "text", "md", "html", "csv"))
    parser.add_argument("--src", type=Path, default=SRC, help="source tree to run (before/after)")
    parser.add_argument("--child", choices=("report", "portfolio"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, (args.account or [""])[0], args.period, args.as_of, args.format)
        return
    if not (args.home / "data" / "xpulse.db").exists():
        raise SystemExit(f"no store under {args.home}: build one with bench/report_store.py")
    cases = [
        ("report", a, describe(args.home, a)) for a in args.account or pick_accounts(args.home)
    ]
    cases.append(("portfolio", "", "all accounts"))
    # warm-up (not timed): compiles the bytecode cache, applies any pending migration
    cli(args.home, args.src, "report", cases[0][1], args.period, args.as_of, args.format)
    print(
        f"period {args.period} as of {args.as_of}, --format {args.format}; {args.repeat} runs each"
    )
    print("| what | how | median s | worst s | median CPU s | peak MB |")
    print("|---|---|---:|---:|---:|---:|")
    for kind, account, label in cases:
        for how, run in (("in-process", in_process), ("CLI", cli)):
            runs = [
                run(args.home, args.src, kind, account, args.period, args.as_of, args.format)
                for _ in range(args.repeat)
            ]
            secs, cpus = [r["seconds"] for r in runs], [r["cpu"] for r in runs]
            peak = max(r["peak_mb"] for r in runs)
            print(
                f"| {kind} {label} | {how} | {statistics.median(secs):.3f} | {max(secs):.3f} "
                f"| {statistics.median(cpus):.3f} | {peak:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
