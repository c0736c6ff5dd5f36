"""How fast xsim generates, writes and loads worlds of 10,000 and 100,000 posts.

Each size is generated with ``generate_world`` (20 users over a year; posts per week chosen
to land near the target), written with ``dump_world`` and read back with ``load_world``
(schema check, cross-checks, model building). Wall-clock seconds, best of ``--repeat``.

    PYTHONPATH=src .venv/bin/python bench/xsim_world.py
    PYTHONPATH=src .venv/bin/python bench/xsim_world.py --sizes 10000 --repeat 3
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TypeVar

from xsim.world.document import dump_world, load_world
from xsim.world.generate import GenerateOptions, generate_world

T = TypeVar("T")
NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
USERS, DAYS = 20, 365
POSTS_PER_WEEK_PER_1000 = 0.83  # ~1,000 posts from 20 users over a year at this rate


def _best(repeat: int, run: Callable[[], T]) -> tuple[float, T]:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print(f"{'target':>8} {'posts':>8} {'media':>7} {'generate s':>10} {'dump s':>7} "
          f"{'load s':>7} {'file MB':>8}")  # fmt: skip
    for size in args.sizes:
        options = GenerateOptions(1, USERS, DAYS, NOW, POSTS_PER_WEEK_PER_1000 * size / 1000)
        gen_s, world = _best(args.repeat, partial(generate_world, options))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "world.json"
            dump_s, _ = _best(args.repeat, partial(dump_world, world, path))
            load_s, loaded = _best(args.repeat, partial(load_world, path))
            megabytes = path.stat().st_size / 1e6
        assert len(loaded.posts) == len(world.posts)
        print(f"{size:>8} {len(world.posts):>8} {len(world.media):>7} {gen_s:>10.2f} "
              f"{dump_s:>7.2f} {load_s:>7.2f} {megabytes:>8.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
