"""One spender of the shared monthly budget, in its own process (for the race tests).

    python ledger_child.py DB_URL LIMIT CALLS SEED [hold-forever|cap]

Each call does what the collector does: reserve the most the call can cost, "call" (a
short sleep), store what it cost in ``api_calls`` (its own transaction), settle. Prints
how many calls the budget refused. ``hold-forever``: after its first reservation it
prints "holding" and sleeps, to be SIGKILLed with a hold in flight. ``cap``: LIMIT is the
plan's monthly cap in post reads and the reads are free (a basic plan): each call reserves
the most posts it can deliver and settles at what it read.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime

from xpulse.collect.budget import Budget
from xpulse.collect.ledger_budget import shared_budget
from xpulse.errors import BudgetExceeded
from xpulse.store import open_store, queries


def main() -> int:
    url, limit, calls, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    hold_forever, cap = sys.argv[5:] == ["hold-forever"], sys.argv[5:] == ["cap"]
    rng = random.Random(seed)
    engine = open_store(url)
    now = datetime.now(UTC)
    local = Budget(None, 0, read_cap=limit) if cap else Budget(limit, 0)
    budget = shared_budget(engine, local, now)
    refused = 0
    for _ in range(calls):
        most = rng.randrange(20, 100) if cap else rng.randrange(20_000, 100_000)
        try:
            budget.reserve(0, most) if cap else budget.reserve(most)
        except BudgetExceeded:
            refused += 1
            continue
        if hold_forever:
            print("holding", flush=True)
            time.sleep(3600)
        time.sleep(rng.random() * 0.01)
        actual = rng.randrange(0, most + 1)
        reads, micros = (actual, 0) if cap else (1, actual)
        with engine.begin() as conn:
            queries.record_call(
                conn,
                {"at": now, "account": f"p{seed}", "endpoint": "/2/tweets", "method": "GET",
                 "status": 200, "reads": reads, "billable_reads": reads, "cost_micros": micros,
                 "errors": 0},
            )  # fmt: skip
        if cap:
            budget.settle(0, 0, most, actual)
        else:
            budget.settle(most, actual)
    print(f"refused {refused}", flush=True)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
