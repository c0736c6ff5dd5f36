"""An account's user-context credentials for API calls, kept with the token store.

:class:`UserTokenAuth` keeps an account's OAuth 2.0 token fresh:

* it refreshes ahead of expiry (``REFRESH_MARGIN`` before), and once after a 401;
* one process refreshes at a time (a file lock per account); the others wait, re-read
  the store and use the token the winner saved;
* the rotated pair is saved (atomically) before the new access token is used, so a
  process killed right after a refresh leaves the new refresh token behind;
* a refresh token X rejects marks the account "needs sign-in" in the store and raises
  :class:`NeedsSignIn`; every later call fails the same way at once, with no network
  traffic, until ``xpulse auth login`` succeeds. Never a loop;
* a lock held too long by another process raises :class:`TokenBusy` (retryable): the
  sign-in itself is fine.

:class:`EnvTokenAuth` is ``XPULSE_ACCESS_TOKEN_<NAME>``, with the stored sign-in behind it.
Both answer the transport's :class:`~xpulse.api.transport.ApiAuth` protocol.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta

import filelock

from xpulse.accounts.tokens import TokenRecord, TokenStore, refresh_lock
from xpulse.api import redact
from xpulse.api.oauth2 import OAuthClient
from xpulse.clock import Clock
from xpulse.errors import GrantRejected, NeedsSignIn, TokenBusy

REFRESH_MARGIN = timedelta(minutes=5)
log = logging.getLogger("xpulse.api")


class EnvTokenAuth:
    """``XPULSE_ACCESS_TOKEN_<NAME>``, used first; the stored sign-in once X refuses it.

    A refused token is remembered by fingerprint in the account's record, so later runs
    skip it (and ``auth status`` says so) until the variable holds another value.
    """

    def __init__(
        self,
        account: str,
        token: str,
        variable: str,
        store: TokenStore,
        *,
        fallback: UserTokenAuth | None,
        clock: Clock,
    ) -> None:
        redact.remember(token)
        self.account = account
        self.source = variable
        self._token = token
        self._store = store
        self._fallback = fallback
        self._clock = clock
        self._refused = False
        self._mutex = threading.Lock()

    def authorization(self) -> str:
        with self._mutex:
            refused = self._refused
        if refused and self._fallback is not None:
            return self._fallback.authorization()
        return f"Bearer {self._token}"

    def after_unauthorized(self, sent: str) -> bool:
        with self._mutex:
            if sent.removeprefix("Bearer ").strip() == self._token and not self._refused:
                self._refused = True
                self._remember_refused()
                if self._fallback is None:
                    return False
                log.warning(
                    "account %s: X refused %s; using the stored sign-in", self.account, self.source
                )
                return True
        if self._fallback is None:
            return False
        return self._fallback.after_unauthorized(sent)

    def _remember_refused(self) -> None:
        now = self._clock()
        with refresh_lock(self.account):
            record = self._store.load(self.account)
            if record is None:  # nothing stored: a record that only says what went wrong
                record = TokenRecord(
                    self.account,
                    None,
                    None,
                    None,
                    needs_sign_in=True,
                    reason=f"X refused {self.source} (expired or revoked)",
                    updated_at=now,
                )
            self._store.save(record.with_rejected_access(self._token, now))

    def unauthorized_fix(self) -> str:
        if self._fallback is not None:
            return self._fallback.unauthorized_fix()
        return (
            f"X refused {self.source} (expired or revoked); set a fresh one, or unset it and "
            f"run: xpulse auth login --account {self.account}"
        )


class UserTokenAuth:
    """An account's OAuth 2.0 user token, refreshed as needed (thread- and process-safe)."""

    def __init__(
        self,
        account: str,
        store: TokenStore,
        oauth: OAuthClient,
        lock: AbstractContextManager[object],
        *,
        clock: Clock,
        margin: timedelta = REFRESH_MARGIN,
        after_save: Callable[[TokenRecord], None] | None = None,
    ) -> None:
        self.account = account
        self.store = store
        self.oauth = oauth
        self.lock = lock
        self.clock = clock
        self.margin = margin
        # Test hook: runs after the new pair is saved and before it is used.
        self.after_save = after_save
        self._mutex = threading.Lock()
        self._record: TokenRecord | None = None

    def record(self) -> TokenRecord:
        """The current record (loaded on first use); NeedsSignIn when there is none."""
        if self._record is None:
            self._record = self._load()
        return self._record

    def _load(self) -> TokenRecord:
        record = self.store.load(self.account)
        if record is None:
            raise NeedsSignIn(self.account, "not signed in")
        if record.needs_sign_in:
            raise NeedsSignIn(self.account, record.reason or "the sign-in was revoked")
        return record

    def authorization(self) -> str:
        with self._mutex:
            record = self.record()
            if record.expiring(self.clock(), self._margin(record)):
                record = self._refresh(record.access_token)
            return f"Bearer {record.access_token}"

    def after_unauthorized(self, sent: str) -> bool:
        with self._mutex:
            stale = sent.removeprefix("Bearer ").strip()
            self._refresh(stale, forced=True)
            return True

    def unauthorized_fix(self) -> str:
        return (
            f"X refused account {self.account!r}'s token even after a refresh; "
            f"run: xpulse auth login --account {self.account}"
        )

    def _margin(self, record: TokenRecord) -> timedelta:
        """The refresh margin, at most half the token's lifetime (short-lived test tokens)."""
        if record.expires_at is None:
            return self.margin
        lifetime = record.expires_at - record.updated_at
        return max(timedelta(0), min(self.margin, lifetime / 2))

    def _refresh(self, stale: str | None, *, forced: bool = False) -> TokenRecord:
        """Refresh under the account's file lock, unless another process just did."""
        try:
            with self.lock:
                current = self._load()  # another process may have refreshed meanwhile
                fresh = not current.expiring(self.clock(), self._margin(current))
                if fresh and (current.access_token != stale or not forced):
                    # Another process refreshed meanwhile, or nothing is due after all.
                    self._record = current
                    return current
                return self._rotate(current)
        except filelock.Timeout:
            # The sign-in is intact: a busy lock is retryable, never "needs sign-in".
            raise TokenBusy(self.account) from None

    def _rotate(self, current: TokenRecord) -> TokenRecord:
        now = self.clock()
        if not current.refresh_token:
            dead = current.signed_out("the access token expired and there is no refresh token", now)
            self.store.save(dead)
            self._record = None
            raise NeedsSignIn(self.account, dead.reason)
        try:
            issued = self.oauth.refresh(current.refresh_token)
        except GrantRejected as e:
            dead = current.signed_out(f"X rejected the refresh token: {e.error}", now)
            self.store.save(dead)
            self._record = None
            raise NeedsSignIn(self.account, dead.reason) from None
        updated = current.with_tokens(
            issued.access_token, issued.refresh_token, issued.expires_at, issued.scopes, now
        )
        self.store.save(updated)  # before the new access token is ever sent
        if self.after_save is not None:
            self.after_save(updated)
        self._record = updated
        return updated
