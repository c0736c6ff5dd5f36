"""Users: /2/users/me, /2/users/{id}, /2/users/by/username/{username}."""

from __future__ import annotations

from typing import Any

from xsim_api_support import (
    ALICE,
    BEARER,
    BOB_TOKEN,
    ENTERPRISE_TOKEN,
    NO_SCOPE_TOKEN,
    Api,
    make_world,
)


def test_users_me_default_fields_are_id_name_username(api: Api) -> None:
    r = api.get("/2/users/me")
    assert r.status_code == 200
    assert r.json() == {"data": {"id": ALICE, "name": "Alice", "username": "alice"}}
    assert r.headers["content-type"].startswith("application/json")


def test_follower_counts_on_every_plan_by_default_as_x_documents(api: Api) -> None:
    basic = api.get("/2/users/me", **{"user.fields": "public_metrics"}).json()
    metrics = basic["data"]["public_metrics"]
    assert metrics["followers_count"] == 1234 and metrics["following_count"] == 56
    assert metrics["tweet_count"] == 39  # 40 posts, one deleted; the future one not yet
    assert metrics["listed_count"] == 7
    ent = api.get("/2/users/me", ENTERPRISE_TOKEN, **{"user.fields": "public_metrics"}).json()
    assert ent["data"]["public_metrics"] == metrics


def test_enterprise_only_follower_counts_hide_them_from_self_serve(make: Any) -> None:
    """The published guide's variant (April 2026): a world setting, kept and tested."""
    world = make_world()
    world.follower_counts = "enterprise-only"
    api = make(world)
    for plan in ("pay-per-use", "basic", "pro", "free"):
        world.apps["app-basic"].plan = plan
        got = api.get("/2/users/me", **{"user.fields": "public_metrics"}).json()
        metrics = got["data"]["public_metrics"]
        assert "followers_count" not in metrics and "following_count" not in metrics, plan
        assert metrics["tweet_count"] == 39
    ent = api.get("/2/users/me", ENTERPRISE_TOKEN, **{"user.fields": "public_metrics"}).json()
    assert ent["data"]["public_metrics"]["followers_count"] == 1234
    assert ent["data"]["public_metrics"]["following_count"] == 56


def test_user_fields_and_most_recent_tweet_expansion(api: Api) -> None:
    r = api.get(
        f"/2/users/{ALICE}",
        BEARER,
        **{"user.fields": "created_at,description,most_recent_tweet_id", "expansions":
           "most_recent_tweet_id"},
    )  # fmt: skip
    body = r.json()
    assert body["data"]["created_at"].endswith(".000Z")
    assert body["data"]["description"] == "hi"
    newest = body["data"]["most_recent_tweet_id"]
    assert body["includes"]["tweets"][0]["id"] == newest


def test_user_by_username_is_case_insensitive_and_missing_user_is_200_with_errors(
    api: Api,
) -> None:
    assert api.get("/2/users/by/username/ALICE").json()["data"]["id"] == ALICE
    r = api.get("/2/users/by/username/nobody")
    assert r.status_code == 200
    assert r.json() == {
        "errors": [
            {
                "value": "nobody",
                "detail": "Could not find user with username: [nobody].",
                "title": "Not Found Error",
                "resource_type": "user",
                "parameter": "username",
                "resource_id": "nobody",
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            }
        ]
    }
    missing = api.get("/2/users/42").json()
    assert missing["errors"][0]["detail"] == "Could not find user with id: [42]."


def test_users_me_needs_user_context(api: Api) -> None:
    r = api.get("/2/users/me", BEARER)
    assert r.status_code == 403
    body = r.json()
    assert body["type"] == "https://api.twitter.com/2/problems/unsupported-authentication"
    assert "x-rate-limit-limit" in r.headers


def test_401_has_problem_body_and_no_rate_limit_headers(api: Api) -> None:
    for token in (None, "not-a-real-token"):
        r = api.get("/2/users/me", token)
        assert r.status_code == 401
        assert r.json() == {
            "title": "Unauthorized",
            "type": "about:blank",
            "status": 401,
            "detail": "Unauthorized",
        }
        assert not [h for h in r.headers if h.startswith("x-rate-limit")]


def test_missing_scope_is_403(api: Api) -> None:
    r = api.get("/2/users/me", NO_SCOPE_TOKEN)  # tweet.read only: users.read is missing
    assert r.status_code == 403
    assert r.json() == {"title": "Forbidden", "type": "about:blank", "status": 403,
                        "detail": "Forbidden"}  # fmt: skip
    assert api.get("/2/users/me", BOB_TOKEN).status_code == 200
