"""How long `xpulse --help` and `xpulse CMD --help` take, against `python -c pass`.

Target: every help under 0.15 s, importing no more than the command it describes. Each
case runs ``--repeat`` times as a fresh process (the installed ``xpulse`` script of this
interpreter's environment, bytecode already compiled by one untimed run); the median and
the worst wall time and the median's ratio to ``python -c pass`` (the interpreter's own
start, which no CLI can beat) are printed as a Markdown table::

    .venv/bin/python bench/cli_startup.py --repeat 21

CPU time (user + system of the child, from ``os.wait4``) is printed too: on a shared
machine it is steadier than the wall time. ``--src DIR`` runs another source tree (put
first on ``PYTHONPATH``), for a before/after comparison::

    mkdir /tmp/before && git archive abbf113 src | tar -x -C /tmp/before
    .venv/bin/python bench/cli_startup.py --src /tmp/before/src
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = ["init", "auth", "backfill", "collect", "cost", "export", "report", "run"]
COMMANDS += ["schedule", "config"]


def timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``argv``."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--src", type=Path, help="another source tree to time")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.src:
        env["PYTHONPATH"] = str(args.src.resolve())
    script = str(Path(sys.executable).with_name("xpulse"))
    cases = [("python -c pass", [sys.executable, "-c", "pass"])]
    cases.append(("xpulse --version", [script, "--version"]))
    cases.append(("xpulse --help", [script, "--help"]))
    cases += [(f"xpulse {c} --help", [script, c, "--help"]) for c in COMMANDS]
    for _, argv in cases:
        timed(argv, env)  # untimed: bytecode compiled, page cache warm
    results = {}
    for label, argv in cases:
        runs = [timed(argv, env) for _ in range(args.repeat)]
        results[label] = (
            statistics.median(w for w, _ in runs),
            max(w for w, _ in runs),
            statistics.median(c for _, c in runs),
        )
    base = results["python -c pass"][0]
    where = args.src or Path(__file__).resolve().parents[1] / "src"
    print(f"{where}: {args.repeat} runs each, {os.cpu_count()} cores\n")
    print("| command | median wall s | worst wall s | median CPU s | median / `python -c pass` |")
    print("|---|---|---|---|---|")
    for label, (median, worst, cpu) in results.items():
        print(f"| `{label}` | {median:.3f} | {worst:.3f} | {cpu:.3f} | {median / base:.1f}x |")


if __name__ == "__main__":
    main()
