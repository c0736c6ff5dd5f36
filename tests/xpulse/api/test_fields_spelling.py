"""``[api] fields_spelling``: xpulse sends ``tweet.fields`` (default) or ``post.fields``,
and reads what xsim answers in either spelling to the same rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from xpulse.api.auth import BearerAuth
from xpulse.api.client import XClient
from xpulse.api.normalize import flatten, included_posts
from xpulse.config.settings import ApiConfig

server = pytest.importorskip("xsim.server.http")
generate = pytest.importorskip("xsim.world.generate")
NOW = datetime(2026, 5, 20, 12, tzinfo=UTC)


class Recording(httpx.HTTPTransport):
    """The real transport, keeping each request's URL."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[httpx.URL] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(request.url)
        return super().handle_request(request)


def _read(base: str, token: str, user_id: str, spelling: str) -> tuple[Any, Recording]:
    wire = Recording()
    with XClient(base, BearerAuth(token, source="test"), transport=wire,
                 fields_spelling=spelling) as client:  # fmt: skip
        pages = list(client.iter_user_tweets(user_id, max_pages=4))
        ids = [t["id"] for p in pages for t in p.data][:60]
        lookup = client.lookup_tweets(ids)
    return (pages, lookup), wire


def test_each_spelling_reads_the_same_posts_from_xsim() -> None:
    world = generate.generate_world(generate.GenerateOptions(seed=3, users=2, days=30, now=NOW,
                                                             posts_per_week=40.0))  # fmt: skip
    token = world.tokens[0]
    got: dict[str, Any] = {}
    with server.serve_in_thread(world, now=NOW) as base:
        for spelling in ("tweet.fields", "post.fields"):
            got[spelling], wire = _read(base, token.access_token, token.user_id, spelling)
            sent = [dict(url.params) for url in wire.urls]
            assert all(spelling in q for q in sent), sent
            other = "post.fields" if spelling == "tweet.fields" else "tweet.fields"
            assert not any(other in q for q in sent)
            expansions = sent[0]["expansions"].split(",")
            fields = sent[0][spelling].split(",")
            if spelling == "post.fields":
                assert "referenced_posts" in expansions and "referenced_posts" in fields
            else:
                assert "referenced_tweets.id" in expansions and "referenced_tweets" in fields
    (old_pages, old_lookup), (new_pages, new_lookup) = got["tweet.fields"], got["post.fields"]
    # the answers really came in two spellings ...
    old_raw = [t for p in old_pages for t in p.data]
    new_raw = [t for p in new_pages for t in p.data]
    assert "retweet_count" in old_raw[0]["public_metrics"]
    assert "repost_count" in new_raw[0]["public_metrics"]
    assert any("posts" in p.includes for p in new_pages)
    assert not any("tweets" in p.includes for p in new_pages)
    # ... and read to the same rows, referenced and included posts too
    old_rows = [flatten(t, p.includes) for p in old_pages for t in p.data]
    new_rows = [flatten(t, p.includes) for p in new_pages for t in p.data]
    assert len(old_rows) > 100 and old_rows == new_rows
    assert any(row["referenced"] for row in new_rows)
    assert [t["id"] for p in old_pages for t in included_posts(p.includes)] == [
        t["id"] for p in new_pages for t in included_posts(p.includes)
    ]
    assert [flatten(t, old_lookup.includes) for t in old_lookup.data] == [
        flatten(t, new_lookup.includes) for t in new_lookup.data
    ]


def test_the_default_is_the_documented_spelling() -> None:
    assert ApiConfig().fields_spelling == "tweet.fields"
    assert ApiConfig(fields_spelling="post.fields").fields_spelling == "post.fields"
    with pytest.raises(ValueError, match="fields_spelling"):
        ApiConfig(fields_spelling="posts.fields")  # type: ignore[arg-type]
