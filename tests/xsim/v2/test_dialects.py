"""Both spellings of the spec: 2.159 (``tweet.fields``) and 2.167 (``post.fields``)."""

from __future__ import annotations

from typing import Any

from xsim_api_support import ALICE, BOB, alice_post_id

from xsim.v2.problems import X_PROBLEMS

PUBLIC = "public_metrics,referenced_tweets,created_at"


def test_a_post_fields_request_is_answered_in_2167_names(api: Any) -> None:
    old = api.get(f"/2/users/{ALICE}/tweets", **{"tweet.fields": PUBLIC,
                  "expansions": "referenced_tweets.id", "max_results": "100"}).json()  # fmt: skip
    new = api.get(f"/2/users/{ALICE}/tweets", **{"post.fields": PUBLIC.replace("tweets", "posts"),
                  "expansions": "referenced_posts", "max_results": "100"}).json()  # fmt: skip
    assert [p["id"] for p in new["data"]] == [p["id"] for p in old["data"]]
    for before, after in zip(old["data"], new["data"], strict=True):
        counts = dict(before["public_metrics"])
        counts["repost_count"] = counts.pop("retweet_count")
        assert after["public_metrics"] == counts  # same numbers, the new name
        assert after["edit_history_post_ids"] == [after["id"]]
        assert "edit_history_tweet_ids" not in after and "referenced_tweets" not in after
        assert after.get("referenced_posts") == before.get("referenced_tweets")
    assert "posts" in new["includes"] and "tweets" not in new["includes"]
    assert [p["id"] for p in new["includes"]["posts"]] == [
        p["id"] for p in old["includes"]["tweets"]
    ]
    # partial errors carry 2.167's problem types
    assert new["errors"] and all(e["type"].startswith(X_PROBLEMS) for e in new["errors"])
    assert all(e["type"].startswith("https://api.twitter.com/") for e in old["errors"])


def test_users_in_2167_names(api: Any) -> None:
    body = api.get("/2/users/me", **{"user.fields": "public_metrics,most_recent_post_id",
                   "expansions": "most_recent_post_id"}).json()  # fmt: skip
    user = body["data"]
    assert "post_count" in user["public_metrics"] and "tweet_count" not in user["public_metrics"]
    assert user["most_recent_post_id"] == body["includes"]["posts"][0]["id"]
    assert user["most_recent_post_id"] == alice_post_id(39)
    old = api.get("/2/users/me", **{"user.fields": "public_metrics"}).json()["data"]
    assert old["public_metrics"]["tweet_count"] == user["public_metrics"]["post_count"]


def test_private_metrics_use_repost_count_in_2167(api: Any) -> None:
    pid = alice_post_id(14)  # promoted
    body = api.get(f"/2/tweets/{pid}",
                   **{"post.fields": "organic_metrics,promoted_metrics"}).json()  # fmt: skip
    for group in ("organic_metrics", "promoted_metrics"):
        assert "repost_count" in body["data"][group] and "retweet_count" not in body["data"][group]


def test_mixing_spellings_is_a_400(api: Any) -> None:
    cases = [
        {"post.fields": "public_metrics", "tweet.fields": "public_metrics"},
        {"post.fields": "referenced_tweets"},
        {"tweet.fields": "public_metrics", "expansions": "referenced_posts"},
        {"expansions": "referenced_posts,referenced_tweets.id"},
    ]
    for params in cases:
        r = api.get(f"/2/users/{ALICE}/tweets", **params)
        assert r.status_code == 400, (params, r.text)
        body = r.json()
        assert body["title"] == "Invalid Request" and body["errors"], body
        assert body["type"] == X_PROBLEMS + "invalid-request"  # read as 2.167
    r = api.get(f"/2/users/{ALICE}/tweets", **{"post.fields": "public_metrics",
                "tweet.fields": "public_metrics"})  # fmt: skip
    message = r.json()["errors"][0]["message"]
    assert message.startswith("The query parameter [tweet.fields] is not one of [")
    assert "post.fields" in message


def test_an_unmarked_request_is_2159(api: Any) -> None:
    body = api.get(f"/2/users/{BOB}", **{"user.fields": "public_metrics"}).json()
    assert "tweet_count" in body["data"]["public_metrics"]
