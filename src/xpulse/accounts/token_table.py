"""OAuth tokens kept in the store's PostgreSQL, for workers on several machines.

A token store on one machine's disk (or keyring) is not seen by another: after one
machine refreshes an account's token, X has rotated the refresh token, and the other
machine's copy is dead. Workers started with ``xpulse worker --shared-tokens`` keep every
account's record in this table instead; the refresh is serialised by a PostgreSQL advisory
lock (see :mod:`xpulse.jobs.worker`), and the rotated pair is committed (durably) before
the new access token is used, as the file store does with fsync and rename.

The record is the same JSON as the file store's; whoever can read this table can use the
tokens, like whoever can read the token folder.
"""

from __future__ import annotations

from sqlalchemy import Engine

from xpulse.accounts.tokens import TokenRecord
from xpulse.errors import ConfigError
from xpulse.store import shared_tokens


class DatabaseTokenStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        shared_tokens.ensure_table(engine)

    @property
    def where(self) -> str:
        return "the store's xpulse_tokens table"

    def load(self, account: str) -> TokenRecord | None:
        raw = shared_tokens.load_record(self.engine, account)
        if raw is None:
            return None
        try:
            return TokenRecord.from_json(raw)
        except (ValueError, TypeError, KeyError):
            raise ConfigError(
                f"the stored token of {account!r} is damaged; run: xpulse auth login --account "
                f"{account}, then xpulse workers import-tokens --account {account}"
            ) from None

    def save(self, record: TokenRecord) -> None:
        shared_tokens.save_record(self.engine, record.account, record.to_json())

    def delete(self, account: str) -> None:
        shared_tokens.delete_record(self.engine, account)
