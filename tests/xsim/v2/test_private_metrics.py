"""Private metrics: own posts, user token, under 30 days; otherwise field errors."""

from __future__ import annotations

from typing import Any

from xsim_api_support import (
    ALICE,
    ALICE_TOKEN,
    BEARER,
    BOB,
    BOB_TOKEN,
    NOW,
    Api,
    alice_post_id,
    make_world,
)

PRIVATE = {"tweet.fields": "non_public_metrics,organic_metrics,public_metrics"}


def test_own_recent_posts_carry_private_metrics(api: Api) -> None:
    body = api.get(f"/2/users/{ALICE}/tweets", ALICE_TOKEN, max_results=5, **PRIVATE).json()
    assert "errors" not in body
    post = body["data"][0]
    assert post["non_public_metrics"] == {
        "impression_count": post["public_metrics"]["impression_count"],
        "url_link_clicks": 4,
        "user_profile_clicks": 6,
    }
    assert post["organic_metrics"]["like_count"] == 50


def test_other_users_posts_are_left_out_with_field_errors(api: Api) -> None:
    r = api.get("/2/tweets", BOB_TOKEN, ids=f"{alice_post_id(30)},2000", **PRIVATE)
    assert r.status_code == 200
    body = r.json()
    assert [t["id"] for t in body["data"]] == ["2000"]  # Bob's own post
    assert body["errors"] == [
        {
            "resource_type": "tweet",
            "field": "non_public_metrics.impression_count",
            "parameter": "ids",
            "resource_id": alice_post_id(30),
            "title": "Field Authorization Error",
            "section": "data",
            "detail": "Sorry, you are not authorized to access "
            f"'non_public_metrics.impression_count' on the Tweet with ids : [{alice_post_id(30)}].",
            "value": alice_post_id(30),
            "type": "https://api.twitter.com/2/problems/not-authorized-for-field",
        }
    ]


def test_posts_older_than_30_days_lose_private_metrics(api: Api) -> None:
    body = api.get(f"/2/users/{BOB}/tweets", BOB_TOKEN, **PRIVATE).json()
    assert [t["id"] for t in body["data"]] == ["2000"]
    assert [e["resource_id"] for e in body["errors"]] == ["2001"]
    assert body["meta"]["result_count"] == 1
    public = api.get(f"/2/users/{BOB}/tweets", BOB_TOKEN, **{"tweet.fields": "public_metrics"})
    assert len(public.json()["data"]) == 2


def test_app_only_bearer_gets_public_metrics_only(api: Api) -> None:
    body = api.get("/2/tweets", BEARER, ids=alice_post_id(30), **PRIVATE).json()
    assert "data" not in body
    assert body["errors"][0]["type"].endswith("/not-authorized-for-field")
    ok = api.get("/2/tweets", BEARER, ids=alice_post_id(30), **{"tweet.fields": "public_metrics"})
    assert "public_metrics" in ok.json()["data"][0]


def test_promoted_metrics_only_on_promoted_posts(api: Api) -> None:
    fields = {"tweet.fields": "promoted_metrics,organic_metrics,public_metrics"}
    body = api.get(
        "/2/tweets", ALICE_TOKEN, ids=f"{alice_post_id(14)},{alice_post_id(20)}", **fields
    ).json()
    promoted, plain = body["data"]
    assert "promoted_metrics" not in plain
    pm, om = promoted["promoted_metrics"], promoted["organic_metrics"]
    assert (
        pm["impression_count"] + om["impression_count"]
        == (promoted["public_metrics"]["impression_count"])
    )
    assert pm["impression_count"] > 0


def test_media_private_metrics_follow_the_post(api: Api) -> None:
    params = {
        "ids": alice_post_id(13),
        "expansions": "attachments.media_keys",
        "media.fields": "non_public_metrics,organic_metrics,public_metrics",
    }
    own = api.get("/2/tweets", ALICE_TOKEN, **params).json()
    media = own["includes"]["media"][0]
    assert media["non_public_metrics"]["playback_25_count"] == 600
    assert media["organic_metrics"]["view_count"] == 900
    other = api.get("/2/tweets", BOB_TOKEN, **params).json()
    assert "includes" not in other
    assert other["errors"][0]["resource_type"] == "media"
    assert other["errors"][0]["section"] == "includes"


def test_oauth1_user_context_reads_private_metrics(make: Any) -> None:
    """The way X's metrics documentation shows: OAuth 1.0a user context, as tweepy signs it
    with consumer keys."""
    import httpx

    from xsim.oauth.oauth1 import sign_header
    from xsim.world.model import OAuth1Token

    world = make_world()
    app = world.apps["app-basic"]
    app.consumer_key, app.consumer_secret = "fake-consumer-key", "fake-consumer-secret"
    world.oauth1_tokens = [OAuth1Token("fake-oauth1-token", "fake-oauth1-secret", app.client_id,
                                       ALICE)]  # fmt: skip
    api = make(world)
    url = httpx.URL(
        f"https://api.x.com/2/users/{ALICE}/tweets",
        params={"max_results": "5", "tweet.fields": "non_public_metrics"},
    )

    def signed(nonce: str) -> httpx.Response:
        header = sign_header(
            "GET", str(url), consumer_key="fake-consumer-key",
            consumer_secret="fake-consumer-secret", token="fake-oauth1-token",
            token_secret="fake-oauth1-secret", timestamp=int(NOW.timestamp()), nonce=nonce,
        )  # fmt: skip
        return api.client.get(url, headers={"Authorization": header})

    r = signed("nonce-1")
    assert r.status_code == 200, r.text
    assert "non_public_metrics" in r.json()["data"][0]
    assert r.headers["x-rate-limit-limit"] == "1500"
    assert signed("nonce-1").status_code == 401  # a replayed nonce is refused
