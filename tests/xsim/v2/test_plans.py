"""Plans and their access: the analytics endpoints are Enterprise-only (X's docs, 2026)."""

from __future__ import annotations

from typing import Any

import pytest
from xsim_api_support import ALICE, ALICE_TOKEN, alice_post_id, make_world

from xsim.v2.problems import CLIENT_FORBIDDEN

ANALYTICS = {
    "ids": alice_post_id(30),
    "start_time": "2026-05-19T00:00:00Z",
    "end_time": "2026-05-20T00:00:00Z",
    "granularity": "total",
}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("plan", ["pay-per-use", "basic", "pro", "free"])
def test_a_self_serve_plan_gets_the_not_enrolled_403(make: Any, plan: str) -> None:
    world = make_world()
    world.apps["app-basic"].plan = plan
    api = make(world)
    r = api.client.get("/2/tweets/analytics", params=ANALYTICS, headers=_auth(ALICE_TOKEN))
    assert r.status_code == 403
    body = r.json()
    assert body["type"] == CLIENT_FORBIDDEN
    assert body["title"] == "Client Forbidden"
    assert body["reason"] == "client-not-enrolled"
    assert body["required_enrollment"] == "Enterprise"
    assert body["client_id"].isdigit() and "status" not in body
    assert r.headers["x-rate-limit-limit"]  # past the rate limiter, as other 403s
    assert api.client.get("/_sim/ledger").json()["entries"] == []  # nothing billed
    # the rest of /2/ stays open to the same plan and token
    ok = api.client.get(f"/2/users/{ALICE}/tweets", headers=_auth(ALICE_TOKEN))
    assert ok.status_code == 200 and ok.json()["data"]


def test_enterprise_reads_the_series(make: Any) -> None:
    world = make_world()
    world.apps["app-basic"].plan = "enterprise"
    api = make(world)
    r = api.client.get("/2/tweets/analytics", params=ANALYTICS, headers=_auth(ALICE_TOKEN))
    assert r.status_code == 200, r.text
    assert r.json()["data"][0]["id"] == alice_post_id(30)
    assert len(api.client.get("/_sim/ledger").json()["entries"]) == 1
