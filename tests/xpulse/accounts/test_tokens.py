"""The token lifecycle: atomic store, refresh ahead and on 401, rotation, locks, needs-sign-in."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import filelock
import httpx
import pytest
from xpulse_api_fakes import T0, FakeClock, TokenServerState, json_response

from xpulse.accounts.tokens import FileTokenStore, TokenRecord, refresh_lock
from xpulse.accounts.user_auth import UserTokenAuth
from xpulse.api.oauth2 import OAuthClient
from xpulse.errors import ClientRejected, NeedsSignIn, TokenBusy

HERE = Path(__file__).parent
SRC = HERE.parents[2] / "src"


def record(
    expires_in: float, *, access: str = "fake-access-0000", refresh: str = "fake-refresh-0000"
):
    return TokenRecord(
        account="main",
        access_token=access,
        refresh_token=refresh,
        expires_at=T0 + timedelta(seconds=expires_in),
        scopes=("tweet.read", "users.read", "offline.access"),
        user_id="2244994945",
        username="xdev",
        client_id="fake-client-id",
        updated_at=T0 + timedelta(seconds=expires_in) - timedelta(hours=2),  # 2 h tokens
    )


def test_file_store_is_private_atomic_and_round_trips(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens")
    rec = record(7200)
    store.save(rec)
    path = store.path("main")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.load("main") == rec
    assert [p.name for p in path.parent.iterdir()] == ["main.json"]  # no temp file left


def test_a_failed_write_keeps_the_previous_tokens(tmp_path: Path, monkeypatch) -> None:
    store = FileTokenStore(tmp_path / "tokens")
    store.save(record(7200))

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        store.save(record(7200, refresh="fake-refresh-9999"))
    monkeypatch.undo()
    assert store.load("main").refresh_token == "fake-refresh-0000"
    assert [p.name for p in (tmp_path / "tokens").iterdir()] == ["main.json"]


class FakeTokenEndpoint:
    """MockTransport handler of /2/oauth2/token with X's rotation."""

    def __init__(self, clock: FakeClock) -> None:
        self.state = TokenServerState(live_refresh={"fake-refresh-0000"})
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        form = dict(httpx.QueryParams(request.content.decode()))
        if form.get("refresh_token") not in self.state.live_refresh:
            return json_response(400, {"error": "invalid_request", "error_description": "bad"})
        self.state.live_refresh.discard(form["refresh_token"])
        return json_response(200, self.state.issue())


def make_auth(tmp_path: Path, clock: FakeClock, endpoint: FakeTokenEndpoint, **kw):
    store = FileTokenStore(tmp_path / "tokens")
    http = httpx.Client(transport=httpx.MockTransport(endpoint))
    oauth = OAuthClient(http, "https://api.example.test", "fake-client-id", None, clock)
    auth = UserTokenAuth("main", store, oauth, refresh_lock("main"), clock=clock, **kw)
    return auth, store


def test_no_refresh_while_the_token_is_fresh(tmp_path: Path, clock: FakeClock) -> None:
    endpoint = FakeTokenEndpoint(clock)
    auth, store = make_auth(tmp_path, clock, endpoint)
    store.save(record(3600))
    assert auth.authorization() == "Bearer fake-access-0000"
    assert endpoint.calls == 0


def test_refresh_ahead_of_expiry_saves_the_new_pair_before_use(
    tmp_path: Path, clock: FakeClock
) -> None:
    endpoint = FakeTokenEndpoint(clock)
    seen_in_store: list[TokenRecord | None] = []
    auth, store = make_auth(
        tmp_path, clock, endpoint, after_save=lambda r: seen_in_store.append(store.load("main"))
    )
    store.save(record(240))  # 4 minutes left: inside the 5-minute margin
    header = auth.authorization()
    assert header == "Bearer fake-access-0001"
    assert endpoint.calls == 1
    # When the hook ran (before the header was handed out) the rotated pair was on disk.
    assert seen_in_store[0] is not None
    assert seen_in_store[0].refresh_token == "fake-refresh-0001"
    assert seen_in_store[0].access_token == "fake-access-0001"
    assert seen_in_store[0].expires_at == T0 + timedelta(seconds=7200)


def test_401_refreshes_once(tmp_path: Path, clock: FakeClock) -> None:
    endpoint = FakeTokenEndpoint(clock)
    auth, store = make_auth(tmp_path, clock, endpoint)
    store.save(record(3600))
    assert auth.after_unauthorized("Bearer fake-access-0000") is True
    assert auth.authorization() == "Bearer fake-access-0001"
    assert endpoint.calls == 1


def test_rejected_refresh_token_marks_needs_sign_in_once(tmp_path: Path, clock: FakeClock) -> None:
    endpoint = FakeTokenEndpoint(clock)
    auth, store = make_auth(tmp_path, clock, endpoint)
    store.save(record(-10, refresh="fake-refresh-revoked"))
    with pytest.raises(
        NeedsSignIn, match=r"'main' needs sign-in .*xpulse auth login --account main"
    ):
        auth.authorization()
    saved = store.load("main")
    assert saved.needs_sign_in and saved.refresh_token is None and saved.access_token is None
    # Persisted: a new process (a new auth object) fails at once, without calling X.
    again, _ = make_auth(tmp_path, clock, endpoint)
    with pytest.raises(NeedsSignIn):
        again.authorization()
    assert endpoint.calls == 1


