"""Over real HTTP: uvicorn in a thread on a free loopback port."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from xsim_api_support import ALICE, ALICE_TOKEN, NOW, make_world

from xsim.cli import cli
from xsim.server.http import serve_in_thread
from xsim.v2.faults import parse_faults

AUTH = {"Authorization": f"Bearer {ALICE_TOKEN}"}


def test_timeline_over_http_with_recorded_headers() -> None:
    with serve_in_thread(make_world(), now=NOW) as base, httpx.Client(base_url=base) as client:
        r = client.get(f"/2/users/{ALICE}/tweets", params={"max_results": 5}, headers=AUTH)
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/json; charset=utf-8"
        assert r.headers["x-rate-limit-limit"] == "1500"
        nxt = r.json()["meta"]["next_token"]
        page2 = client.get(
            f"/2/users/{ALICE}/tweets",
            params={"max_results": 5, "pagination_token": nxt},
            headers=AUTH,
        )
        assert page2.json()["meta"]["previous_token"]
        assert client.get("/2/users/me").status_code == 401


def test_dropped_connection_over_http() -> None:
    with (
        serve_in_thread(make_world(), now=NOW, faults=parse_faults("drop=1")) as base,
        httpx.Client(base_url=base) as client,
        pytest.raises(httpx.TransportError),
    ):
        client.get("/2/users/me", headers=AUTH)


def test_serve_refuses_a_bad_world_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "world.json"
    bad.write_text('{"apps": 3}')
    result = CliRunner().invoke(cli, ["serve", "--world", str(bad), "--port", "0"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "xsim: error:" in result.output
    assert "Traceback" not in result.output
    missing = CliRunner().invoke(cli, ["serve", "--world", str(tmp_path / "none.json")])
    assert missing.exit_code == 2


def test_serve_help_has_an_example() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0 and "Example:" in result.output
    bad_faults = CliRunner().invoke(cli, ["serve", "--world", "w.json", "--faults", "x=1"])
    assert bad_faults.exit_code == 2


def test_live_fixture_ledger_and_clock_over_http(live: tuple[str, object]) -> None:
    base, _sim = live
    with httpx.Client(base_url=base) as client:
        client.get("/2/tweets/2000", headers=AUTH)
        ledger = client.get("/_sim/ledger").json()
        assert ledger["totals"]["post_reads"] == 1
        assert ledger["totals"]["cost_usd"] == 0.005  # Bob's post read by Alice
        moved = client.post("/_sim/clock", json={"now": "2026-05-21T00:00:00Z"}).json()
        assert moved["now"] == "2026-05-21T00:00:00.000Z"


def test_xsim_serve_command_answers_over_http(tmp_path: Path) -> None:
    """The real command line: a world file, --now, a port; then a timeline over HTTP."""
    import os
    import socket
    import subprocess
    import sys
    import time

    import xsim
    from xsim.world.document import dump_world

    world = make_world()
    del world.posts["9999999999999999999"]  # a world file may not hold posts after its now
    for post in world.posts.values():
        if post.poll:  # the world file's schema has no voting_status (derived from time)
            post.poll.pop("voting_status", None)
    world_file = tmp_path / "world.json"
    dump_world(world, world_file)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    src = str(Path(xsim.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-c", "from xsim.cli import main; main()", "serve", "--port",
           str(port), "--world", str(world_file), "--now", "2026-05-20T12:00:00Z",
           "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:  # wait for start-up (a child process: no other way to know)
            try:
                r = httpx.get(f"{base}/2/users/{ALICE}/tweets", headers=AUTH, timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "xsim serve did not start"
                time.sleep(0.05)
        assert r.status_code == 200 and r.json()["meta"]["result_count"] == 10
        assert httpx.get(f"{base}/_sim/clock").json()["now"] == "2026-05-20T12:00:00.000Z"
    finally:
        proc.terminate()
        proc.wait(10)
        banner = proc.stderr.read().decode() if proc.stderr else ""
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    # The banner tells a user what to sign in with, and never a secret.
    for app in world.apps.values():
        assert f"client id {app.client_id}" in banner
        for secret in [app.client_secret, *app.bearer_tokens]:
            assert not secret or secret not in banner
    assert all(f"@{user.username}" in banner for user in world.users.values())
