"""Sign-in and the token lifecycle against xsim over real HTTP.

xsim runs in a thread with auto-approve, a fixed clock and short-lived tokens; the test
plays the browser by following the printed authorize URL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from xpulse_auth_world import (
    NOW,
    advance_xsim,
    approve_in_background,
    free_port,
    make_world,
    write_config,
)

from xpulse.accounts import signin
from xpulse.accounts.clients import open_client
from xpulse.accounts.tokens import FileTokenStore
from xpulse.cli import cli
from xpulse.config.settings import load_config
from xpulse.errors import NeedsSignIn

server = pytest.importorskip("xsim.server.http")

SRC = Path(__file__).resolve().parents[3] / "src"
LIFETIME = 5  # seconds: tokens expire within the test


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self):
        return self.now


@pytest.fixture
def xsim(isolated_env: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    with server.serve_in_thread(
        make_world(port), auto_approve=True, token_lifetime_seconds=LIFETIME, now=NOW
    ) as base:
        write_config(isolated_env, base, port)
        yield base, port


def _login(clock: Clock) -> signin.LoginResult:
    config = load_config()
    return signin.login(
        config,
        config.account("main"),
        show_url=approve_in_background,
        clock=clock,
        timeout=20,
    )


def test_cli_login_follows_the_printed_url_then_status_and_logout(
    xsim: tuple[str, int], isolated_env: Path
) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from xpulse.cli import main; main()", "auth", "login",
         "--no-browser", "--timeout", "20"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert url.startswith(f"{xsim[0]}/i/oauth2/authorize?")
    approve_in_background(url).join(20)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "main: signed in as @alice (user id 1001)" in out

    record = FileTokenStore().load("main")
    assert record is not None and record.user_id == "1001"
    status = CliRunner().invoke(cli, ["auth", "status"])
    assert status.exit_code == 0
    assert "main (@alice): signed in" in status.output
    assert "user id: 1001" in status.output
    scopes = next(line for line in status.output.splitlines() if "scopes:" in line)
    assert set(scopes.split()[1:]) == {"tweet.read", "users.read", "offline.access"}
    assert record.access_token not in status.output
    assert record.refresh_token is not None and record.refresh_token not in status.output

    logout = CliRunner().invoke(cli, ["auth", "logout"])
    assert logout.exit_code == 0 and "revoked and forgotten" in logout.output
    assert FileTokenStore().load("main") is None
    after = CliRunner().invoke(cli, ["auth", "status"])
    assert after.exit_code == 3  # an account that cannot be used is a failure
    assert "not signed in" in after.output
    assert "fix:     xpulse auth login --account main" in after.output


def test_refresh_ahead_of_expiry_and_once_on_401(
    xsim: tuple[str, int], request: pytest.FixtureRequest
) -> None:
    base, _ = xsim
    clock = Clock()
    first = _login(clock).record
    config = load_config()
    client = open_client(config, config.account("main"), clock=clock)
    request.addfinalizer(client.close)
    assert client.user_id == "1001"  # stored at sign-in: no /users/me needed
    assert client.get_me()["username"] == "alice"

    # Both clocks move past expiry: xpulse refreshes before calling.
    advance_xsim(base, LIFETIME + 1)
    clock.now += timedelta(seconds=LIFETIME + 1)
    assert client.get_me()["id"] == "1001"
    second = FileTokenStore().load("main")
    assert second is not None and second.refresh_token != first.refresh_token

    # Only xsim's clock moves: xpulse thinks the token is fresh, X says 401, one refresh.
    advance_xsim(base, LIFETIME + 1)
    assert client.get_me()["id"] == "1001"
    third = FileTokenStore().load("main")
    assert third is not None and third.refresh_token != second.refresh_token


def test_rejected_refresh_token_needs_sign_in_with_one_message(xsim: tuple[str, int]) -> None:
    base, _ = xsim
    clock = Clock()
    _login(clock)
    store = FileTokenStore()
    record = store.load("main")
    assert record is not None
    # Someone revoked the sign-in at X (another machine logged out, the user revoked the app).
    config = load_config()
    signin.logout(config, config.account("main"), store=_KeepStore(store))
    clock.now += timedelta(seconds=LIFETIME + 1)
    advance_xsim(base, LIFETIME + 1)
    with (
        open_client(config, config.account("main"), clock=clock) as client,
        pytest.raises(NeedsSignIn, match="xpulse auth login --account main"),
    ):
        client.get_me()
    with pytest.raises(NeedsSignIn):  # persisted: a new client stops at once
        open_client(config, config.account("main"), clock=clock)
    status = CliRunner().invoke(cli, ["auth", "status"])
    assert "needs sign-in" in status.output and "X rejected the refresh token" in status.output
    assert status.exit_code == 3
    assert "run: xpulse auth login --account main" in status.output


def test_a_cron_env_with_an_old_refresh_token_keeps_a_new_sign_in(
    xsim: tuple[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """cron was set up with a refresh token; it seeded the store and rotated. The user
    signs in again; cron's environment still holds the old value. The sign-in stands."""
    clock = Clock()
    store = FileTokenStore()
    old = _login(clock).record.refresh_token
    assert old is not None
    store.delete("main")
    monkeypatch.setenv("XPULSE_REFRESH_TOKEN_MAIN", old)  # the cron job's environment
    config = load_config()
    with open_client(config, config.account("main"), clock=clock) as client:
        assert client.get_me()["id"] == "1001"  # seeded, refreshed: ``old`` is now spent
    fresh = _login(clock).record  # the explicit sign-in, same environment
    with open_client(config, config.account("main"), clock=clock) as client:
        assert client.get_me()["id"] == "1001"
    kept = store.load("main")
    assert kept is not None and kept.refresh_token == fresh.refresh_token
    status = CliRunner().invoke(cli, ["auth", "status"])
    assert status.exit_code == 0, status.output  # usable (the status clock is the real one)


class _KeepStore(FileTokenStore):
    """Revokes at X but keeps the local copy, as if another machine had logged out."""

    def __init__(self, inner: FileTokenStore) -> None:
        super().__init__(inner.directory)

    def delete(self, account: str) -> None:
        pass
