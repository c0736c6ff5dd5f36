"""The credential order of an OAuth 2.0 account, for every stored/env/expired/refused mix.

A fake X (MockTransport) knows which access tokens are live and which refresh tokens are
unspent; each case builds a store and an environment, makes one ``/2/users/me`` call per
run, and checks which token X saw or which error (with its fixing command) came out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from xpulse_api_fakes import T0, FakeClock, json_response

from xpulse.accounts import signin
from xpulse.accounts.clients import open_client
from xpulse.accounts.tokens import FileTokenStore, TokenRecord, fingerprint
from xpulse.config.settings import parse_config
from xpulse.errors import NeedsSignIn, Unauthorized

BASE = "https://api.example.test"
ACCOUNT = "brand-main"
ACCESS_VAR = "XPULSE_ACCESS_TOKEN_BRAND_MAIN"
REFRESH_VAR = "XPULSE_REFRESH_TOKEN_BRAND_MAIN"
LOGIN = f"run: xpulse auth login --account {ACCOUNT}"


@dataclass
class FakeX:
    """Live access tokens and unspent refresh tokens; refresh rotates both."""

    access: set[str] = field(default_factory=set)
    refresh: set[str] = field(default_factory=set)
    issued: int = 0
    seen: list[str] = field(default_factory=list)  # access tokens sent to /2/users/me
    refreshes: int = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/2/oauth2/token":
            self.refreshes += 1
            form = dict(httpx.QueryParams(request.content.decode()))
            if form.get("refresh_token") not in self.refresh:
                return json_response(400, {"error": "invalid_grant"})
            self.refresh.discard(form["refresh_token"])
            self.issued += 1
            pair = (f"fake-issued-access-{self.issued}", f"fake-issued-refresh-{self.issued}")
            self.access.add(pair[0])
            self.refresh.add(pair[1])
            body: dict[str, Any] = {
                "access_token": pair[0],
                "refresh_token": pair[1],
                "expires_in": 7200,
                "scope": "tweet.read users.read offline.access",
            }
            return json_response(200, body)
        token = request.headers["authorization"].removeprefix("Bearer ")
        self.seen.append(token)
        if token not in self.access:
            return json_response(401, {"title": "Unauthorized", "status": 401})
        return json_response(200, {"data": {"id": "2244994945", "username": "xdev"}})


def _config(tmp_path: Path):
    return parse_config(
        {
            "api": {"base_url": BASE, "client_id": "fake-client-id"},
            "accounts": [{"name": ACCOUNT, "username": "xdev"}],
        },
        tmp_path / "config.toml",
    )


def _stored(kind: str, x: FakeX, clock: FakeClock) -> None:
    """Put a record of ``kind`` in the store (and make X agree with it)."""
    if kind == "none":
        return
    expires = T0 + timedelta(hours=2)
    access, refresh = "fake-stored-access", "fake-stored-refresh"
    if kind in ("valid", "expired"):
        x.access.add(access)
        x.refresh.add(refresh)
    if kind == "expired":
        expires = T0 - timedelta(minutes=1)
        x.access.discard(access)
    record = TokenRecord(
        ACCOUNT, access, refresh, expires, api_base=BASE, client_id="fake-client-id",
        updated_at=T0 - timedelta(minutes=30),
    )  # fmt: skip
    if kind == "needs":
        record = record.signed_out("X rejected the refresh token: invalid_grant", clock())
    if kind == "elsewhere":
        x.access.add(access)
        record = TokenRecord(
            ACCOUNT, access, refresh, expires, api_base="http://127.0.0.1:9", updated_at=T0
        )
    FileTokenStore().save(record)


def _env(monkeypatch, x: FakeX, access: str, refresh: str) -> None:
    if access == "valid":
        x.access.add("fake-env-access")
    if access != "none":
        monkeypatch.setenv(ACCESS_VAR, "fake-env-access")
    if refresh == "new-valid":
        x.refresh.add("fake-env-refresh")
    if refresh != "none":
        monkeypatch.setenv(REFRESH_VAR, "fake-env-refresh")


def _call(tmp_path: Path, x: FakeX, clock: FakeClock) -> str:
    """One run: the access token /2/users/me accepted."""
    cfg = _config(tmp_path)
    transport = httpx.MockTransport(x)
    with open_client(cfg, cfg.accounts[0], transport=transport, clock=clock) as client:
        client.get_me()
    return x.seen[-1]


OK = "ok"
CASES = [
    # stored, env access, env refresh, expected token or (error, text), usable per status
    ("none", "none", "none", (NeedsSignIn, f"not signed in); {LOGIN}"), False),
    ("none", "valid", "none", "fake-env-access", True),
    ("none", "refused", "none", (Unauthorized, f"X refused {ACCESS_VAR}"), True),
    ("valid", "none", "none", "fake-stored-access", True),
    ("valid", "valid", "none", "fake-env-access", True),  # env first, as documented
    ("valid", "refused", "none", "fake-stored-access", True),  # the store takes over
    ("expired", "none", "none", "fake-issued-access-1", True),
    ("expired", "refused", "none", "fake-issued-access-1", True),
    ("dead", "none", "none", (NeedsSignIn, "X rejected the refresh token"), True),
    ("needs", "none", "none", (NeedsSignIn, f"invalid_grant); {LOGIN}"), False),
    ("needs", "valid", "none", "fake-env-access", True),
    ("elsewhere", "none", "none", (NeedsSignIn, "signed in at http://127.0.0.1:9"), False),
    ("none", "none", "new-valid", "fake-issued-access-1", True),
    ("none", "none", "new-refused", (NeedsSignIn, "X rejected the refresh token"), True),
    ("none", "valid", "new-refused", "fake-env-access", True),
    ("valid", "none", "new-valid", "fake-issued-access-1", True),  # a changed env token wins
    ("needs", "none", "new-valid", "fake-issued-access-1", True),  # ... and is a way out
]


@pytest.mark.parametrize(("stored", "env_access", "env_refresh", "expected", "usable"), CASES)
def test_each_combination_uses_the_documented_credential(
    stored: str,
    env_access: str,
    env_refresh: str,
    expected: object,
    usable: bool,
    tmp_path: Path,
    monkeypatch,
) -> None:
    clock = FakeClock()
    x = FakeX()
    _stored(stored, x, clock)
    _env(monkeypatch, x, env_access, env_refresh)
    cfg = _config(tmp_path)
    # status (no API call) agrees with what a call will meet
    assert signin.status(cfg, cfg.accounts[0], clock=clock).usable is usable
    if isinstance(expected, str):
        assert _call(tmp_path, x, clock) == expected
        return
    error, text = expected  # type: ignore[misc]
    with pytest.raises(error) as caught:
        _call(tmp_path, x, clock)
    assert text in str(caught.value)
    assert "fake-" not in str(caught.value)  # no token in a message
    assert "xpulse auth login" in str(caught.value) or "set a fresh one" in str(caught.value)


def test_a_refused_env_access_token_is_skipped_until_it_changes(
    tmp_path: Path, monkeypatch
) -> None:
    clock = FakeClock()
    x = FakeX()
    _stored("valid", x, clock)
    _env(monkeypatch, x, "refused", "none")
    assert _call(tmp_path, x, clock) == "fake-stored-access"
    assert x.seen == ["fake-env-access", "fake-stored-access"]
    assert _call(tmp_path, x, clock) == "fake-stored-access"
    assert x.seen[2:] == ["fake-stored-access"]  # no second try of the refused token
    cfg = _config(tmp_path)
    st = signin.status(cfg, cfg.accounts[0], clock=clock)
    assert st.state == "signed in" and f"{ACCESS_VAR} is set but X refused it" in st.source
    monkeypatch.setenv(ACCESS_VAR, "fake-env-access-2")  # a new value is tried again
    x.access.add("fake-env-access-2")
    assert _call(tmp_path, x, clock) == "fake-env-access-2"


def test_a_refused_env_access_token_alone_then_needs_sign_in_without_a_call(
    tmp_path: Path, monkeypatch
) -> None:
    clock = FakeClock()
    x = FakeX()
    _env(monkeypatch, x, "refused", "none")
    with pytest.raises(Unauthorized, match="set a fresh one, or unset it and run: xpulse"):
        _call(tmp_path, x, clock)
    calls = len(x.seen)
    with pytest.raises(NeedsSignIn, match=f"X refused {ACCESS_VAR}.*or set a new {ACCESS_VAR}"):
        _call(tmp_path, x, clock)
    assert len(x.seen) == calls
    cfg = _config(tmp_path)
    st = signin.status(cfg, cfg.accounts[0], clock=clock)
    assert (st.state, st.usable) == ("needs sign-in", False)


def test_env_access_token_is_named_in_status(tmp_path: Path, monkeypatch) -> None:
    clock = FakeClock()
    x = FakeX()
    _stored("valid", x, clock)
    _env(monkeypatch, x, "valid", "none")
    cfg = _config(tmp_path)
    st = signin.status(cfg, cfg.accounts[0], clock=clock)
    assert st.state == "env token"
    assert st.source.startswith(f"{ACCESS_VAR} (from env, used first; the stored sign-in")


def test_a_cron_env_keeping_an_old_refresh_token_cannot_undo_a_sign_in(
    tmp_path: Path, monkeypatch
) -> None:
    """cron seeds from the env, rotates; the user signs in again; cron still has the old
    value: the sign-in is what cron uses, and no refresh is spent on the dead token."""
    clock = FakeClock()
    x = FakeX()
    _env(monkeypatch, x, "none", "new-valid")
    assert _call(tmp_path, x, clock) == "fake-issued-access-1"  # seeded, rotated
    # An explicit sign-in (its record as signin.login saves it).
    x.access.add("fake-login-access")
    x.refresh.add("fake-login-refresh")
    store = FileTokenStore()
    login = TokenRecord(
        ACCOUNT, "fake-login-access", "fake-login-refresh", clock() + timedelta(hours=2),
        api_base=BASE, client_id="fake-client-id", updated_at=clock(),
    ).carry_history(store.load(ACCOUNT))  # fmt: skip
    store.save(login)
    refreshes = x.refreshes
    assert _call(tmp_path, x, clock) == "fake-login-access"
    assert x.refreshes == refreshes
    # A copy of a token the store already spent is not new either.
    monkeypatch.setenv(REFRESH_VAR, "fake-issued-refresh-1")
    assert _call(tmp_path, x, clock) == "fake-login-access"
    # A changed value seeds once.
    x.refresh.add("fake-env-refresh-2")
    monkeypatch.setenv(REFRESH_VAR, "fake-env-refresh-2")
    assert _call(tmp_path, x, clock) == f"fake-issued-access-{x.issued}"
    text = store.path(ACCOUNT).read_text()
    assert "fake-env-refresh" not in text and fingerprint("fake-env-refresh") in text
