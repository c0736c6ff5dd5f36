"""A worker runs as many sync jobs at once as its ``--concurrency`` says (procrastinate
runs a sync task in the event loop's default thread pool, which by default holds
min(32, cores + 4) threads: 6 on the two cores this was found on)."""

from __future__ import annotations

import asyncio
import threading

import procrastinate
from procrastinate.testing import InMemoryConnector

from xpulse.jobs.engine import QUEUE
from xpulse.jobs.worker import _work

SLOTS = 12  # above cores + 4 on any machine with under 8 cores


def test_every_slot_runs_a_sync_job_at_once() -> None:
    connector = InMemoryConnector()
    app = procrastinate.App(connector=connector)
    # every job waits for all the others: met only if all run at the same time
    together = threading.Barrier(SLOTS, timeout=10)

    @app.task(queue=QUEUE, name="meet")
    def meet(i: int) -> None:
        together.wait()

    async def main() -> None:
        async with app.open_async():
            for i in range(SLOTS):
                await meet.defer_async(i=i)
        await _work(app, SLOTS, 30.0, wait=False)

    asyncio.run(main())
    statuses = [job["status"] for job in connector.jobs.values()]
    assert statuses == ["succeeded"] * SLOTS
