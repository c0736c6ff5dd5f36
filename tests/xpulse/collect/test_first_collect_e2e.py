"""End to end on the real clock: `xsim serve` and `xpulse` as processes, a fresh home.

Sign-in reads the post count; the first collect is estimated from it, fits the default
$5 budget and runs without a flag; `cost` agrees with xsim's ledger to the micro-dollar,
keeps the first sweep apart as one-off and forecasts nothing from it.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from xsim.world.document import dump_world
from xsim.world.generate import generate_world
from xsim.world.generate_people import GenerateOptions
from xsim.world.model import World

SRC = Path(__file__).resolve().parents[3] / "src"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _xpulse(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run(
        [sys.executable, "-c", "from xpulse.cli import main; main()", *args],
        capture_output=True, text=True, env=env, timeout=timeout, check=False,
    )  # fmt: skip


@pytest.fixture
def served(isolated_env: Path, tmp_path: Path) -> Iterator[tuple[str, World, int]]:
    now = datetime.now(UTC).replace(microsecond=0)
    world = generate_world(GenerateOptions(seed=11, users=2, days=40, now=now, posts_per_week=30))
    port = _free_port()
    app = next(a for a in world.apps.values() if a.client_secret)
    app.callback_urls.append(f"http://127.0.0.1:{port}/callback")
    dump_world(world, tmp_path / "world.json")
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from xsim.cli import main; main()", "serve", "--port", "0",
         "--world", str(tmp_path / "world.json"), "--now", "real", "--auto-approve",
         "--log-level", "warning"],
        stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        banner = proc.stderr.readline()
        url = re.search(r"on (http://\S+)", banner)
        assert url, banner
        yield url.group(1), world, port
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_a_first_collect_at_the_default_budget(
    served: tuple[str, World, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, world, port = served
    app = next(a for a in world.apps.values() if a.client_secret)
    owner = world.users[app.owner]
    monkeypatch.setenv("XPULSE_CLIENT_SECRET", app.client_secret)
    init = _xpulse(
        "init", "--api-base", url, "--client-id", app.client_id, "--account", "me",
        "--username", owner.username, "--owns-app", "--callback-port", str(port),
    )  # fmt: skip
    assert init.returncode == 0, init.stderr
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    login = subprocess.Popen(
        [sys.executable, "-c", "from xpulse.cli import main; main()", "auth", "login",
         "--no-browser", "--timeout", "30"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert login.stdout is not None
    authorize = login.stdout.readline().strip()
    httpx.get(authorize, follow_redirects=True, timeout=20)
    _, err = login.communicate(timeout=60)
    assert login.returncode == 0, err

    ledger = httpx.get(f"{url}/_sim/ledger", timeout=10).json()
    count = httpx.get(  # what X says, read here the way a person would check it
        f"{url}/2/users/by/username/{owner.username}",
        params={"user.fields": "public_metrics"},
        headers={"Authorization": f"Bearer {app.bearer_tokens[0]}"}, timeout=10,
    ).json()["data"]["public_metrics"]["tweet_count"]  # fmt: skip
    dry = _xpulse("collect", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"@me has {count:,} posts" in dry.stdout
    # its own posts, through its own app: every post of the window at worst (xsim's owner
    # is years older than its posts, so the expected figure at its average rate is lower)
    lookups = int(re.search(r"me: (\d) user lookup", dry.stdout).group(1))  # type: ignore[union-attr]
    assert f"(worst case ${count * 0.001 + lookups * 0.010:.3f})" in dry.stdout
    assert "collect would start" in dry.stdout

    run = _xpulse("collect")
    assert run.returncode == 0, run.stderr + run.stdout
    after = httpx.get(f"{url}/_sim/ledger", timeout=10).json()
    mine = [e for e in after["entries"][len(ledger["entries"]) :] if e["resource_type"] == "post"]
    assert mine and all(e["own"] and e["price_usd"] == 0.001 for e in mine)
    assert 0.8 <= count / len(mine) <= 1.25  # the estimate against what was read

    cost = json.loads(_xpulse("cost", "--json").stdout)
    # `cost` holds the sign-in's own user read too (billed before the snapshot): it and
    # the run's reads are all one-off
    paid = sum(e["charged_usd"] for e in after["entries"])
    assert ledger["entries"] and ledger["entries"][0]["endpoint"] == "users_me"
    assert cost["cost_usd"] == pytest.approx(paid, abs=1e-9)
    assert cost["backfill"]["cost_usd"] == pytest.approx(paid, abs=1e-9)
    # recurring: only the last private read of posts near day 30, made after the sweep;
    # under an hour of collection gives no rate to forecast from
    assert cost["recurring"]["reads"] < 0.05 * len(mine) and cost["forecast_usd"] is None
    assert cost["cap"]["limit"] == 3_000_000
    assert cost["cap"]["left"] == 3_000_000 - len(mine)
