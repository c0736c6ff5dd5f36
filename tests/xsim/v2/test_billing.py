"""The ledger: prices from world.pricing, same-UTC-day dedupe, /_sim/ endpoints, usage."""

from __future__ import annotations

from typing import Any

import pytest
from xsim_api_support import ALICE, ALICE_TOKEN, BEARER, BOB_TOKEN, Api, alice_post_id, make_world


def ledger(api: Api) -> dict[str, Any]:
    r = api.get("/_sim/ledger", None)
    assert r.status_code == 200
    return dict(r.json())


def test_own_posts_cost_less_than_others(api: Api) -> None:
    api.get(f"/2/users/{ALICE}/tweets", ALICE_TOKEN, max_results=5)  # 5 own reads
    api.get(f"/2/users/{ALICE}/tweets", BOB_TOKEN, max_results=5)  # other app user, same app
    totals = ledger(api)["totals"]
    assert totals["post_reads"] == 10
    assert totals["own_post_reads"] == 5
    # Bob's reads are of posts Alice's token already read today: same app, same day -> free.
    assert totals["deduped_reads"] == 5
    assert totals["cost_usd"] == pytest.approx(5 * 0.001)


def test_prices_and_dedupe_follow_the_pricing_table(make: Any) -> None:
    world = make_world()
    world.pricing.dedupe_same_utc_day = False
    world.pricing.other_post_read = 0.007
    api = make(world)
    api.get("/2/tweets", BOB_TOKEN, ids=f"{alice_post_id(20)},{alice_post_id(21)},2000")
    api.get("/2/tweets", BOB_TOKEN, ids=f"{alice_post_id(20)}")
    api.get("/2/users/me", BOB_TOKEN)
    body = ledger(api)
    assert body["totals"]["cost_usd"] == pytest.approx(3 * 0.007 + 0.001 + 0.010)
    entry = body["entries"][0]
    assert entry["resource_type"] == "post" and entry["price_usd"] == 0.007
    assert entry["endpoint"] == "tweets" and entry["client_id"] == "app-basic"


def test_a_new_utc_day_bills_again(api: Api) -> None:
    api.get("/2/tweets/2000", BOB_TOKEN)
    api.get("/2/tweets/2000", BOB_TOKEN)
    api.sim.clock.advance(24 * 3600)
    api.get("/2/tweets/2000", BOB_TOKEN)
    entries = ledger(api)["entries"]
    assert [e["deduped"] for e in entries] == [False, True, False]
    assert ledger(api)["totals"]["cost_usd"] == pytest.approx(2 * 0.001)


def test_errors_and_field_denials_are_not_billed(api: Api) -> None:
    api.get("/2/tweets", BOB_TOKEN, ids="1,2")
    api.get("/2/tweets", BOB_TOKEN, ids=alice_post_id(20), **{"tweet.fields": "organic_metrics"})
    assert ledger(api)["totals"]["post_reads"] == 0


def test_usage_endpoint_counts_post_reads_for_the_app(api: Api) -> None:
    api.get(f"/2/users/{ALICE}/tweets", ALICE_TOKEN, max_results=20)
    r = api.get("/2/usage/tweets", BEARER, **{"usage.fields": "project_usage,daily_project_usage"})
    data = r.json()["data"]
    assert data["project_usage"] == 20
    assert data["daily_project_usage"]["usage"][-1]["usage"] == 20
    assert len(data["daily_project_usage"]["usage"]) == 7
    assert api.get("/2/usage/tweets", ALICE_TOKEN).status_code == 403  # app-only endpoint


def test_truth_and_clock_admin(api: Api) -> None:
    truth = api.get("/_sim/truth", None, ids=f"{alice_post_id(14)},{alice_post_id(12)},5").json()
    promoted, deleted = truth["data"]
    assert promoted["metrics"]["impressions"] == 1014
    assert (
        promoted["metrics"]["promoted_impressions"] + promoted["metrics"]["organic_impressions"]
        == 1014
    )
    assert deleted["deleted"] is True and truth["missing"] == ["5"]
    clock = api.get("/_sim/clock", None).json()
    assert clock == {"now": "2026-05-20T12:00:00.000Z", "fixed": True}
    moved = api.client.post("/_sim/clock", json={"advance_seconds": 90}).json()
    assert moved["now"] == "2026-05-20T12:01:30.000Z"
    assert api.client.post("/_sim/clock", json={"advance_seconds": -5}).status_code == 400
