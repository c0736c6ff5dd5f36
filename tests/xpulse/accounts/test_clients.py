"""open_client: where each account's credential comes from (bearer, env, store)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from xpulse_api_fakes import FakeClock, json_response

from xpulse.accounts.clients import open_client
from xpulse.accounts.tokens import FileTokenStore, KeyringTokenStore, default_store
from xpulse.accounts.user_auth import UserTokenAuth
from xpulse.api.auth import BearerAuth
from xpulse.config.settings import parse_config
from xpulse.errors import ConfigError, NeedsSignIn

ME = {"data": {"id": "2244994945", "username": "xdev"}}


def config(tmp_path: Path, auth: str = "oauth2"):
    return parse_config(
        {
            "api": {"base_url": "https://api.example.test", "client_id": "fake-client-id"},
            "accounts": [{"name": "brand-main", "username": "xdev", "auth": auth}],
        },
        tmp_path / "config.toml",
    )


def test_bearer_accounts_use_the_app_token(tmp_path: Path, monkeypatch) -> None:
    cfg = config(tmp_path, "bearer")
    with pytest.raises(ConfigError, match="set XPULSE_BEARER_TOKEN"):
        open_client(cfg, cfg.accounts[0])
    monkeypatch.setenv("XPULSE_BEARER_TOKEN", "fake-app-bearer-1234")
    seen: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: seen.append(r) or json_response(200, ME))
    with open_client(cfg, cfg.accounts[0], transport=transport) as client:
        assert isinstance(client.transport.auth, BearerAuth)
        assert not client.owned  # public metrics only
        client.get_user("2244994945")
    assert seen[0].headers["authorization"] == "Bearer fake-app-bearer-1234"


def test_no_token_anywhere_needs_sign_in(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    with pytest.raises(NeedsSignIn, match="'brand-main' needs sign-in"):
        open_client(cfg, cfg.accounts[0])


def test_env_access_token_alone_is_used_as_is(tmp_path: Path, monkeypatch) -> None:
    cfg = config(tmp_path)
    monkeypatch.setenv("XPULSE_ACCESS_TOKEN_BRAND_MAIN", "fake-ci-access-5678")
    with open_client(cfg, cfg.accounts[0]) as client:
        assert client.transport.auth.authorization() == "Bearer fake-ci-access-5678"


def test_env_refresh_token_seeds_the_store_once(
    tmp_path: Path, monkeypatch, clock: FakeClock
) -> None:
    cfg = config(tmp_path)
    monkeypatch.setenv("XPULSE_REFRESH_TOKEN_BRAND_MAIN", "fake-ci-refresh-0000")
    served = {"n": 0}

    def x(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/2/oauth2/token":
            served["n"] += 1
            return json_response(
                200,
                {
                    "access_token": f"fake-access-{served['n']}",
                    "refresh_token": f"fake-rotated-{served['n']}",
                    "expires_in": 7200,
                    "scope": "tweet.read users.read offline.access",
                },
            )
        return json_response(200, ME)

    transport = httpx.MockTransport(x)
    with open_client(cfg, cfg.accounts[0], transport=transport, clock=clock) as client:
        assert isinstance(client.transport.auth, UserTokenAuth)
        # The refresh goes out on the client's own connections, built before the client.
        assert client.transport.auth.oauth.http is client.transport.http
        client.get_me()
    assert client.transport.http.is_closed
    stored = FileTokenStore().load("brand-main")
    assert stored is not None and stored.refresh_token == "fake-rotated-1"
    text = FileTokenStore().path("brand-main").read_text()
    assert "fake-ci-refresh" not in text  # only a fingerprint of the env token is kept
    # The next cron run sees the same env value: the rotated token in the store is used.
    with open_client(cfg, cfg.accounts[0], transport=transport, clock=clock) as client:
        client.get_me()
    assert served["n"] == 1


def test_token_store_falls_back_to_the_file_without_a_keyring(monkeypatch) -> None:
    assert isinstance(default_store(), FileTokenStore)  # the fail backend here
    monkeypatch.setenv("XPULSE_TOKEN_STORE", "keyring")
    with pytest.raises(ConfigError, match="no OS keyring backend"):
        default_store()
    monkeypatch.setenv("XPULSE_TOKEN_STORE", "file")
    assert isinstance(default_store(), FileTokenStore)


def test_keyring_store_round_trips_with_a_working_backend(monkeypatch) -> None:
    keyring = pytest.importorskip("keyring")
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            self.data: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.data.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.data[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.data.pop((service, username), None)

    previous = keyring.get_keyring()
    keyring.set_keyring(Memory())
    try:
        store = default_store()
        assert isinstance(store, KeyringTokenStore)
        from xpulse_api_fakes import T0

        from xpulse.accounts.tokens import TokenRecord

        rec = TokenRecord("main", "fake-a", "fake-r", T0, updated_at=T0)
        store.save(rec)
        assert store.load("main") == rec
        store.delete("main")
        assert store.load("main") is None
    finally:
        keyring.set_keyring(previous)


def test_a_failing_keyring_write_still_saves_the_tokens(monkeypatch) -> None:
    keyring = pytest.importorskip("keyring")
    from keyring.backend import KeyringBackend
    from keyring.errors import KeyringLocked
    from xpulse_api_fakes import T0

    from xpulse.accounts.tokens import TokenRecord

    class Locked(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            return None

        def set_password(self, service: str, username: str, password: str) -> None:
            raise KeyringLocked("locked")

        def delete_password(self, service: str, username: str) -> None:
            pass

    previous = keyring.get_keyring()
    keyring.set_keyring(Locked())
    try:
        store = default_store()
        rec = TokenRecord("main", "fake-a", "fake-rotated-r", T0, updated_at=T0)
        store.save(rec)  # the rotated refresh token must not be lost
        assert store.load("main") == rec
        assert FileTokenStore().load("main") == rec
    finally:
        keyring.set_keyring(previous)
