"""X's 2026 billing in xsim: owned reads only for the app's owner, plan caps, usage by day."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from xsim_api_support import ALICE, ALICE_TOKEN, BEARER, BOB, BOB_TOKEN, make_world

from xsim.world.check import WorldError
from xsim.world.document import world_from_json, world_to_json
from xsim.world.model import PLAN_CAPS, Token


def _ledger(api: Any) -> dict[str, Any]:
    return dict(api.get("/_sim/ledger", None).json())


def test_only_the_app_owner_reading_their_own_posts_pays_the_owned_price(make: Any) -> None:
    world = make_world()
    world.apps["app-basic"].owner = BOB  # an agency (Bob) runs the app; Alice is a client
    api = make(world)
    api.get(f"/2/users/{ALICE}/tweets", ALICE_TOKEN, max_results=5)
    entries = _ledger(api)["entries"]
    assert len(entries) == 5
    assert {(e["own"], e["price_usd"]) for e in entries} == {(False, 0.005)}

    world = make_world()
    world.apps["app-basic"].owner = ALICE  # the same reads through Alice's own app
    api = make(world)
    api.get(f"/2/users/{ALICE}/tweets", ALICE_TOKEN, max_results=5)
    entries = _ledger(api)["entries"]
    assert {(e["own"], e["price_usd"]) for e in entries} == {(True, 0.001)}
    # Bob reading Alice's posts through her app: someone else's posts
    api.get(f"/2/users/{ALICE}/tweets", BOB_TOKEN, max_results=5)
    assert _ledger(api)["totals"]["cost_usd"] == pytest.approx(5 * 0.001)  # deduped same day
    api.sim.clock.advance(24 * 3600)
    api.get(f"/2/users/{ALICE}/tweets", BOB_TOKEN, max_results=5)
    assert _ledger(api)["totals"]["cost_usd"] == pytest.approx(5 * 0.001 + 5 * 0.005)


def test_a_world_states_the_owner_and_the_plan_sets_the_default_cap() -> None:
    world = make_world(alice_posts=20)
    world.apps["app-basic"].owner = ALICE
    doc = world_to_json(world)
    doc.pop("now", None)  # the helper world holds a post from the future
    apps = doc["apps"]
    assert apps[0]["owner"] == ALICE
    for app in apps:
        del app["monthly_read_cap"]
    apps[0]["plan"] = "pay-per-use"
    loaded = world_from_json(doc)
    assert loaded.apps["app-basic"].owner == ALICE
    assert loaded.apps["app-basic"].monthly_read_cap == 3_000_000 == PLAN_CAPS["pay-per-use"]
    assert loaded.apps["app-ent"].monthly_read_cap is None  # enterprise: by contract
    doc["apps"][0]["owner"] = "999"
    with pytest.raises(WorldError, match=r"apps\[0\]\.owner.*not a known user id"):
        world_from_json(doc)


def test_usage_reports_post_consumption_per_utc_day_and_the_cap(make: Any) -> None:
    world = make_world(cap=40)
    world.tokens.append(
        Token("fake-second", "app-basic", BOB, frozenset({"tweet.read", "users.read"}),
              world.tokens[0].expires_at)
    )  # fmt: skip
    api = make(world)
    api.get(f"/2/users/{ALICE}/tweets", ALICE_TOKEN, max_results=10)
    api.sim.clock.advance(24 * 3600)
    api.get(f"/2/users/{ALICE}/tweets", ALICE_TOKEN, max_results=15)
    api.get(f"/2/users/{ALICE}/tweets", ALICE_TOKEN, max_results=5)  # re-read: free, counted
    fields = "cap_reset_day,project_cap,project_usage,daily_project_usage,daily_client_app_usage"
    r = api.get("/2/usage/tweets", BEARER, days=3, **{"usage.fields": fields})
    data = r.json()["data"]
    assert data["project_cap"] == 40 and data["project_usage"] == 30
    daily = [d["usage"] for d in data["daily_project_usage"]["usage"]]
    assert daily == [0, 10, 20]
    dates = [d["date"] for d in data["daily_project_usage"]["usage"]]
    assert dates[-1].endswith("T00:00:00.000Z")
    assert data["daily_client_app_usage"][0]["usage_result_count"] == 3
    assert isinstance(data["cap_reset_day"], int) and data["cap_reset_day"] >= 1
    # the cap counts re-reads: 30 of 40 read, a page of 20 more is refused once it is reached
    api.get(f"/2/users/{ALICE}/tweets", ALICE_TOKEN, max_results=10)
    refused = api.get(f"/2/users/{ALICE}/tweets", ALICE_TOKEN, max_results=5)
    assert refused.status_code == 429
    assert timedelta(days=data["cap_reset_day"]) > timedelta(0)
