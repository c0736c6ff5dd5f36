"""One spender of the shared monthly budget, in its own process (for the race tests).

    python ledger_child.py DB_URL LIMIT_MICROS CALLS SEED [hold-forever]

Each call does what the collector does: reserve the most the call can cost, "call" (a
short sleep), store what it cost in ``api_calls`` (its own transaction), settle. Prints
how many calls the budget refused. ``hold-forever``: after its first reservation it
prints "holding" and sleeps, to be SIGKILLed with a hold in flight.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime

from xpulse.collect.budget import Budget, BudgetExceeded
from xpulse.collect.ledger_budget import shared_budget
from xpulse.store import open_store, queries


def main() -> int:
    url, limit, calls, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    hold_forever = sys.argv[5:] == ["hold-forever"]
    rng = random.Random(seed)
    engine = open_store(url)
    now = datetime.now(UTC)
    budget = shared_budget(engine, Budget(limit, 0), now)
    refused = 0
    for _ in range(calls):
        most = rng.randrange(20_000, 100_000)
        try:
            budget.reserve(most)
        except BudgetExceeded:
            refused += 1
            continue
        if hold_forever:
            print("holding", flush=True)
            time.sleep(3600)
        time.sleep(rng.random() * 0.01)
        actual = rng.randrange(0, most + 1)
        with engine.begin() as conn:
            queries.record_call(
                conn,
                {"at": now, "account": f"p{seed}", "endpoint": "/2/tweets", "method": "GET",
                 "status": 200, "reads": 1, "billable_reads": 1, "cost_micros": actual,
                 "errors": 0},
            )  # fmt: skip
        budget.settle(most, actual)
    print(f"refused {refused}", flush=True)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
