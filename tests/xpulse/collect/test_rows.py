"""Tweet JSON to store rows: both API spellings, real recorded pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from xpulse.api import normalize
from xpulse.collect import rows

NOW = datetime(2026, 5, 20, 12, tzinfo=UTC)


def test_2167_spelling_and_private_metrics() -> None:
    post = {
        "id": "20",
        "author_id": "7",
        "text": "hello",
        "created_at": "2026-05-13T09:00:00.000Z",
        "referenced_posts": [{"type": "quoted", "id": "19"}],
        "public_metrics": {"repost_count": 4, "like_count": 9, "reply_count": 1,
                           "quote_count": 0, "bookmark_count": 2, "impression_count": 300},
        "non_public_metrics": {"impression_count": 300, "url_link_clicks": 5,
                               "user_profile_clicks": 3, "engagements": 24},
        "organic_metrics": {"impression_count": 300, "like_count": 9, "retweet_count": 4,
                            "reply_count": 1, "url_link_clicks": 5, "user_profile_clicks": 3},
    }  # fmt: skip
    row, obs = rows.post_rows(post, None, "main", "http://x/2/tweets?ids=20", NOW, "/2/tweets")
    assert (row["content_type"], row["quoted_id"]) == ("quote", "19")
    assert row["created_at"] == datetime(2026, 5, 13, 9, tzinfo=UTC)
    assert (obs["reposts"], obs["bookmarks"], obs["engagements"]) == (4, 2, 24)
    assert (obs["organic_reposts"], obs["url_link_clicks"]) == (4, 5)
    assert obs["promoted_impressions"] is None  # not promoted: not read, not 0
    assert row["is_promoted"] is False


def test_a_promoted_post_is_marked_and_its_promoted_counts_kept() -> None:
    post = {
        "id": "21",
        "created_at": "2026-05-13T09:00:00.000Z",
        "promoted_metrics": {"impression_count": "120", "like_count": 3},  # counts as strings too
    }
    row, obs = rows.post_rows(post, None, "main", "http://x/2/tweets?ids=21", NOW, "/2/tweets")
    assert row["is_promoted"] is True
    assert (obs["promoted_impressions"], obs["promoted_likes"]) == (120, 3)
    assert obs["impressions"] is None  # no public or private total was read


def test_recorded_pages_flatten_with_their_public_counts(x_api_dir: Path) -> None:
    seen = 0
    for path in sorted((x_api_dir / "recorded" / "twarc_csv_testdata").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            page = json.loads(line)
            data = page.get("data")
            if not isinstance(data, list):
                continue
            media = normalize.media_index(page.get("includes"))
            for tweet in data:
                if "created_at" not in tweet:
                    continue
                row, obs = rows.post_rows(
                    tweet, page.get("includes"), "a", str(path.name), NOW, "/2/tweets", media
                )
                # the page's media index, made once, reads as the page's includes do
                flat = normalize.flatten(tweet, page.get("includes"))
                assert row["content_type"] == flat["content_type"]
                assert (row["text"], row["media_keys"]) == (flat["text"], flat["media_keys"])
                public = tweet.get("public_metrics", {})
                assert obs["likes"] == public.get("like_count")
                assert obs["reposts"] == public.get("retweet_count", public.get("repost_count"))
                assert row["content_type"] in (
                    "text", "link", "photo", "video", "gif", "poll", "thread", "reply",
                    "quote", "retweet",
                )  # fmt: skip
                for key in row["media_keys"]:
                    if key in media:
                        assert rows.media_row(media[key], NOW)["media_key"] == key
                seen += 1
    assert seen > 10


@pytest.mark.parametrize(
    ("media", "expected"),
    [({"type": "video", "public_metrics": {"view_count": 77}}, 77), ({"type": "photo"}, None)],
)
def test_media_observation_only_when_counts_were_read(
    media: dict[str, object], expected: int | None
) -> None:
    item = {"media_key": "3_1", **media}
    row = rows.media_observation_row(item, "20", NOW, "/2/tweets")
    assert (row["view_count"] if row else None) == expected
