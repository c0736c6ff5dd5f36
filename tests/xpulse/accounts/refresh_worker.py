"""A separate xpulse process that refreshes the token of account "main" (for the tests).

Usage: python refresh_worker.py BASE_URL [crash-after-save]
Prints the access token it ends up with, after using it once on /2/users/me.
"""

from __future__ import annotations

import os
import signal
import sys

import httpx

from xpulse.accounts.tokens import FileTokenStore, TokenRecord, refresh_lock
from xpulse.accounts.user_auth import UserTokenAuth
from xpulse.api.oauth2 import OAuthClient
from xpulse.clock import utc_now


def crash(record: TokenRecord) -> None:
    os.kill(os.getpid(), signal.SIGKILL)  # dies between saving the pair and using it


def main() -> None:
    base = sys.argv[1]
    hook = crash if sys.argv[2:] == ["crash-after-save"] else None
    with httpx.Client(base_url=base) as http:
        oauth = OAuthClient(http, base, "fake-client-id", None, utc_now)
        auth = UserTokenAuth(
            "main", FileTokenStore(), oauth, refresh_lock("main"), clock=utc_now, after_save=hook
        )
        header = auth.authorization()
        answer = http.get("/2/users/me", headers={"Authorization": header})
        answer.raise_for_status()
        print(header.removeprefix("Bearer "))


if __name__ == "__main__":
    main()
