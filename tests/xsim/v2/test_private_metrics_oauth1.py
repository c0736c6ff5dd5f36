"""The traps around private metrics, seen by an OAuth 1.0a user."""

from __future__ import annotations

from xsim_enterprise_support import ANCIENT, BOB_POST, RECENT, REPLY, Client


def test_organic_metrics_with_referenced_tweets_expansion_is_a_field_error(client: Client) -> None:
    fields = {"tweet.fields": "organic_metrics", "expansions": "referenced_tweets.id"}
    body = client.get("/2/tweets", ids=REPLY, **fields).json()
    # Alice's reply keeps its organic metrics; Bob's post cannot carry them, so it is left
    # out of includes with a not-authorized-for-field error (HTTP 200, the rest delivered).
    assert body["data"][0]["id"] == REPLY and "organic_metrics" in body["data"][0]
    assert "includes" not in body
    [error] = body["errors"]
    assert error["type"] == "https://api.twitter.com/2/problems/not-authorized-for-field"
    assert (error["resource_id"], error["section"]) == (BOB_POST, "includes")
    assert error["field"] == "organic_metrics.impression_count"
    # Without the private field the same expansion is fine.
    plain = client.get("/2/tweets", ids=REPLY, expansions="referenced_tweets.id").json()
    assert plain["includes"]["tweets"][0]["id"] == BOB_POST and "errors" not in plain


def test_video_playback_metrics_for_own_recent_video_only(client: Client) -> None:
    fields = {"media.fields": "public_metrics,non_public_metrics,organic_metrics",
              "expansions": "attachments.media_keys"}  # fmt: skip
    recent = client.get("/2/tweets", ids=RECENT, **fields).json()
    media = recent["includes"]["media"][0]
    plays = media["non_public_metrics"]
    assert list(plays) == [f"playback_{q}_count" for q in (0, 25, 50, 75, 100)]
    assert plays["playback_0_count"] >= plays["playback_50_count"] >= plays["playback_100_count"]
    assert media["organic_metrics"]["view_count"] <= media["public_metrics"]["view_count"]
    old = client.get("/2/tweets", ids=ANCIENT, **fields).json()  # 1,900 days old
    assert "includes" not in old
    assert old["errors"][0]["title"] == "Field Authorization Error"
    assert old["errors"][0]["resource_type"] == "media"
