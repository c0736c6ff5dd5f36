"""Where an account's OAuth tokens live, and how they are written so none is ever lost.

X rotates refresh tokens: each refresh kills the old one. A refresh token received and
not saved is an account that must sign in again, so the record is written atomically
(temp file in the same directory, fsync, rename, fsync of the directory) at mode 0600
before the new access token is used. The OS keyring is used instead when a real backend
works (``XPULSE_TOKEN_STORE=keyring|file|auto``, default auto); the file is the fallback.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import filelock

from xpulse.api import redact
from xpulse.clock import utc_now
from xpulse.config.env import KEYRING_SERVICE, TOKEN_STORE
from xpulse.config.paths import state_dir
from xpulse.errors import ConfigError

KNOWN_LIMIT = 32  # fingerprints kept per account: far more than rotations between env edits
log = logging.getLogger("xpulse.api")


def fingerprint(secret: str) -> str:
    """A one-way tag of a secret, to notice that an env token changed without storing it."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:16]


def _remember(known: tuple[str, ...], *secrets: str | None) -> tuple[str, ...]:
    """``known`` with the fingerprints of ``secrets`` added (newest last, bounded)."""
    tags = [fingerprint(s) for s in secrets if s]
    kept = [t for t in known if t not in tags] + tags
    return tuple(kept[-KNOWN_LIMIT:])


