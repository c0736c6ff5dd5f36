"""``xsim serve --state FILE``: tokens, rotations, ledger, usage and clock survive a restart
of the real command; ``/_sim/reset`` goes back to the world."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
from xsim_api_support import ALICE, ALICE_TOKEN, BEARER, NOW, READ, make_world

import xsim
from xsim.world.document import dump_world
from xsim.world.model import Token

ROTATING = "fake-rotating-access"
REFRESH = "fake-rotating-refresh"
BASIC = ("app-basic", "fake-secret")


def _world_file(tmp_path: Path) -> Path:
    world = make_world()
    del world.posts["9999999999999999999"]  # a world file may not hold posts after its now
    for post in world.posts.values():
        if post.poll:
            post.poll.pop("voting_status", None)
    world.tokens.append(Token(ROTATING, "app-basic", ALICE, READ, NOW + timedelta(hours=2),
                              refresh_token=REFRESH))  # fmt: skip
    path = tmp_path / "world.json"
    dump_world(world, path)
    return path


@contextmanager
def _serve(world: Path, state: Path) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    src = str(Path(xsim.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-c", "from xsim.cli import main; main()", "serve", "--port",
           str(port), "--world", str(world), "--now", "2026-05-20T12:00:00Z", "--state",
           str(state), "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:  # a child process: polling is the only way to see it listen
            try:
                httpx.get(f"{base}/_sim/clock", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "xsim serve did not start"
                time.sleep(0.05)
        yield base
    finally:
        proc.terminate()  # SIGTERM: uvicorn stops, the state is written once more
        assert proc.wait(20) == 0
        if proc.stderr is not None:
            proc.stderr.close()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_restart_keeps_tokens_rotations_ledger_usage_and_clock(tmp_path: Path) -> None:
    world, state = _world_file(tmp_path), tmp_path / "state.json"
    with _serve(world, state) as base, httpx.Client(base_url=base, timeout=10) as http:
        assert http.get(f"/2/users/{ALICE}/tweets", headers=_auth(ALICE_TOKEN)).status_code == 200
        assert http.get("/2/tweets/2000", headers=_auth(ALICE_TOKEN)).status_code == 200
        rotated = http.post("/2/oauth2/token", auth=BASIC, data={
            "grant_type": "refresh_token", "refresh_token": REFRESH}).json()  # fmt: skip
        assert http.get("/2/users/me", headers=_auth(rotated["access_token"])).status_code == 200
        assert http.post("/_sim/clock", json={"advance_seconds": 3600}).status_code == 200
        ledger = http.get("/_sim/ledger").json()
        usage = http.get("/2/usage/tweets", headers=_auth(BEARER)).json()["data"]
    assert ledger["totals"]["post_reads"] == 11  # a page of 10 and one lookup
    text = state.read_text("utf-8")
    for secret in (ALICE_TOKEN, REFRESH, rotated["access_token"], rotated["refresh_token"]):
        assert secret not in text  # tokens are kept by digest only
    assert json.loads(text)["clock"] == "2026-05-20T13:00:00.000Z"

    with _serve(world, state) as base, httpx.Client(base_url=base, timeout=10) as http:
        assert http.get("/_sim/clock").json()["now"] == "2026-05-20T13:00:00.000Z"
        assert http.get("/_sim/ledger").json() == ledger
        again = http.get("/2/usage/tweets", headers=_auth(BEARER)).json()["data"]
        assert again == usage and again["project_usage"] == 11
        me = http.get("/2/users/me", headers=_auth(rotated["access_token"]))
        assert me.status_code == 200 and me.json()["data"]["id"] == ALICE
        replay = http.post("/2/oauth2/token", auth=BASIC, data={
            "grant_type": "refresh_token", "refresh_token": REFRESH})  # fmt: skip
        assert replay.status_code == 400  # the rotated-away refresh token stays dead
        onward = http.post("/2/oauth2/token", auth=BASIC, data={
            "grant_type": "refresh_token", "refresh_token": rotated["refresh_token"]})  # fmt: skip
        assert onward.status_code == 200, onward.text
        # a lookup the same UTC day is deduped against the reads before the restart
        http.get("/2/tweets/2000", headers=_auth(ALICE_TOKEN))
        last = http.get("/_sim/ledger").json()["entries"][-1]
        assert last["deduped"] is True

        reset = http.post("/_sim/reset").json()
        assert reset["now"] == "2026-05-20T12:00:00.000Z"
        assert http.get("/_sim/ledger").json()["entries"] == []
        assert http.get("/2/users/me", headers=_auth(rotated["access_token"])).status_code == 401
        assert http.get("/2/users/me", headers=_auth(ROTATING)).status_code == 200
    saved = json.loads(state.read_text("utf-8"))  # written at shutdown: the reset world
    assert saved["clock"] == "2026-05-20T12:00:00.000Z"
    assert saved["ledger"] == [["2026-05-20T12:00:00.000Z", "app-basic", ALICE, "users_me",
                                [["u", ALICE]]]]  # the one read after the reset  # fmt: skip


def test_a_state_file_that_does_not_fit_is_one_line_and_exit_2(tmp_path: Path) -> None:
    world, state = _world_file(tmp_path), tmp_path / "state.json"
    state.write_text('{"xsim_state": 1, "ledger": [["2026-05-20T12:00:00Z", "nope", null, '
                     '"tweets", [["p", "2000"]]]]}')  # fmt: skip
    src = str(Path(xsim.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-c", "from xsim.cli import main; main()", "serve", "--port", "0",
           "--world", str(world), "--state", str(state)]  # fmt: skip
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("xsim: error: ") and "nope" in last and "Traceback" not in done.stderr
