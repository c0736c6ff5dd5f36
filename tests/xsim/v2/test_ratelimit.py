"""15-minute rate limits per endpoint and token, and the monthly cap's distinct 429."""

from __future__ import annotations

from typing import Any

from xsim_api_support import ALICE, ALICE_TOKEN, BEARER, BOB_TOKEN, NOW, Api, make_world


def test_headers_count_down_per_token_and_endpoint(api: Api) -> None:
    first = api.get("/2/users/me")
    second = api.get("/2/users/me")
    assert first.headers["x-rate-limit-limit"] == "75"
    assert int(first.headers["x-rate-limit-remaining"]) == 74
    assert int(second.headers["x-rate-limit-remaining"]) == 73
    assert int(first.headers["x-rate-limit-reset"]) == int(NOW.timestamp()) + 900
    # Another token and another endpoint have their own windows.
    assert api.get("/2/users/me", BOB_TOKEN).headers["x-rate-limit-remaining"] == "74"
    timeline = api.get(f"/2/users/{ALICE}/tweets")
    assert timeline.headers["x-rate-limit-limit"] == "1500"
    assert api.get("/2/tweets/20", BEARER).headers["x-rate-limit-limit"] == "300"


def test_429_past_the_limit_then_reset_after_the_window(api: Api) -> None:
    for _ in range(75):
        assert api.get("/2/users/me").status_code == 200
    r = api.get("/2/users/me")
    assert r.status_code == 429
    assert r.json() == {
        "title": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
        "detail": "Too Many Requests",
    }
    assert r.headers["x-rate-limit-remaining"] == "0"
    reset = int(r.headers["x-rate-limit-reset"])
    api.sim.clock.set(NOW.fromtimestamp(reset, NOW.tzinfo))
    again = api.get("/2/users/me")
    assert again.status_code == 200
    assert again.headers["x-rate-limit-remaining"] == "74"


def test_bad_requests_count_too(api: Api) -> None:
    api.get("/2/tweets", BEARER, ids="x")
    assert api.get("/2/tweets", BEARER, ids="20").headers["x-rate-limit-remaining"] == "298"


def test_monthly_cap_is_a_distinct_429(make: Any) -> None:
    api = make(make_world(cap=25))
    params = {"max_results": 10}
    for _ in range(3):  # 30 post reads: the third page passes the cap of 25
        assert api.get(f"/2/users/{ALICE}/tweets", ALICE_TOKEN, **params).status_code == 200
    r = api.get(f"/2/users/{ALICE}/tweets", ALICE_TOKEN, **params)
    assert r.status_code == 429
    body = r.json()
    assert body["type"] == "https://api.twitter.com/2/problems/usage-capped"
    assert body["title"] == "UsageCapExceeded" and body["period"] == "Monthly"
    # As users report it: the developer account named, and no status member.
    assert body["account_id"].isdigit() and "status" not in body
    assert int(r.headers["x-rate-limit-remaining"]) > 0  # not the 15-minute window
    # Lookups are capped too; user lookups are not post reads.
    assert api.get("/2/tweets/20", ALICE_TOKEN).status_code == 429
    assert api.get("/2/users/me", ALICE_TOKEN).status_code == 200
    usage = api.get("/2/usage/tweets", BEARER).json()["data"]
    assert usage["project_usage"] == 30 and usage["project_cap"] == 25
    # A new month lifts the cap.
    api.sim.clock.set(NOW.replace(month=6, day=1))
    assert api.get(f"/2/users/{ALICE}/tweets", ALICE_TOKEN).status_code == 200
