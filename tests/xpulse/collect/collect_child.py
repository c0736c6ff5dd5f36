"""A collect run in its own process, for the kill-and-resume test.

    python collect_child.py URL DB_PATH NOW_ISO '[["token", "username"], ...]'

Runs the real runner with a fixed clock against xsim; the test SIGKILLs it mid-run.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime

from xpulse.api.client import XClient
from xpulse.collect.calllog import CallLog
from xpulse.collect.planner import AccountSpec
from xpulse.collect.runner import AccountJob, Runner
from xpulse.collect.schedule import slots
from xpulse.collect.source import XClientSource
from xpulse.store import open_store


class StaticAuth:
    def __init__(self, token: str) -> None:
        self.token = token

    def authorization(self) -> str:
        return f"Bearer {self.token}"

    def after_unauthorized(self, sent: str) -> bool:
        return False


def main() -> int:
    url, db, now_iso, accounts = sys.argv[1:5]
    now = datetime.fromisoformat(now_iso)
    engine = open_store(f"sqlite:///{db}")
    jobs = []
    for token, username in json.loads(accounts):
        log = CallLog()
        client = XClient(url, StaticAuth(token), on_call=log, clock=lambda: now)
        spec = AccountSpec(username.lower(), username, True)
        jobs.append(
            AccountJob(spec, XClientSource(client, username, user_token=True), spec.name, log)
        )
    result = Runner(engine, slots("weekly"), clock=lambda: now).run(jobs)
    print(result.summary())
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
