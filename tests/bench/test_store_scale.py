"""bench/store_scale.py at a tiny size: the queried accounts are the ones asked for (or a
seeded draw), and a wrong name is one line before any filling. Not a timing test: the
figures live in docs/benchmarks.md."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--posts", "400", "--obs", "2", "--accounts", "20", "--repeat", "1"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / "store_scale.py"), *SMALL, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def _queried(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("queried "))


def test_named_accounts_are_queried() -> None:
    got = _run("--account", "a3", "--account", "a11")
    assert got.returncode == 0, got.stderr
    assert _queried(got.stdout).startswith("queried a3, a11; median of 2 accounts")
    # 400 posts over 20 accounts and a year: each account has posts in the 30-day window
    month = next(line for line in got.stdout.splitlines() if "30 days" in line)
    rows = re.search(r"(\d+) rows", month)
    assert rows is not None and int(rows.group(1)) > 0


def test_default_draw_is_seeded() -> None:
    first, again, other = _run(), _run(), _run("--seed", "2")
    assert first.returncode == again.returncode == other.returncode == 0
    assert _queried(first.stdout) == _queried(again.stdout)
    assert "median of 5 accounts" in _queried(first.stdout)
    assert _queried(first.stdout) != _queried(other.stdout)


def test_unknown_account_is_one_line() -> None:
    got = _run("--account", "a20")
    assert got.returncode == 2
    assert "no account 'a20': the store has a0..a19" in got.stderr
    assert "Traceback" not in got.stderr
    assert "filled" not in got.stdout
