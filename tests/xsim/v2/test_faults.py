"""--faults: parsing, determinism by seed, and what each fault does to a response."""

from __future__ import annotations

import json
from typing import Any

import pytest
from xsim_api_support import ALICE, BEARER, Api

from xsim.v2.faults import ConnectionDropped, FaultPlan, FaultSpecError, parse_faults


def test_parse_and_reject() -> None:
    spec = parse_faults("429=0.05,500=0.02,slow=0.02,drop=0.01,seed=7,slow_seconds=3")
    assert spec.seed == 7 and spec.slow_seconds == 3 and spec.rates["429"] == 0.05
    for bad in ("boom=0.1", "429=lots", "429", "500=2", "429=0.6,500=0.6"):
        with pytest.raises(FaultSpecError):
            parse_faults(bad)


def test_same_seed_same_faults_other_seed_others() -> None:
    text = "429=0.1,500=0.1,502=0.1,503=0.1,slow=0.1,drop=0.1,truncate=0.1,partial=0.1"
    a = FaultPlan(parse_faults(text + ",seed=7"))
    b = FaultPlan(parse_faults(text + ",seed=7"))
    c = FaultPlan(parse_faults(text + ",seed=8"))
    seq_a = [a.draw() for _ in range(200)]
    assert seq_a == [b.draw() for _ in range(200)]
    assert seq_a != [c.draw() for _ in range(200)]
    assert {k for k in seq_a if k} == {
        "429", "500", "502", "503", "slow", "drop", "truncate", "partial"
    }  # fmt: skip


def only(make: Any, fault: str, **extra: Any) -> Api:
    return make(faults=parse_faults(f"{fault}=1,seed=1"), **extra)  # type: ignore[no-any-return]


@pytest.mark.parametrize("status", ["500", "502", "503"])
def test_server_errors(make: Any, status: str) -> None:
    r = only(make, status).get(f"/2/users/{ALICE}/tweets", BEARER)
    assert r.status_code == int(status)
    assert r.json()["status"] == int(status) and r.json()["type"] == "about:blank"
    assert "x-rate-limit-remaining" in r.headers


def test_injected_429_looks_like_the_rate_limit(make: Any) -> None:
    r = only(make, "429").get(f"/2/users/{ALICE}/tweets", BEARER)
    assert r.status_code == 429 and r.json()["title"] == "Too Many Requests"
    assert r.headers["x-rate-limit-remaining"] == "0"


def test_truncate_cuts_the_json(make: Any) -> None:
    r = only(make, "truncate").get(f"/2/users/{ALICE}/tweets", BEARER)
    assert r.status_code == 200
    assert int(r.headers["content-length"]) == len(r.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.content)


def test_partial_replaces_an_item_with_an_error(make: Any) -> None:
    r = only(make, "partial").get(f"/2/users/{ALICE}/tweets", BEARER, max_results=5)
    body = r.json()
    assert len(body["data"]) == 4 and body["meta"]["result_count"] == 4
    assert body["errors"][0]["type"].endswith("/resource-unavailable")
    assert list(body)[-1] == "meta"


def test_slow_waits_with_the_injected_sleep(make: Any) -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    api = make(faults=parse_faults("slow=1,slow_seconds=45"), sleep=fake_sleep)
    assert api.get("/2/users/me").status_code == 200
    assert slept == [45.0]


def test_drop_in_process_raises(make: Any) -> None:
    with pytest.raises(ConnectionDropped):
        only(make, "drop").get("/2/users/me")


def test_admin_and_oauth_routes_are_never_faulted(make: Any) -> None:
    api = only(make, "500")
    assert api.get("/_sim/clock", None).status_code == 200
    assert api.sim.faults is not None and api.sim.faults.drawn == []


def test_same_seed_gives_the_same_answers_over_the_api(make: Any) -> None:
    def statuses(seed: int) -> list[int]:
        api = make(faults=parse_faults(f"429=0.2,500=0.2,503=0.1,partial=0.1,seed={seed}"))
        return [api.get("/2/tweets/2000", BEARER).status_code for _ in range(30)]

    first = statuses(7)
    assert first == statuses(7)
    assert first != statuses(8)
    assert {429, 500, 503, 200} <= set(first)
