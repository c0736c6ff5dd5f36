"""Sign-in, sign-out and status of accounts: the library behind ``xpulse auth``.

``login`` runs the OAuth 2.0 code flow with PKCE: listen on the loopback callback, send
the user to the authorize URL, check ``state``, exchange the code, save the token pair at
once, then look up ``/2/users/me`` once and save the user id with it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

import httpx

from xpulse.api import oauth2
from xpulse.api.auth import BearerAuth
from xpulse.api.client import XClient
from xpulse.api.factory import (
    BEARER_ENV,
    access_env,
    env_value,
    oauth_client,
    refresh_env,
    seed_from_env,
)
from xpulse.api.loopback import CallbackListener
from xpulse.api.tokens import TokenRecord, TokenStore, default_store, refresh_lock
from xpulse.api.transport import Clock, Sleep, utc_now
from xpulse.config import AccountConfig, Config
from xpulse.errors import ConfigError, XpulseError


@dataclass(frozen=True)
class LoginResult:
    record: TokenRecord
    warning: str | None  # e.g. signed in as another user than the config names


def login(
    config: Config,
    account: AccountConfig,
    *,
    show_url: Callable[[str], None],
    open_browser: Callable[[str], bool] | None = None,
    transport: httpx.BaseTransport | None = None,
    store: TokenStore | None = None,
    clock: Clock = utc_now,
    sleep: Sleep = time.sleep,
    timeout: float = 300.0,
) -> LoginResult:
    """Sign ``account`` in through the browser; the saved record (never shown in full)."""
    if account.auth != "oauth2":
        raise ConfigError(
            f"account {account.name!r} uses an app bearer token ({BEARER_ENV}); nothing to sign in"
        )
    store = store or default_store()
    api_base = config.api_base()
    redirect = oauth2.redirect_uri(config.api.callback_port)
    with httpx.Client(transport=transport, timeout=config.api.timeout_seconds) as http:
        oauth = oauth_client(config, http, clock)
        # X ignores login_hint; xsim's auto-approve mode uses it to pick the user.
        hint = None if oauth2.is_real_api(api_base) else f"@{account.username}"
        with CallbackListener(config.api.callback_port) as listener:
            request = oauth2.start_authorization(
                config.api.client_id,
                oauth2.authorize_endpoint(api_base, config.api.authorize_url),
                redirect,
                login_hint=hint,
            )
            opened = open_browser(request.url) if open_browser is not None else False
            if not opened:
                show_url(request.url)
            code = listener.wait(request.state, timeout)
        issued = oauth.exchange_code(code, request.verifier, request.redirect_uri)
    now = clock()
    record = TokenRecord(
        account=account.name,
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_at=issued.expires_at,
        scopes=issued.scopes,
        username=account.username,
        client_id=config.api.client_id,
        api_base=api_base,
        updated_at=now,
    )
    with refresh_lock(account.name):
        store.save(record)  # first: the pair must survive whatever happens next
    me = _whoami(api_base, issued.access_token, config, transport, clock, sleep)
    metrics = me.get("public_metrics")
    count = metrics.get("tweet_count") if isinstance(metrics, dict) else None
    record = replace(
        record,
        user_id=str(me.get("id")),
        username=str(me.get("username")),
        tweet_count=count if isinstance(count, int) else None,
        tweet_count_at=now.isoformat() if isinstance(count, int) else None,
        user_created_at=str(me["created_at"]) if me.get("created_at") else None,
    )
    with refresh_lock(account.name):
        store.save(record)
    warning = None
    if str(me.get("username", "")).lower() != account.username.lower():
        warning = (
            f"signed in as @{me.get('username')}, but account {account.name!r} is "
            f"configured as @{account.username}"
        )
    return LoginResult(record, warning)


def _whoami(
    api_base: str,
    access_token: str,
    config: Config,
    transport: httpx.BaseTransport | None,
    clock: Clock,
    sleep: Sleep,
) -> dict[str, object]:
    auth = BearerAuth(access_token, source="the new sign-in")
    with XClient(
        api_base,
        auth,
        transport=transport,
        clock=clock,
        sleep=sleep,
        rng=random.Random(),  # jitter, not crypto
        timeout=config.api.timeout_seconds,
        max_retries=config.api.max_retries,
    ) as client:
        # public_metrics rides on the same (already billed) user read: the post count
        return client.get_me(("id", "username", "name", "created_at", "public_metrics"))


def logout(
    config: Config,
    account: AccountConfig,
    *,
    transport: httpx.BaseTransport | None = None,
    store: TokenStore | None = None,
    clock: Clock = utc_now,
) -> str:
    """Revoke the account's tokens at X (best effort) and forget them; what happened."""
    store = store or default_store()
    with refresh_lock(account.name):
        record = store.load(account.name)
        if record is None:
            return f"{account.name}: not signed in; nothing to forget"
        note = "revoked and forgotten"
        pairs = ((record.refresh_token, "refresh_token"), (record.access_token, "access_token"))
        tokens = [(token, hint) for token, hint in pairs if token]
        if tokens:
            try:
                with httpx.Client(transport=transport, timeout=config.api.timeout_seconds) as http:
                    oauth = oauth_client(config, http, clock)
                    # Revoking the refresh token ends the grant; X may then refuse the
                    # access token as unknown, which is the outcome wanted.
                    confirmed = [oauth.revoke(token, hint) for token, hint in tokens]
                if not confirmed[0]:
                    note = "forgotten locally; X did not confirm the revocation"
            except XpulseError as e:
                note = f"forgotten locally; X did not confirm the revocation ({e})"
        store.delete(account.name)
    return f"{account.name}: {note}"