@dataclass(frozen=True)
class TokenRecord:
    """An account's sign-in: tokens (secret) and what may be shown about them."""

    account: str
    access_token: str | None = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime | None
    scopes: tuple[str, ...] = ()
    user_id: str | None = None
    username: str | None = None
    client_id: str = ""
    api_base: str = ""
    needs_sign_in: bool = False
    reason: str = ""
    # Fingerprints of every refresh token this account has held or been given by the
    # environment: an env refresh token among them is old news and never seeds again, so a
    # cron job's stale variable cannot undo a later sign-in.
    known_refresh: tuple[str, ...] = ()
    # Fingerprints of env access tokens X refused: skipped until the variable changes.
    rejected_access: tuple[str, ...] = ()
    # the account's post count (public_metrics.tweet_count) and when it was read: the
    # sign-in's one user read returns it, and collect estimates a first sweep from it
    tweet_count: int | None = None
    tweet_count_at: str | None = None
    user_created_at: str | None = None  # the account's creation (ISO), from the same read
    updated_at: datetime = field(default_factory=utc_now)

    def __post_init__(self) -> None:
        if self.refresh_token:
            object.__setattr__(
                self, "known_refresh", _remember(self.known_refresh, self.refresh_token)
            )

    def knows_refresh(self, token: str) -> bool:
        return fingerprint(token) in self.known_refresh

    def rejected(self, access_token: str) -> bool:
        return fingerprint(access_token) in self.rejected_access

    def with_rejected_access(self, access_token: str, now: datetime) -> TokenRecord:
        tags = _remember(self.rejected_access, access_token)
        return replace(self, rejected_access=tags, updated_at=now)

    def carry_history(self, previous: TokenRecord | None) -> TokenRecord:
        """This (new) record, remembering the tokens ``previous`` knew."""
        if previous is None:
            return self
        known = _remember(previous.known_refresh, self.refresh_token)
        return replace(self, known_refresh=known, rejected_access=previous.rejected_access)

    def expiring(self, now: datetime, margin: timedelta) -> bool:
        """True when the access token is missing or expires within ``margin``."""
        if not self.access_token:
            return True
        return self.expires_at is not None and self.expires_at - now <= margin

    def with_tokens(
        self,
        access_token: str,
        refresh_token: str | None,
        expires_at: datetime | None,
        scopes: tuple[str, ...],
        now: datetime,
    ) -> TokenRecord:
        return replace(
            self,
            access_token=access_token,
            # X may omit a new refresh token; the old one then stays valid.
            refresh_token=refresh_token or self.refresh_token,
            expires_at=expires_at,
            scopes=scopes or self.scopes,
            needs_sign_in=False,
            reason="",
            updated_at=now,
        )

    def signed_out(self, reason: str, now: datetime) -> TokenRecord:
        """The record marked "needs sign-in": the dead tokens are dropped."""
        return replace(
            self,
            access_token=None,
            refresh_token=None,
            needs_sign_in=True,
            reason=reason,
            updated_at=now,
        )

    def to_json(self) -> str:
        data = asdict(self)
        for key in ("scopes", "known_refresh", "rejected_access"):
            data[key] = list(data[key])
        for key in ("expires_at", "updated_at"):
            value = data[key]
            data[key] = value.isoformat() if value else None
        return json.dumps(data, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> TokenRecord:
        data: dict[str, Any] = json.loads(raw)
        seeded = data.get("seeded_from")  # older files kept only the last seeded token
        known = set(cls.__dataclass_fields__)
        data = {k: v for k, v in data.items() if k in known}
        for key in ("scopes", "known_refresh", "rejected_access"):
            data[key] = tuple(data.get(key) or ())
        if seeded and seeded not in data["known_refresh"]:
            data["known_refresh"] = (seeded, *data["known_refresh"])
        for key in ("expires_at", "updated_at"):
            if data.get(key):
                data[key] = datetime.fromisoformat(data[key])
        if data.get("updated_at") is None:
            data.pop("updated_at", None)
        record = cls(**data)
        redact.remember(record.access_token, record.refresh_token)
        return record


class TokenStore(Protocol):
    def load(self, account: str) -> TokenRecord | None: ...
    def save(self, record: TokenRecord) -> None: ...
    def delete(self, account: str) -> None: ...

    @property
    def where(self) -> str: ...


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a directory
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class FileTokenStore:
    """One JSON file per account, mode 0600, replaced atomically."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or state_dir() / "tokens"

    @property
    def where(self) -> str:
        return str(self.directory)

    def path(self, account: str) -> Path:
        return self.directory / f"{account}.json"

    def load(self, account: str) -> TokenRecord | None:
        path = self.path(account)
        try:
            raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            return TokenRecord.from_json(raw)
        except (ValueError, TypeError, KeyError):
            raise ConfigError(
                f"{path}: token file is damaged; run: xpulse auth login --account {account}"
            ) from None

    def save(self, record: TokenRecord) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{record.account}.", suffix=".tmp")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(record.to_json())
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path(record.account))
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        _fsync_dir(self.directory)

    def delete(self, account: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(account).unlink()
        _fsync_dir(self.directory)


class KeyringTokenStore:
    """The OS keyring (one JSON entry per account), with the file as the fallback.

    A keyring can fail at any moment (locked, no session bus); a refreshed pair must still
    be saved, so a failed write goes to the file store instead, and reads look there too.
    """

    def __init__(self, fallback: FileTokenStore | None = None) -> None:
        import keyring

        self._keyring = keyring
        self.fallback = fallback or FileTokenStore()

    @property
    def where(self) -> str:
        return f"the OS keyring (service {KEYRING_SERVICE!r})"

    def load(self, account: str) -> TokenRecord | None:
        try:
            raw = self._keyring.get_password(KEYRING_SERVICE, account)
        except Exception as e:  # keyring backends raise their own error types
            log.warning("keyring read failed (%s); using %s", type(e).__name__, self.fallback.where)
            raw = None
        if raw is None:
            return self.fallback.load(account)
        return TokenRecord.from_json(raw)

    def save(self, record: TokenRecord) -> None:
        try:
            self._keyring.set_password(KEYRING_SERVICE, record.account, record.to_json())
        except Exception as e:
            log.warning(
                "keyring write failed (%s); saving to %s", type(e).__name__, self.fallback.where
            )
            self.fallback.save(record)
            return
        self.fallback.delete(record.account)  # an older copy there must not win later

    def delete(self, account: str) -> None:
        with contextlib.suppress(Exception):
            self._keyring.delete_password(KEYRING_SERVICE, account)
        self.fallback.delete(account)


def _keyring_works() -> bool:
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return False
    try:
        backend = keyring.get_keyring()
    except Exception:
        return False
    return not isinstance(backend, fail.Keyring) and float(getattr(backend, "priority", 0)) > 0


# Workers on several machines keep tokens in the database (``xpulse worker
# --shared-tokens``); unset, the store is this machine's.
_shared_store: list[TokenStore] = []


def share_token_store(store: TokenStore) -> None:
    """From now on, this process keeps every account's tokens in ``store``."""
    _shared_store[:] = [store]


def default_store() -> TokenStore:
    """The keyring when asked for or when a real one works (``auto``), else the file."""
    if _shared_store:
        return _shared_store[0]
    name = TOKEN_STORE.name
    choice = os.environ.get(name, "auto").strip().lower() or "auto"
    if choice not in ("auto", "file", "keyring"):
        raise ConfigError(f"{name}: {choice!r} is not auto, file or keyring")
    if choice == "file":
        return FileTokenStore()
    if _keyring_works():
        return KeyringTokenStore()
    if choice == "keyring":
        raise ConfigError(f"{name}=keyring but no OS keyring backend is available")
    return FileTokenStore()


# Workers on several machines install a lock every machine sees (a PostgreSQL advisory
# lock: see xpulse.jobs.worker); unset, the lock is a file of this machine.
RefreshLock = Callable[[str, float], AbstractContextManager[object]]
_shared_refresh_lock: tuple[RefreshLock, type[Exception]] | None = None


def share_refresh_lock(factory: RefreshLock, timeout_error: type[Exception]) -> None:
    """From now on, refreshes in this process take ``factory(account, timeout)``; it raises
    ``timeout_error`` when the lock stays held elsewhere."""
    global _shared_refresh_lock
    _shared_refresh_lock = (factory, timeout_error)


def refresh_lock(account: str, timeout: float = 120.0) -> AbstractContextManager[object]:
    """The inter-process lock held while an account's token is refreshed; a held lock past
    ``timeout`` raises ``filelock.Timeout``."""
    if _shared_refresh_lock is not None:
        factory, timeout_error = _shared_refresh_lock
        return _TimeoutAsFileLock(factory(account, timeout), timeout_error, account)
    directory = state_dir() / "locks"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return filelock.FileLock(str(directory / f"{account}.lock"), timeout=timeout)


class _TimeoutAsFileLock:
    """A shared lock whose timeout is reported as a file lock's, as callers expect."""

    def __init__(
        self, lock: AbstractContextManager[object], error: type[Exception], name: str
    ) -> None:
        self.lock, self.error, self.name = lock, error, name

    def __enter__(self) -> object:
        try:
            return self.lock.__enter__()
        except self.error:
            raise filelock.Timeout(self.name) from None

    def __exit__(self, *exc: object) -> None:
        self.lock.__exit__(*exc)  # type: ignore[arg-type]
