"""One process calling a rate-limited API with a shared token (for the window tests).

    python windows_child.py DB_URL BASE_URL CALLS [alone]

Makes CALLS calls to ``/2/users/me`` through xpulse's transport, whose windows are the
``app-bearer`` token's in the workers' table (``alone``: its own, as a single process
keeps them). Prints "ready" once set up and waits for a line on stdin before calling (so
that its start-up time does not run into a short window); then prints the status of each
answer and the seconds the transport slept.
"""

from __future__ import annotations

import sys
import time

from sqlalchemy import create_engine

from xpulse.api.endpoints import USERS_ME
from xpulse.api.transport import CallRecord, Transport
from xpulse.store.rate_windows import WindowTable


def main() -> int:
    url, base, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
    alone = sys.argv[4:] == ["alone"]
    engine = create_engine(url)
    shared = None if alone else WindowTable(engine).for_token("app-bearer")
    statuses: list[int] = []
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    def on_call(record: CallRecord) -> None:
        statuses.append(record.status)

    transport = Transport(base, None, sleep=sleep, on_call=on_call, shared_windows=shared)
    print("ready", flush=True)
    sys.stdin.readline()
    try:
        for _ in range(calls):
            transport.call("GET", USERS_ME)
    finally:
        transport.close()
        engine.dispose()
    print(" ".join(map(str, statuses)))
    print(f"{sum(slept):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
