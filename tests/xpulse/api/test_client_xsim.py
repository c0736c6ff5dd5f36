"""The client against xsim over real HTTP, with faults injected."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from xpulse_auth_world import ALICE, ALICE_TOKEN, NOW, POST_IDS, free_port, make_world

from xpulse.api.auth import BearerAuth
from xpulse.api.client import XClient
from xpulse.api.transport import CallRecord
from xpulse.errors import MonthlyCapReached

server = pytest.importorskip("xsim.server.http")
faults = pytest.importorskip("xsim.v2.faults")


def test_faults_are_retried_and_partial_errors_kept() -> None:
    spec = faults.parse_faults(
        "500=0.1,502=0.05,503=0.05,drop=0.1,truncate=0.1,partial=0.1,seed=11"
    )
    records: list[CallRecord] = []
    slept: list[float] = []
    with server.serve_in_thread(make_world(free_port()), now=NOW, faults=spec) as base:
        client = XClient(
            base,
            BearerAuth(ALICE_TOKEN, source="test"),
            sleep=slept.append,
            rng=random.Random(5),
            max_retries=6,
            on_call=records.append,
        )
        with client:
            pages = [client.lookup_tweets(POST_IDS) for _ in range(25)]
            timeline = [t for p in client.iter_user_tweets(ALICE) for t in p.data]
    statuses = Counter(r.status for r in records)
    # 26 calls returned (no exception) after retrying the injected faults
    assert len(records) > 26 and statuses[200] >= 26
    assert {500, 0} & set(statuses)  # server errors and dropped connections were met
    assert slept and all(0 < s <= 64 for s in slept)
    for page in pages:  # each id is either returned or reported as an error
        got = {t["id"] for t in page.data} | {str(e.get("resource_id")) for e in page.errors}
        assert got == set(POST_IDS)
    assert any(p.errors for p in pages)  # partial answers were kept, not dropped
    assert {t["id"] for t in timeline} <= set(POST_IDS)


def test_monthly_cap_is_told_apart_from_the_window_and_stops_at_once() -> None:
    records: list[CallRecord] = []
    slept: list[float] = []
    with server.serve_in_thread(make_world(free_port(), cap=7), now=NOW) as base:
        client = XClient(
            base,
            BearerAuth(ALICE_TOKEN, source="test"),
            sleep=slept.append,
            on_call=records.append,
        )
        with client:
            client.lookup_tweets(POST_IDS)  # 5 reads
            with pytest.raises(MonthlyCapReached, match="monthly post-read cap"):
                for _ in range(3):
                    client.lookup_tweets(POST_IDS)
    assert records[-1].status == 429
    assert slept == []  # no waiting, no retry: the cap does not lift at the window reset
    assert sum(1 for r in records if r.status == 429) == 1
