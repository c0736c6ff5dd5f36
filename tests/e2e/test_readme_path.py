"""The README's Quick start, run as written: a fresh XPULSE_HOME, `xsim serve` on the real
clock, real `xsim` and `xpulse` processes in one bash session, ending in a delivered report.

The README's block is taken from README.md as it is (nothing substituted) and run by
``readme_path_driver.py``, which opens the printed sign-in URL as the user would. The
README names fixed ports, so where ``unshare -rn`` works the session gets its own network
namespace (its own 127.0.0.1); elsewhere it runs only when those ports are free.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("readme_path_driver.py")
MARKER = "<!-- readme-path:"
PORTS = (8787, 8765)  # xsim's and the sign-in callback's, as the README has them


def readme_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    after = text[text.index(MARKER) :]
    match = re.search(r"```sh\n(.*?)```", after, re.S)
    assert match is not None, "no ```sh block after the readme-path marker"
    return match.group(1)


def commands(block: str) -> list[str]:
    """The block's commands, continuation lines joined, comments dropped."""
    joined = block.replace("\\\n", " ")
    out = []
    for line in joined.splitlines():
        line = line.split("  #")[0].strip()
        if line and not line.startswith("#"):
            out.append(re.sub(r"\s+", " ", line))
    return out


def _own_namespace() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False)
    return probe.returncode == 0


def _ports_free() -> bool:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def _previous_iso_week(now: datetime) -> tuple[str, datetime, datetime]:
    monday = (now - timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    start = monday - timedelta(days=7)
    year, week, _ = start.isocalendar()
    return f"{year}-W{week:02d}", start, monday


def test_the_readme_quick_start_runs_as_written(tmp_path: Path) -> None:
    block = readme_block()
    script = tmp_path / "readme.sh"
    script.write_text(block, encoding="utf-8")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("XPULSE_HOME", None)  # the README sets its own
    if _own_namespace():
        argv = ["unshare", "-rn", sys.executable, str(DRIVER), "--own-loopback"]
    elif _ports_free():
        argv = [sys.executable, str(DRIVER)]
    else:
        if os.environ.get("CI") == "true":
            pytest.fail("no network namespace (unshare -rn) and ports 8787/8765 are taken")
        pytest.skip("unshare -rn is not available and ports 8787/8765 are taken")
    done = subprocess.run(
        [*argv, str(script), str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    output = "\n".join(result["output"])
    assert result["exit"] == 0, output

    # Every command ran, in the README's order (bash -x echoes each one as it starts; a
    # command sent to the background with & may be echoed a little later).
    traced = [line[2:] for line in result["output"] if line.startswith("+ ")]
    position = 0
    for command in commands(block):
        for part in command.removesuffix("&").split("&&"):
            words = " ".join(part.split()[:3]).split("$")[0]  # bash -x shows values
            at = [i for i, line in enumerate(traced) if line.startswith(words)]
            assert at, f"{part!r} did not run:\n{output}"
            if not command.endswith("&"):
                later = [i for i in at if i >= position]
                assert later, f"{part!r} did not run in order:\n{output}"
                position = later[0] + 1

    assert "sam: signed in as @sam_dev7" in output, output
    assert "sam (@sam_dev7): signed in" in output
    assert result["browser"] and result["browser"][0].startswith("200 ")

    # The delivered report, checked against the world's own posts.
    home = tmp_path / "xpulse-try" / "home"
    world = json.loads((tmp_path / "xpulse-try" / "world.json").read_text())
    sam = next(u for u in world["users"] if u["username"] == "sam_dev7")
    period, start, end = _previous_iso_week(datetime.now(UTC))
    folder = home / "reports" / "sam"
    report = json.loads((folder / f"sam-{period}.json").read_text())
    # X never serves a deleted post, so the report cannot hold one
    in_week = [
        p
        for p in world["posts"]
        if p["author_id"] == sam["id"]
        and not p.get("deleted")
        and start <= datetime.fromisoformat(p["created_at"].replace("Z", "+00:00")) < end
    ]
    with (folder / f"sam-{period}.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    totals = report["totals"]
    assert totals["posts"] == len(in_week) > 0
    assert {r["id"] for r in rows} == {p["id"] for p in in_week}
    assert totals["impressions"] == sum(int(r["impressions"]) for r in rows) > 0
    final = {p["id"]: p["metrics"]["final"] for p in in_week}
    for row in rows:  # metrics grow toward the world's final counts, never past them
        assert 0 < int(row["impressions"]) <= final[row["id"]]["impressions"], row["id"]
        assert int(row["likes"]) <= final[row["id"]]["likes"], row["id"]
    assert f"sam-{period}.html" in output  # `ls home/reports/sam` shows the delivered files
