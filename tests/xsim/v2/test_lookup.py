"""Post lookup: /2/tweets?ids= and /2/tweets/{id}, with the recorded partial errors."""

from __future__ import annotations

from xsim_api_support import ALICE, BEARER, BOB_TOKEN, CAROL_TOKEN, Api, alice_post_id


def test_partial_errors_beside_data_in_request_order(api: Api) -> None:
    ids = [alice_post_id(20), "1", alice_post_id(12), "3000", "2000"]
    r = api.get("/2/tweets", BOB_TOKEN, ids=",".join(ids))
    assert r.status_code == 200
    body = r.json()
    assert [t["id"] for t in body["data"]] == [alice_post_id(20), "2000"]
    errors = {e["value"]: e for e in body["errors"]}
    assert errors["1"] == {
        "value": "1",
        "detail": "Could not find tweet with ids: [1].",
        "title": "Not Found Error",
        "resource_type": "tweet",
        "parameter": "ids",
        "resource_id": "1",
        "type": "https://api.twitter.com/2/problems/resource-not-found",
    }
    assert errors[alice_post_id(12)]["title"] == "Not Found Error"  # deleted
    assert errors["3000"]["type"].endswith("/not-authorized-for-resource")  # protected
    assert errors["3000"]["section"] == "data"


def test_only_errors_when_nothing_is_found(api: Api) -> None:
    body = api.get("/2/tweets", BEARER, ids="1,2").json()
    assert list(body) == ["errors"]
    assert len(body["errors"]) == 2


def test_protected_post_is_visible_to_its_author(api: Api) -> None:
    assert api.get("/2/tweets/3000", CAROL_TOKEN).json()["data"]["text"] == "carol secret"
    assert "data" not in api.get("/2/tweets/3000", BOB_TOKEN).json()


def test_single_lookup_with_fields_and_expansions(api: Api) -> None:
    r = api.get(
        f"/2/tweets/{alice_post_id(13)}",
        BEARER,
        **{
            "tweet.fields": "created_at,author_id,attachments,referenced_tweets,public_metrics",
            "expansions": "attachments.media_keys,author_id,referenced_tweets.id",
            "media.fields": "duration_ms,public_metrics,preview_image_url",
        },
    )
    body = r.json()
    tweet = body["data"]
    assert tweet["author_id"] == ALICE
    assert tweet["attachments"] == {"media_keys": ["13_1"]}
    assert tweet["referenced_tweets"] == [{"type": "quoted", "id": "3000"}]
    assert set(tweet["public_metrics"]) == {
        "retweet_count", "reply_count", "like_count", "quote_count", "bookmark_count",
        "impression_count",
    }  # fmt: skip
    media = body["includes"]["media"][0]
    assert media == {
        "media_key": "13_1",
        "type": "video",
        "preview_image_url": "https://pbs.twimg.com/x.jpg",
        "duration_ms": 12000,
        "public_metrics": {"view_count": 900},
    }
    assert body["includes"]["users"][0]["username"] == "alice"
    # The quoted post is protected: an includes-section error, and no includes.tweets.
    assert "tweets" not in body["includes"]
    assert body["errors"][0]["section"] == "includes"
    assert body["errors"][0]["parameter"] == "referenced_tweets.id"


def test_poll_and_mention_expansions(api: Api) -> None:
    body = api.get(
        "/2/tweets",
        BEARER,
        ids=f"{alice_post_id(15)},{alice_post_id(16)}",
        expansions="attachments.poll_ids,entities.mentions.username",
        **{"tweet.fields": "attachments,entities", "poll.fields": "duration_minutes"},
    ).json()
    assert body["data"][0]["attachments"] == {"poll_ids": ["555"]}
    poll = body["includes"]["polls"][0]
    assert poll["id"] == "555" and poll["duration_minutes"] == 60 and len(poll["options"]) == 2
    assert "voting_status" not in poll
    assert body["includes"]["users"][0]["username"] == "bob"


def test_future_post_does_not_exist_yet(api: Api) -> None:
    body = api.get("/2/tweets/9999999999999999999").json()
    assert body["errors"][0]["title"] == "Not Found Error"
