"""Sign-in, sign-out and status of accounts: the library behind ``xpulse auth``.

``login`` first checks that the API answers (seconds, no token, nothing billed), then runs
the OAuth 2.0 code flow with PKCE: listen on the loopback callback (or, headless, take the
address the browser ended on, pasted back), send the user to the authorize URL, check
``state``, exchange the code with the PKCE verifier, save the token pair at once, then look
up ``/2/users/me`` once and save the user id with it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

import httpx

from xpulse.accounts.clients import (
    BEARER_ENV,
    access_env,
    env_hint,
    env_value,
    oauth_client,
    refresh_env,
    seed_from_env,
    stored_problem,
)
from xpulse.accounts.loopback import CallbackListener, code_from_pasted
from xpulse.accounts.tokens import TokenRecord, TokenStore, default_store, refresh_lock
from xpulse.api import oauth2
from xpulse.api.auth import BearerAuth
from xpulse.api.client import XClient
from xpulse.api.probe import check_api_base
from xpulse.clock import Clock, Sleep, utc_now
from xpulse.config.settings import AccountConfig, Config
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
    read_pasted: Callable[[], str] | None = None,
) -> LoginResult:
    """Sign ``account`` in through the browser; the saved record (never shown in full).

    With ``read_pasted`` (headless), no listener runs: the URL is shown and the address
    the browser ended on is read back from ``read_pasted``."""
    if account.auth != "oauth2":
        raise ConfigError(
            f"account {account.name!r} uses an app bearer token ({BEARER_ENV}); nothing to sign in"
        )
    store = store or default_store()
    api_base = config.api_base()
    redirect = oauth2.redirect_uri(config.api.callback_port)
    with httpx.Client(transport=transport, timeout=config.api.timeout_seconds) as http:
        oauth = oauth_client(config, http, clock)  # a config problem first, then the network
        check_api_base(api_base, timeout=min(config.api.timeout_seconds, 10.0), transport=transport)
        # X ignores login_hint; xsim's auto-approve mode uses it to pick the user.
        hint = None if oauth2.is_real_api(api_base) else f"@{account.username}"
        request = oauth2.start_authorization(
            config.api.client_id,
            oauth2.authorize_endpoint(api_base, config.api.authorize_url),
            redirect,
            login_hint=hint,
        )
        if read_pasted is not None:
            show_url(request.url)
            code = code_from_pasted(read_pasted(), request.redirect_uri, request.state)
        else:
            with CallbackListener(config.api.callback_port) as listener:
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
        # The env tokens this account already knew stay known: an unchanged variable in a
        # cron job must not undo this sign-in.
        record = record.carry_history(_previous(store, account.name))
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


def _previous(store: TokenStore, account: str) -> TokenRecord | None:
    try:
        return store.load(account)
    except ConfigError:
        return None  # a damaged record: the new sign-in replaces it


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
    state: str  # "signed in", "needs sign-in", "not signed in", "env token", ...
    user_id: str | None
    scopes: tuple[str, ...]
    expires_at: datetime | None
    reason: str = ""
    fix: str = ""  # the command (or variable) that makes the account usable; "" when it is

    @property
    def usable(self) -> bool:
        return not self.fix


def status(
    config: Config,
    account: AccountConfig,
    *,
    store: TokenStore | None = None,
    cached_user_id: str | None = None,
    clock: Clock = utc_now,
) -> AccountStatus:
    """What is known about the account's sign-in, in the order a call would use it
    (:mod:`xpulse.accounts.clients`); no secret is ever part of it. Makes no API call.

    A new ``XPULSE_REFRESH_TOKEN_<NAME>`` is seeded into the store here, as the first API
    call would. ``cached_user_id`` is the id a collect stored for the account, shown when
    the token record has none (env sign-ins never learn it from a login)."""
    base = {"account": account.name, "username": account.username}
    login = f"xpulse auth login --account {account.name}"
    if account.auth == "bearer":
        if env_value(BEARER_ENV):
            return AccountStatus(
                **base, source=BEARER_ENV, state="app bearer set", user_id=None, scopes=(),
                expires_at=None,
            )  # fmt: skip
        return AccountStatus(
            **base, source=BEARER_ENV, state=f"{BEARER_ENV} not set", user_id=None, scopes=(),
            expires_at=None, fix=f"set {BEARER_ENV} (the app's bearer token)",
        )  # fmt: skip
    store = store or default_store()
    record = seed_from_env(config, account, store, clock)
    problem = stored_problem(config, record)
    access = env_value(access_env(account))
    refresh_var = refresh_env(account)
    user_id = (record.user_id if record else None) or cached_user_id
    if access is not None and not (record is not None and record.rejected(access)):
        behind = "the stored sign-in takes over if X refuses it"
        if problem is not None:
            behind = f"no usable stored sign-in behind it: {problem}"
        return AccountStatus(
            **base,
            source=f"{access_env(account)} (from env, used first; {behind})",
            state="env token",
            user_id=user_id,
            scopes=record.scopes if record and problem is None else (),
            expires_at=None,
        )
    if env_value(refresh_var) and record is not None:
        source = f"{store.where} ({refresh_var} is set: each new value seeds it once)"
    else:
        source = store.where
    if access is not None:
        source += f"; {access_env(account)} is set but X refused it: unset or replace it"
    hint = env_hint(account, access)
    other = f", or set a new {hint}" if hint else ""
    if record is None:
        return AccountStatus(
            **base, source=source, state="not signed in", user_id=None, scopes=(),
            expires_at=None, fix=login + other,
        )  # fmt: skip
    if problem is not None:
        return AccountStatus(
            **base, source=source, state="needs sign-in", user_id=user_id, scopes=record.scopes,
            expires_at=record.expires_at, reason=problem, fix=login + other,
        )  # fmt: skip
    if not record.access_token:
        state = "signed in; the next call fetches an access token"
    elif record.expires_at is not None and record.expires_at <= clock():
        state = "access token expired; refreshes on next use"
    else:
        state = "signed in"
    return AccountStatus(
        **base,
        source=source,
        state=state,
        user_id=user_id,
        scopes=record.scopes,
        expires_at=record.expires_at,
    )
