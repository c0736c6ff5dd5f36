"""``open_client``: the one place that turns config and secrets into a ready XClient.

Where an account's credential comes from (docs/credentials.md has the full table):

* ``auth = "bearer"``: the app bearer token ``XPULSE_BEARER_TOKEN`` (public metrics only);
* ``XPULSE_ACCESS_TOKEN_<NAME>``, when set, is used first, as it is. When X refuses it,
  its fingerprint is remembered (the variable is skipped until it changes) and the stored
  sign-in takes over, if there is one;
* ``XPULSE_REFRESH_TOKEN_<NAME>`` seeds the token store once, when its value is new: one
  this account has never held. An unchanged variable is never read again, so a later
  ``xpulse auth login`` wins over a cron job that still carries the old value;
* the token store, filled by ``xpulse auth login`` and kept fresh by refreshing.

``<NAME>`` is the account name in upper case with ``-`` as ``_``.
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable

import httpx

from xpulse.accounts.tokens import TokenRecord, TokenStore, default_store, refresh_lock
from xpulse.accounts.user_auth import EnvTokenAuth, UserTokenAuth
from xpulse.api import redact
from xpulse.api.auth import BearerAuth
from xpulse.api.client import XClient
from xpulse.api.oauth2 import OAuthClient
from xpulse.api.ratelimit import SharedWindows
from xpulse.api.transport import ApiAuth, CallRecord, http_client
from xpulse.clock import Clock, Sleep, utc_now
from xpulse.config import env
from xpulse.config.settings import AccountConfig, Config
from xpulse.errors import ConfigError, NeedsSignIn

BEARER_ENV = env.BEARER_TOKEN.name
CLIENT_SECRET_ENV = env.CLIENT_SECRET.name
log = logging.getLogger("xpulse.api")


def env_value(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    if value:
        redact.remember(value)
    return value or None


def access_env(account: AccountConfig) -> str:
    return env.ACCESS_TOKEN.for_account(account.env_suffix)


def refresh_env(account: AccountConfig) -> str:
    return env.REFRESH_TOKEN.for_account(account.env_suffix)


def oauth_client(config: Config, http: httpx.Client, clock: Clock) -> OAuthClient:
    if not config.api.client_id:
        raise ConfigError(
            f"{config.path}: api.client_id is empty; set it (xpulse init --client-id)"
        )
    return OAuthClient(
        http, config.api_base(), config.api.client_id, env_value(CLIENT_SECRET_ENV), clock
    )


def seed_from_env(
    config: Config, account: AccountConfig, store: TokenStore, clock: Clock
) -> TokenRecord | None:
    """Put ``XPULSE_REFRESH_TOKEN_<NAME>`` in the store when it is new; the stored record.

    New means a token this account has never held: not the one it was seeded with before,
    not one a sign-in or a refresh put there. Only then does it replace the store.

    No lock is taken: a refresh racing this write and saving over it leaves a record that
    does not know the env token, so the next run seeds it again; nothing is lost."""
    refresh = env_value(refresh_env(account))
    current = store.load(account.name)
    if refresh is None or (current is not None and current.knows_refresh(refresh)):
        return current
    seeded = TokenRecord(
        account=account.name,
        access_token=None,  # the first call refreshes
        refresh_token=refresh,
        expires_at=None,
        username=account.username,
        client_id=config.api.client_id,
        api_base=config.api_base(),
        updated_at=clock(),
    ).carry_history(current)
    store.save(seeded)
    log.info("account %s: seeded the token store from %s", account.name, refresh_env(account))
    return seeded


def stored_problem(config: Config, record: TokenRecord | None) -> str | None:
    """Why the stored sign-in cannot be used, or None when it can."""
    if record is None:
        return "not signed in"
    if record.needs_sign_in:
        return record.reason or "the sign-in was revoked"
    if record.api_base and record.api_base != config.api_base():
        return f"signed in at {record.api_base}, not {config.api_base()}"
    if not record.access_token and not record.refresh_token:
        return "no token stored"
    return None


def make_auth(
    config: Config,
    account: AccountConfig,
    http: httpx.Client,
    *,
    store: TokenStore | None = None,
    clock: Clock = utc_now,
) -> tuple[ApiAuth, str | None]:
    """The account's credential and, when known, its X user id (order: module doc)."""
    if account.auth == "bearer":
        token = env_value(BEARER_ENV)
        if token is None:
            raise ConfigError(
                f"account {account.name!r} uses an app bearer token: set {BEARER_ENV}"
            )
        return BearerAuth(token, source=BEARER_ENV, fix=f"set a valid {BEARER_ENV}"), None
    store = store or default_store()
    record = seed_from_env(config, account, store, clock)
    problem = stored_problem(config, record)
    stored: UserTokenAuth | None = None
    if problem is None:
        stored = UserTokenAuth(
            account.name,
            store,
            oauth_client(config, http, clock),
            refresh_lock(account.name),
            clock=clock,
        )
    user_id = record.user_id if record is not None else None
    access = env_value(access_env(account))
    if access is not None and not (record is not None and record.rejected(access)):
        env_auth = EnvTokenAuth(
            account.name, access, access_env(account), store, fallback=stored, clock=clock
        )
        return env_auth, user_id
    if stored is None:
        raise NeedsSignIn(account.name, problem or "not signed in", env=env_hint(account, access))
    return stored, user_id


def env_hint(account: AccountConfig, access: str | None) -> str | None:
    """The variable to replace as the other way out, when the env is where tokens come from."""
    if access is not None:
        return access_env(account)
    if env_value(refresh_env(account)) is not None:
        return refresh_env(account)
    return None


def open_client(
    config: Config,
    account: AccountConfig,
    *,
    on_call: Callable[[CallRecord], None] | None = None,
    transport: httpx.BaseTransport | None = None,
    clock: Clock = utc_now,
    sleep: Sleep = time.sleep,
    rng: random.Random | None = None,
    store: TokenStore | None = None,
    shared_windows: SharedWindows | None = None,
) -> XClient:
    """An XClient for ``account``, authenticated as its config says (see the module doc).

    ``shared_windows``: the token's rate-limit windows as other processes see them (the
    workers pass the table they share), else the client keeps its own.

    ``client.user_id`` is the account's X user id when sign-in stored it (else None: look
    it up once with ``get_me()`` and cache it). Raises NeedsSignIn or ConfigError, never
    with a secret in the message.
    """
    # One httpx client for the account: its API calls and its token refreshes share it.
    http = http_client(config.api_base(), transport=transport, timeout=config.api.timeout_seconds)
    try:
        auth, user_id = make_auth(config, account, http, store=store, clock=clock)
        return XClient(
            config.api_base(),
            auth,
            http=http,
            clock=clock,
            sleep=sleep,
            rng=rng,
            max_retries=config.api.max_retries,
            on_call=on_call,
            owned=account.own and account.auth == "oauth2",
            fields_spelling=config.api.fields_spelling,
            user_id=user_id,
            shared_windows=shared_windows,
        )
    except BaseException:
        http.close()
        raise
