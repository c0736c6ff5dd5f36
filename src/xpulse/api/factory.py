"""``open_client``: the one place that turns config and secrets into a ready XClient.

Where an account's credential comes from, first match wins:

* ``auth = "bearer"``: the app bearer token ``XPULSE_BEARER_TOKEN`` (public metrics only);
* ``XPULSE_REFRESH_TOKEN_<NAME>`` (CI, cron): seeds the token store, which then keeps the
  rotated tokens; the variable is read again only when its value changes;
* ``XPULSE_ACCESS_TOKEN_<NAME>`` alone: used as it is (no refresh possible);
* the token store, filled by ``xpulse auth login``.

``<NAME>`` is the account name in upper case with ``-`` as ``_``.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from datetime import timedelta

import httpx

from xpulse.api import redact
from xpulse.api.auth import BearerAuth, UserTokenAuth
from xpulse.api.client import XClient
from xpulse.api.errors import NeedsSignIn
from xpulse.api.oauth2 import OAuthClient
from xpulse.api.tokens import (
    TokenRecord,
    TokenStore,
    default_store,
    fingerprint,
    refresh_lock,
)
from xpulse.api.transport import ApiAuth, CallRecord, Clock, Sleep, utc_now
from xpulse.config import AccountConfig, Config
from xpulse.errors import ConfigError

BEARER_ENV = "XPULSE_BEARER_TOKEN"
CLIENT_SECRET_ENV = "XPULSE_CLIENT_SECRET"  # noqa: S105 - a variable name


def env_value(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    if value:
        redact.remember(value)
    return value or None


def access_env(account: AccountConfig) -> str:
    return f"XPULSE_ACCESS_TOKEN_{account.env_suffix}"


def refresh_env(account: AccountConfig) -> str:
    return f"XPULSE_REFRESH_TOKEN_{account.env_suffix}"


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
    """Put ``XPULSE_REFRESH_TOKEN_<NAME>`` in the store when it is new; the stored record."""
    refresh = env_value(refresh_env(account))
    current = store.load(account.name)
    if refresh is None:
        return current
    tag = fingerprint(refresh)
    if current is not None and current.seeded_from == tag:
        return current  # already seeded; the store holds the rotated descendants
    seeded = TokenRecord(
        account=account.name,
        access_token=env_value(access_env(account)),
        refresh_token=refresh,
        # Unknown expiry: treat the access token as expired so the first call refreshes.
        expires_at=clock() - timedelta(seconds=1),
        username=account.username,
        client_id=config.api.client_id,
        api_base=config.api_base(),
        seeded_from=tag,
        updated_at=clock(),
    )
    store.save(seeded)
    return seeded


def make_auth(
    config: Config,
    account: AccountConfig,
    http: httpx.Client,
    *,
    store: TokenStore | None = None,
    clock: Clock = utc_now,
) -> tuple[ApiAuth, str | None]:
    """The account's credential and, when known, its X user id."""
    if account.auth == "bearer":
        token = env_value(BEARER_ENV)
        if token is None:
            raise ConfigError(
                f"account {account.name!r} uses an app bearer token: set {BEARER_ENV}"
            )
        return BearerAuth(token, source=BEARER_ENV), None
    store = store or default_store()
    record = seed_from_env(config, account, store, clock)
    if record is None:
        access = env_value(access_env(account))
        if access is not None:
            return BearerAuth(access, source=access_env(account)), None
        raise NeedsSignIn(account.name, "not signed in")
    if record.needs_sign_in:
        raise NeedsSignIn(account.name, record.reason or "the sign-in was revoked")
    if record.api_base and record.api_base != config.api_base():
        raise NeedsSignIn(account.name, f"signed in at {record.api_base}, not {config.api_base()}")
    auth = UserTokenAuth(
        account.name,
        store,
        oauth_client(config, http, clock),
        refresh_lock(account.name),
        clock=clock,
    )
    return auth, record.user_id


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
) -> XClient:
    """An XClient for ``account``, authenticated as its config says (see the module doc).

    ``client.user_id`` is the account's X user id when sign-in stored it (else None: look
    it up once with ``get_me()`` and cache it). Raises NeedsSignIn or ConfigError, never
    with a secret in the message.
    """
    client = XClient(
        config.api_base(),
        None,
        transport=transport,
        clock=clock,
        sleep=sleep,
        rng=rng,
        timeout=config.api.timeout_seconds,
        max_retries=config.api.max_retries,
        on_call=on_call,
        owned=account.own and account.auth == "oauth2",
        fields_spelling=config.api.fields_spelling,
    )
    try:
        auth, user_id = make_auth(config, account, client.transport.http, store=store, clock=clock)
    except BaseException:
        client.close()
        raise
    client.transport.auth = auth
    client.user_id = user_id
    return client
