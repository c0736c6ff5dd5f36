"""A collect run in its own process, for the kill-and-resume test.

    python collect_child.py URL DB_PATH NOW_ISO '[["token", "username"], ...]' [HISTORY_DAYS]

Runs the real runner with a fixed clock against xsim; the test SIGKILLs it mid-run. It
starts only when a line arrives on stdin, so the test knows its pid (to count its requests
and kill it) before the first request can be sent, however loaded the machine is.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta

from collect_world import sqlite_store, user_jobs

from xpulse.collect.refresh_slots import slots
from xpulse.collect.runner import BACKFILL, Runner


def main() -> int:
    url, db, now_iso, accounts = sys.argv[1:5]
    history = timedelta(days=int(sys.argv[5])) if len(sys.argv) > 5 else BACKFILL
    sys.stdin.readline()  # the go signal
    now = datetime.fromisoformat(now_iso)
    engine = sqlite_store(db)
    jobs, _ = user_jobs(url, [tuple(a) for a in json.loads(accounts)], lambda: now)
    result = Runner(engine, slots("weekly"), clock=lambda: now, history=history).run(jobs)
    print(result.summary())
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
