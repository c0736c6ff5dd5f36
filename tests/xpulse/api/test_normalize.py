"""Flattening posts: both spellings of the API, content types, recorded twarc pages."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from xpulse.api.normalize import content_type, flatten, flatten_page, included_posts, metrics

POST_2159 = {
    "id": "100",
    "author_id": "42",
    "text": "hello",
    "created_at": "2026-05-13T09:00:00.000Z",
    "conversation_id": "100",
    "public_metrics": {
        "retweet_count": 3,
        "reply_count": 2,
        "like_count": 10,
        "quote_count": 1,
        "bookmark_count": 4,
        "impression_count": 900,
    },
    "non_public_metrics": {"impression_count": 900, "url_link_clicks": 7, "user_profile_clicks": 2},
    "organic_metrics": {
        "impression_count": 800,
        "retweet_count": 3,
        "reply_count": 2,
        "like_count": 9,
    },
}


def test_both_spellings_give_the_same_flat_post() -> None:
    post_2167 = copy.deepcopy(POST_2159)
    for group in ("public_metrics", "organic_metrics"):
        post_2167[group]["repost_count"] = post_2167[group].pop("retweet_count")
    a, b = flatten(POST_2159), flatten(post_2167)
    assert a == b
    assert a["retweet_count"] == 3 and a["impression_count"] == 900 and a["bookmark_count"] == 4
    assert a["metrics"]["non_public"]["url_link_clicks"] == 7
    assert a["metrics"]["organic"]["retweet_count"] == 3


def test_flatten_does_not_touch_its_input() -> None:
    before = copy.deepcopy(POST_2159)
    flatten(POST_2159, {"media": []})
    assert before == POST_2159


def test_missing_metrics_stay_missing_not_zero() -> None:
    post = {"id": "1", "text": "x", "public_metrics": {"like_count": 0}}
    flat = flatten(post)
    assert flat["like_count"] == 0
    assert "impression_count" not in flat
    assert metrics(post) == {"public": {"like_count": 0}}


def test_included_posts_reads_tweets_and_posts() -> None:
    assert included_posts({"tweets": [{"id": "1"}]}) == [{"id": "1"}]
    assert included_posts({"posts": [{"id": "2"}]}) == [{"id": "2"}]


@pytest.mark.parametrize(
    ("post", "includes", "expected"),
    [
        ({"id": "1", "text": "plain"}, None, "text"),
        (
            {"id": "1", "entities": {"urls": [{"expanded_url": "https://example.com/a"}]}},
            None,
            "link",
        ),
        (
            {"id": "1", "attachments": {"media_keys": ["3_1"]}},
            {"media": [{"media_key": "3_1", "type": "photo"}]},
            "photo",
        ),
        (
            {"id": "1", "attachments": {"media_keys": ["7_1"]}},
            {"media": [{"media_key": "7_1", "type": "video"}]},
            "video",
        ),
        (
            {"id": "1", "attachments": {"media_keys": ["16_1"]}},
            {"media": [{"media_key": "16_1", "type": "animated_gif"}]},
            "gif",
        ),
        ({"id": "1", "attachments": {"poll_ids": ["9"]}}, None, "poll"),
        (
            {
                "id": "2",
                "author_id": "42",
                "in_reply_to_user_id": "42",
                "referenced_tweets": [{"type": "replied_to", "id": "1"}],
            },
            None,
            "thread",
        ),
        (
            {
                "id": "2",
                "author_id": "42",
                "in_reply_to_user_id": "7",
                "referenced_tweets": [{"type": "replied_to", "id": "1"}],
            },
            None,
            "reply",
        ),
        ({"id": "2", "referenced_posts": [{"type": "quoted", "id": "1"}]}, None, "quote"),
        ({"id": "2", "referenced_tweets": [{"type": "retweeted", "id": "1"}]}, None, "retweet"),
        (
            {
                "id": "2",
                "referenced_tweets": [{"type": "quoted", "id": "1"}],
                "entities": {"urls": [{"expanded_url": "https://twitter.com/a/status/1"}]},
            },
            None,
            "quote",
        ),
    ],
)
def test_content_types(post: dict, includes: dict | None, expected: str) -> None:
    assert content_type(post, includes) == expected


def _pages(x_api_dir: Path, name: str) -> list[dict]:
    path = x_api_dir / "recorded" / "twarc_csv_testdata" / name
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.shared
def test_recorded_video_post(x_api_dir: Path) -> None:
    (flat,) = flatten_page(_pages(x_api_dir, "media_tweet.jsonl")[0])
    assert flat["id"] == "1558553189766631429"
    assert flat["content_type"] == "video"
    assert flat["retweet_count"] == 13 and flat["like_count"] == 93
    assert flat["media"][0]["type"] == "video"
    assert flat["media"][0]["public_metrics"]["view_count"] >= 0
    assert flat["links"] == []  # the pic.twitter.com URL is the post's own media


@pytest.mark.shared
def test_recorded_quote_retweet_reply_and_link(x_api_dir: Path) -> None:
    kinds = {
        flat["content_type"]
        for name in ("quoted_edit.jsonl", "two_tweets.jsonl", "withheld.jsonl")
        for page in _pages(x_api_dir, name)
        for flat in flatten_page(page)
    }
    assert {"quote", "retweet", "reply", "link", "text"} <= kinds


@pytest.mark.shared
def test_recorded_impression_count(x_api_dir: Path) -> None:
    flats = [f for p in _pages(x_api_dir, "verified_type.jsonl") for f in flatten_page(p)]
    assert any(f.get("impression_count", 0) > 0 for f in flats)