@dataclass(frozen=True)
class AccountStatus:
    account: str
    username: str
    source: str  # where the credential comes from
    state: str  # "signed in", "refresh due", "needs sign-in", "not signed in", "env token"
    user_id: str | None
    scopes: tuple[str, ...]
    expires_at: datetime | None
    reason: str = ""


def status(
    config: Config,
    account: AccountConfig,
    *,
    store: TokenStore | None = None,
    cached_user_id: str | None = None,
    clock: Clock = utc_now,
) -> AccountStatus:
    """What is known about the account's sign-in; no secret is ever part of it.

    A refresh token in ``XPULSE_REFRESH_TOKEN_<NAME>`` is seeded into the store here, as
    the first API call would (so the answer is not "not signed in" while it is set).
    ``cached_user_id`` is the id a collect stored for the account, shown when the token
    record has none (env sign-ins never learn it from a login)."""
    base = {"account": account.name, "username": account.username}
    if account.auth == "bearer":
        state = "app bearer set" if env_value(BEARER_ENV) else f"{BEARER_ENV} not set"
        return AccountStatus(
            **base, source=BEARER_ENV, state=state, user_id=None, scopes=(), expires_at=None
        )
    store = store or default_store()
    record = seed_from_env(config, account, store, clock)
    if env_value(refresh_env(account)):
        source = f"{refresh_env(account)} (from env; rotated copies in {store.where})"
    elif record is None and env_value(access_env(account)):
        return AccountStatus(
            **base,
            source=f"{access_env(account)} (from env)",
            state="env token",
            user_id=cached_user_id,
            scopes=(),
            expires_at=None,
        )
    else:
        source = store.where
    if record is None:
        return AccountStatus(
            **base, source=source, state="not signed in", user_id=None, scopes=(), expires_at=None
        )
    if record.needs_sign_in:
        state = "needs sign-in"
    elif record.expires_at is not None and record.expires_at <= clock():
        state = "access token expired; refreshes on next use"
    else:
        state = "signed in"
    return AccountStatus(
        **base,
        source=source,
        state=state,
        user_id=record.user_id or cached_user_id,
        scopes=record.scopes,
        expires_at=record.expires_at,
        reason=record.reason,
    )