def test_messages_never_carry_the_refresh_token(tmp_path: Path, clock: FakeClock) -> None:
    endpoint = FakeTokenEndpoint(clock)
    auth, store = make_auth(tmp_path, clock, endpoint)
    store.save(record(-10, refresh="fake-refresh-revoked"))
    with pytest.raises(NeedsSignIn) as info:
        auth.authorization()
    assert "fake-refresh" not in str(info.value)


# -- several processes --------------------------------------------------------------------


def _worker(base: str, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return subprocess.Popen(
        [sys.executable, str(HERE / "refresh_worker.py"), base, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _seed(state: TokenServerState, *, expires_in: float) -> FileTokenStore:
    """An expired-or-expiring token on disk whose refresh token the server knows."""
    from xpulse.clock import utc_now

    state.live_refresh.add("fake-refresh-0000")
    store = FileTokenStore()
    store.save(
        TokenRecord(
            account="main",
            access_token="fake-access-0000",
            refresh_token="fake-refresh-0000",
            expires_at=utc_now() + timedelta(seconds=expires_in),
        )
    )
    return store


def test_two_processes_refreshing_at_once_make_one_refresh_call(token_server) -> None:
    base, state = token_server
    state.refresh_delay = 0.3  # both workers are inside authorization() meanwhile
    store = _seed(state, expires_in=-5)
    workers = [_worker(base), _worker(base)]
    outputs = [w.communicate(timeout=30) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    assert state.refresh_calls == 1
    tokens = {out.strip() for out, _ in outputs}
    assert tokens == {"fake-access-0001"}
    assert store.load("main").refresh_token == "fake-refresh-0001"


def test_a_process_killed_right_after_refreshing_loses_nothing(token_server) -> None:
    base, state = token_server
    state.expires_in = 0  # already due: the next process must refresh again
    store = _seed(state, expires_in=-5)
    victim = _worker(base, "crash-after-save")
    victim.communicate(timeout=30)
    assert victim.returncode == -9  # SIGKILL, between saving the pair and using it
    assert state.refresh_calls == 1
    assert store.load("main").refresh_token == "fake-refresh-0001"  # X's only live one
    survivor = _worker(base)
    out, err = survivor.communicate(timeout=30)
    assert survivor.returncode == 0, err
    assert out.strip() == "fake-access-0002"
    assert state.refresh_calls == 2


def test_a_busy_token_lock_is_retryable_and_keeps_the_sign_in(
    tmp_path: Path, clock: FakeClock
) -> None:
    endpoint = FakeTokenEndpoint(clock)
    store = FileTokenStore(tmp_path / "tokens")
    http = httpx.Client(transport=httpx.MockTransport(endpoint))
    oauth = OAuthClient(http, "https://api.example.test", "fake-client-id", None, clock)
    impatient = filelock.FileLock(str(tmp_path / "main.lock"), timeout=0)
    auth = UserTokenAuth("main", store, oauth, impatient, clock=clock)
    store.save(record(-10))  # expired: the next call must refresh under the lock
    holder = filelock.FileLock(str(tmp_path / "main.lock"))  # "another process"
    with holder, pytest.raises(TokenBusy, match="try again") as caught:
        auth.authorization()
    assert not isinstance(caught.value, NeedsSignIn) and caught.value.retryable
    saved = store.load("main")
    assert saved is not None and not saved.needs_sign_in  # the sign-in is intact
    assert saved.refresh_token == "fake-refresh-0000" and endpoint.calls == 0
    # Once the lock is free the same object refreshes normally.
    assert auth.authorization() == "Bearer fake-access-0001"


class ClientCheckingEndpoint(FakeTokenEndpoint):
    """A token endpoint for a confidential app: no Basic header is X's 401 invalid_client."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if not request.headers.get("authorization", "").startswith("Basic "):
            self.calls += 1
            body = {
                "error": "invalid_client",
                "error_description": "Missing valid authorization header",
            }
            return json_response(401, body)
        return super().__call__(request)


def test_a_refused_client_is_a_config_error_and_keeps_the_sign_in(
    tmp_path: Path, clock: FakeClock
) -> None:
    endpoint = ClientCheckingEndpoint(clock)
    auth, store = make_auth(tmp_path, clock, endpoint)  # no client secret configured
    store.save(record(-10))
    with pytest.raises(ClientRejected, match=r"XPULSE_CLIENT_SECRET") as caught:
        auth.authorization()
    assert caught.value.exit_code == 2
    saved = store.load("main")
    assert not saved.needs_sign_in and saved.refresh_token == "fake-refresh-0000"
    # Once the secret is configured the same refresh token works: nothing was lost.
    http = httpx.Client(transport=httpx.MockTransport(endpoint))
    oauth = OAuthClient(http, "https://api.example.test", "fake-client-id", "fake-secret", clock)
    fixed = UserTokenAuth("main", store, oauth, refresh_lock("main"), clock=clock)
    assert fixed.authorization() == "Bearer fake-access-0001"
    assert store.load("main").refresh_token == "fake-refresh-0001"
