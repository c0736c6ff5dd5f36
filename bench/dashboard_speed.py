"""How fast the dashboard is on a large store, and how heavy its pages are.

Targets: the busiest account's page served in under 300 ms, the portfolio page under 1 s,
the static build of one account under 2 s, on the store ``bench/report_store.py`` builds
(1,000 accounts, 1,000,000 posts, 10,000,000 observations)::

    PYTHONPATH=src .venv/bin/python bench/report_store.py --out /tmp/xpulse-bench
    PYTHONPATH=src .venv/bin/python bench/dashboard_speed.py --home /tmp/xpulse-bench

- ``served``: the ``xpulse serve`` app (:func:`xpulse.web.app.create_app`) in this process,
  asked over ASGI (no socket) for ``/account/BUSIEST?period=2026-W21`` and for
  ``/?period=2026-W21``, its clock at the store's end; one untimed request first (imports,
  the Vega bundle from its cache), then ``--repeat`` timed ones: median and worst.
- ``static``: the real ``xpulse dashboard --out DIR -a BUSIEST -p 2026-W21`` process, wall
  clock from spawn to exit (imports included; it also writes that period's portfolio page).
- page weight: the bytes of that static account page, and of its chart library part.

Wall and CPU time (user + system) are both printed: on a shared machine CPU time is the
steadier figure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx

END = "2026-05-26T08:00:00+00:00"  # bench/report_store.py's END: last week is 2026-W21
PERIOD = "2026-W21"


def busiest(home: Path) -> tuple[str, int]:
    with sqlite3.connect(f"file:{home / 'data' / 'xpulse.db'}?mode=ro", uri=True) as con:
        row = con.execute(
            "SELECT account, count(*) FROM posts GROUP BY account ORDER BY 2 DESC LIMIT 1"
        ).fetchone()
    return str(row[0]), int(row[1])


Times = tuple[list[float], list[float]]  # wall seconds, CPU seconds (user + system)


def served(home: Path, paths: list[str], repeat: int) -> dict[str, Times]:
    os.environ["XPULSE_HOME"] = str(home)
    from xpulse.config.settings import load_config
    from xpulse.store import open_store
    from xpulse.web.app import ServeSettings, create_app

    config = load_config()
    end = datetime.fromisoformat(END)
    settings = ServeSettings(
        config, open_store(config.db_url()), (PERIOD,), None, None, clock=lambda: end
    )
    app = create_app(settings)

    async def run() -> dict[str, Times]:
        transport = httpx.ASGITransport(app=app)
        out: dict[str, Times] = {}
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            for path in paths:
                first = await c.get(path)
                assert first.status_code == 200, (path, first.status_code, first.text[:200])
                wall, cpu = [], []
                for _ in range(repeat):
                    start, start_cpu = time.perf_counter(), time.process_time()
                    response = await c.get(path)
                    wall.append(time.perf_counter() - start)
                    cpu.append(time.process_time() - start_cpu)
                    assert response.status_code == 200
                out[path] = (wall, cpu)
        return out

    return asyncio.run(run())


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def static(home: Path, account: str, repeat: int) -> tuple[Times, Path]:
    xpulse = str(Path(sys.executable).with_name("xpulse"))
    env = {**os.environ, "XPULSE_HOME": str(home)}
    out = Path(tempfile.mkdtemp(prefix="xpulse-dash-")) / "site"
    args = [xpulse, "dashboard", "--out", str(out), "-a", account, "-p", PERIOD, "--as-of", END]
    subprocess.run(args, env=env, check=True, capture_output=True)  # untimed: caches
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), _children_cpu()
        subprocess.run(args, env=env, check=True, capture_output=True)
        wall.append(time.perf_counter() - start)
        cpu.append(_children_cpu() - start_cpu)
    return (wall, cpu), out / f"{account}--{PERIOD}.html"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="the bench store's XPULSE_HOME")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    account, posts = busiest(args.home)
    timed = served(
        args.home, [f"/account/{account}?period={PERIOD}", f"/?period={PERIOD}"], args.repeat
    )
    builds, page = static(args.home, account, max(3, args.repeat // 2))
    size = page.stat().st_size
    from xpulse.render import vega

    library = len(vega.bundle().encode("utf-8"))
    print(f"busiest account {account} ({posts:,} posts), period {PERIOD}, as of {END}\n")
    print("| measurement | median wall s | worst wall s | median CPU s |")
    print("|---|---|---|---|")
    for label, (wall, cpu) in (
        (f"served: account page ({account})", timed[f"/account/{account}?period={PERIOD}"]),
        ("served: portfolio page (all accounts)", timed[f"/?period={PERIOD}"]),
        (f"static build of {account} (CLI process)", builds),
    ):
        print(
            f"| {label} | {statistics.median(wall):.3f} | {max(wall):.3f} "
            f"| {statistics.median(cpu):.3f} |"
        )
    print(
        f"\npage weight: {size / 1e6:.2f} MB ({size:,} bytes), of which the chart library "
        f"{library / 1e6:.2f} MB; the rest is the page, its data and chart specs"
    )


if __name__ == "__main__":
    main()
