"""What each injected fault bills: what the server put in a 200, minus an item it replaced."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from xsim_api_support import ALICE, ALICE_TOKEN, BOB_TOKEN, NOW, Api, alice_post_id, make_world

from xsim.server.http import serve_in_thread
from xsim.v2.faults import ConnectionDropped, parse_faults


def only(make: Any, fault: str, **extra: Any) -> Api:
    return make(faults=parse_faults(f"{fault}=1,seed=1"), **extra)  # type: ignore[no-any-return]


def billed(api: Api) -> list[tuple[str, str]]:
    """(resource_type, resource_id) of every ledger entry, in order."""
    entries = api.sim.ledger.snapshot()["entries"]
    return [(e["resource_type"], e["resource_id"]) for e in entries]


NEWEST_FIVE = [("post", alice_post_id(i)) for i in range(39, 34, -1)]


@pytest.mark.parametrize("status", ["429", "500", "502", "503"])
def test_status_faults_bill_nothing(make: Any, status: str) -> None:
    api = only(make, status)
    assert api.get(f"/2/users/{ALICE}/tweets", max_results=5).status_code == int(status)
    assert billed(api) == []


def test_partial_does_not_bill_the_item_it_replaced(make: Any) -> None:
    api = only(make, "partial")
    body = api.get(f"/2/users/{ALICE}/tweets", max_results=5).json()
    delivered = [("post", p["id"]) for p in body["data"]]
    assert delivered == NEWEST_FIVE[:4]
    assert body["errors"][0]["resource_id"] == alice_post_id(35)
    assert billed(api) == delivered


def test_partial_keeps_billing_the_expansions_still_delivered(make: Any) -> None:
    api = only(make, "partial")
    ids = f"{alice_post_id(20)},{alice_post_id(10)}"  # 10 replies to Bob's post 2000
    body = api.get("/2/tweets", ids=ids, expansions="referenced_tweets.id").json()
    assert [p["id"] for p in body["data"]] == [alice_post_id(20)]
    assert [p["id"] for p in body["includes"]["tweets"]] == ["2000"]
    assert sorted(billed(api)) == sorted([("post", alice_post_id(20)), ("post", "2000")])


def test_partial_of_a_single_object_bills_nothing_for_it(make: Any) -> None:
    api = only(make, "partial")
    post = api.get(f"/2/tweets/{alice_post_id(20)}").json()
    assert "data" not in post and post["errors"][0]["resource_id"] == alice_post_id(20)
    me = api.get("/2/users/me").json()
    assert "data" not in me and me["errors"][0]["resource_type"] == "user"
    assert billed(api) == []


def test_truncate_bills_the_whole_answer_the_server_sent(make: Any) -> None:
    api = only(make, "truncate")
    r = api.get(f"/2/users/{ALICE}/tweets", max_results=5)
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.content)
    assert billed(api) == NEWEST_FIVE


def test_slow_bills_the_late_answer(make: Any) -> None:
    async def no_wait(seconds: float) -> None:
        return None

    api = make(faults=parse_faults("slow=1,slow_seconds=60"), sleep=no_wait)
    assert api.get(f"/2/users/{ALICE}/tweets", max_results=5).status_code == 200
    assert billed(api) == NEWEST_FIVE


def test_drop_bills_the_answer_the_client_never_got(make: Any) -> None:
    api = only(make, "drop")
    with pytest.raises(ConnectionDropped):
        api.get(f"/2/users/{ALICE}/tweets", max_results=5)
    assert billed(api) == NEWEST_FIVE
    # The retry the same UTC day reads the same posts again: listed, but free.
    with pytest.raises(ConnectionDropped):
        api.get(f"/2/users/{ALICE}/tweets", BOB_TOKEN, max_results=5)
    totals = api.sim.ledger.snapshot()["totals"]
    assert totals["post_reads"] == 10 and totals["deduped_reads"] == 5
    assert totals["cost_usd"] == pytest.approx(5 * 0.001)  # Alice's own reads only


def test_drop_over_http_bills_and_closes_without_an_answer() -> None:
    spec = parse_faults("drop=1")
    with (
        serve_in_thread(make_world(), now=NOW, faults=spec) as base,
        httpx.Client(base_url=base, headers={"Authorization": f"Bearer {ALICE_TOKEN}"}) as client,
    ):
        with pytest.raises(httpx.TransportError):
            client.get(f"/2/users/{ALICE}/tweets", params={"max_results": 5})
        ledger = client.get("/_sim/ledger").json()  # /_sim/ is never faulted
    assert [("post", e["resource_id"]) for e in ledger["entries"]] == NEWEST_FIVE
