"""One "machine" refreshing an account's token (for the lock tests).

    python refresh_child.py BASE CLIENT_ID TOKEN_DIR DB_URL|- ACCOUNT

The token store is TOKEN_DIR (shared by every child, as a database- or network-backed
store would be); the file locks live under this process's own XPULSE_HOME, so they do
not reach the other children, just as they would not reach another machine. With a
DB_URL the refresh lock is PostgreSQL's. The refresh waits on the way (a slow
network) until the other child refreshes too (see SlowOAuth). Starts on a line on stdin;
prints the access token it ends up with, or the error.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import httpx

from xpulse.accounts import tokens
from xpulse.accounts.tokens import FileTokenStore, refresh_lock
from xpulse.accounts.user_auth import UserTokenAuth
from xpulse.api.oauth2 import OAuthClient, TokenResponse
from xpulse.clock import utc_now
from xpulse.errors import NeedsSignIn
from xpulse.store import open_store
from xpulse.store.pg_locks import AdvisoryLock, LockTimeout


class SlowOAuth(OAuthClient):
    """Before refreshing, waits (up to 3 s) until every child is refreshing too: without a
    shared lock they all are, with one the others wait for the lock instead."""

    def refresh(self, refresh_token: str) -> TokenResponse:
        barrier = Path(os.environ["BARRIER_DIR"])
        (barrier / str(os.getpid())).touch()
        deadline = time.monotonic() + 3
        while len(list(barrier.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        return super().refresh(refresh_token)


def main() -> int:
    base, client_id, token_dir, db_url, account = sys.argv[1:6]
    if db_url != "-":
        engine = open_store(db_url)
        tokens.share_refresh_lock(
            lambda name, timeout: AdvisoryLock(engine, f"token:{name}", timeout), LockTimeout
        )
    sys.stdin.readline()
    with httpx.Client() as http:
        oauth = SlowOAuth(http, base, client_id, os.environ.get("XPULSE_CLIENT_SECRET"), utc_now)
        store = FileTokenStore(Path(token_dir))
        auth = UserTokenAuth(account, store, oauth, refresh_lock(account), clock=utc_now)
        try:
            header = auth.authorization()
        except NeedsSignIn as exc:
            print(f"needs sign-in: {exc}")
            return 1
        answer = http.get(f"{base}/2/users/me", headers={"Authorization": header})
        answer.raise_for_status()
        print(header.removeprefix("Bearer "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
