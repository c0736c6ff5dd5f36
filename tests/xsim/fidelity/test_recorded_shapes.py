"""xsim reproduces the shapes of real recorded X API responses (structure, not values).

Each test replays a recorded request's query against xsim (the world differs, so ids and
time windows are swapped for the world's own) and compares keys, JSON types and nesting
with the recording in ``../shared/x-api/recorded``. What xsim does not model at all is
named in ``UNMODELLED``; a field the API added after a recording was made in ``NEWER``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import httpx
import pytest
from xsim_fidelity_shapes import (
    differences,
    load_recording,
    load_twarc,
    load_vcr,
    objects,
    query_of,
)
from xsim_fidelity_world import BEARER, NOW, OTHER_TOKEN, OWNER_TOKEN, Served, crawl_world

from xsim.server.http import serve_in_thread

pytestmark = pytest.mark.shared  # reads ../shared/x-api

# Parts of the real objects xsim does not generate (its world has no such data).
UNMODELLED = frozenset(
    {
        "source",  # tweet.fields=source (deprecated by X)
        "context_annotations",
        "geo",
        "withheld",
        "annotations",  # entities.annotations (named-entity recognition)
        "variants",  # media variants (video renditions)
        "users[].entities",  # user.fields=entities (URLs in a profile)
        "users[].pinned_tweet_id",
        # Deliberate: follower counts left self-serve plans in April 2026 (a published guide).
        "users[].public_metrics.followers_count",
        "users[].public_metrics.following_count",
    }
)
# A field the API added after the 2021 recordings (edits, in 2022).
NEWER = frozenset({"edit_history_tweet_ids"})
RATE_HEADERS = {"x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"}


@pytest.fixture(scope="module")
def shaped() -> Iterator[Served]:
    """The crawl world, with one referenced post deleted (a not-found reference)."""
    world, who = crawl_world()
    for post in sorted(world.posts.values(), key=lambda p: int(p.id), reverse=True):
        refs = [r for r in post.references if r.type != "retweeted"]
        if post.author_id == who.owner and refs:
            world.posts[refs[0].id].deleted = True
            break
    with serve_in_thread(world) as url:
        yield Served(url, world, who)


@pytest.fixture
def xsim(shaped: Served) -> Iterator[httpx.Client]:
    with shaped.client() as client:
        yield client


def get(http: httpx.Client, path: str, token: str | None, params: dict[str, str]) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return http.get(path, params=params, headers=headers)


def fields_of(url: str) -> dict[str, str]:
    """A recorded request's query without its ids, window and paging (world-specific)."""
    skip = {"ids", "start_time", "end_time", "pagination_token", "query"}
    return {k: v for k, v in query_of(url).items() if k not in skip}


def keysets(body: Any, drop: frozenset[str] = frozenset()) -> dict[str, set[frozenset[str]]]:
    """Exact key sets of every object, by path: for bodies that carry default fields only."""
    return {
        where: {frozenset(k for k in o if k not in drop) for o in objs}
        for where, objs in objects(body).items()
    }


def error_keys(body: dict[str, Any]) -> dict[str, set[frozenset[str]]]:
    """The key sets of a body's ``errors``, by problem type."""
    out: dict[str, set[frozenset[str]]] = {}
    for error in body.get("errors", []):
        out.setdefault(error["type"], set()).add(frozenset(error))
    return out


def owner_posts(served: Served, with_refs: bool = False) -> list[str]:
    posts = [
        p
        for p in served.world.posts.values()
        if p.author_id == served.who.owner and not p.deleted and (p.references or not with_refs)
    ]
    return [p.id for p in sorted(posts, key=lambda p: int(p.id), reverse=True)]


def test_partial_errors_beside_data(x_api_dir: Path, shaped: Served, xsim: httpx.Client) -> None:
    rec = load_recording(x_api_dir, "tweets-3c8bee")
    ids = [*owner_posts(shaped, with_refs=True)[:60], "1", "2", "3"]
    params = {**fields_of(rec["url"]), "ids": ",".join(ids)}
    ours = get(xsim, "/2/tweets", OWNER_TOKEN, params)
    assert ours.status_code == rec["status_code"] == 200
    body = ours.json()
    assert set(body) == set(rec["body"]) == {"data", "includes", "errors"}
    diff = differences(rec["body"], body, UNMODELLED)
    assert diff == [], "\n".join(diff)
    kind = rec["body"]["errors"][0]["type"]  # resource-not-found, for ids 1, 2, 3
    assert error_keys(body)[kind] == error_keys(rec["body"])[kind]


def test_200_with_only_errors(x_api_dir: Path, xsim: httpx.Client) -> None:
    rec = load_recording(x_api_dir, "tweets-0b8bd2")
    params = {**fields_of(rec["url"]), "ids": query_of(rec["url"])["ids"]}  # ids 1..15
    ours = get(xsim, "/2/tweets", BEARER, params)
    assert ours.status_code == rec["status_code"] == 200
    assert set(ours.json()) == set(rec["body"]) == {"errors"}
    assert keysets(ours.json()) == keysets(rec["body"])
    assert len(ours.json()["errors"]) == len(rec["body"]["errors"])


def test_timeline_of_a_missing_user_is_200_with_only_errors(
    x_api_dir: Path, xsim: httpx.Client
) -> None:
    rec = load_recording(x_api_dir, "users__1405327120163872777__tweets-d24b15")
    ours = get(xsim, "/2/users/1405327120163872777/tweets", BEARER, fields_of(rec["url"]))
    assert ours.status_code == rec["status_code"] == 200
    assert keysets(ours.json()) == keysets(rec["body"])
    assert ours.json()["errors"][0]["detail"] == rec["body"]["errors"][0]["detail"]


def test_timeline_pages_and_their_tokens(
    x_api_dir: Path, shaped: Served, xsim: httpx.Client
) -> None:
    """Page 1 has ``next_token``; page 2 (``pagination_token``) has both tokens."""
    first = load_recording(x_api_dir, "users__460255655__tweets-d24b15")
    second = load_recording(x_api_dir, "users__460255655__tweets-87f62e")
    assert query_of(second["url"])["pagination_token"] == first["body"]["meta"]["next_token"]
    path = f"/2/users/{shaped.who.owner}/tweets"
    params = {**fields_of(first["url"]), "max_results": "25"}  # page 2 is not the last
    page1 = get(xsim, path, OTHER_TOKEN, params)
    token = page1.json()["meta"]["next_token"]
    page2 = get(xsim, path, OTHER_TOKEN, {**params, "pagination_token": token})
    for rec, ours in ((first, page1), (second, page2)):
        assert ours.status_code == rec["status_code"] == 200
        assert set(ours.json()["meta"]) == set(rec["body"]["meta"])
        diff = differences(rec["body"], ours.json(), UNMODELLED)
        assert diff == [], "\n".join(diff)
        assert set(ours.headers) >= RATE_HEADERS
        assert ours.headers["x-rate-limit-limit"] == rec["headers"]["x-rate-limit-limit"]
    # The recorded tokens are opaque lowercase base36; so are xsim's.
    for token in (page1.json()["meta"]["next_token"], page2.json()["meta"]["previous_token"]):
        assert token.isalnum() and token == token.lower()
    back = get(xsim, path, OTHER_TOKEN, {**params, "pagination_token": token})
    assert back.json()["data"] == page1.json()["data"]


def test_page_with_errors_for_unauthorized_includes(
    x_api_dir: Path, shaped: Served, xsim: httpx.Client
) -> None:
    rec = load_recording(x_api_dir, "users__460255655__tweets-d24b15")
    kind = "https://api.twitter.com/2/problems/not-authorized-for-resource"
    ours: dict[str, Any] = {}
    for pid in owner_posts(shaped):  # walk the owner's timeline until a page has such errors
        params = {**fields_of(rec["url"]), "until_id": pid}
        ours = get(xsim, f"/2/users/{shaped.who.owner}/tweets", OTHER_TOKEN, params).json()
        if kind in error_keys(ours):
            break
    assert kind in error_keys(ours), "the world has no post referencing a protected one"
    assert set(ours) == set(rec["body"])
    assert error_keys(ours)[kind] == error_keys(rec["body"])[kind]


def test_missing_referenced_post_error(x_api_dir: Path, shaped: Served, xsim: httpx.Client) -> None:
    """twarc's page: a referenced post that is gone is a not-found error with no section."""
    page = next(p for p in load_twarc(x_api_dir, "withheld") if "meta" in p and "errors" in p)
    kind = "https://api.twitter.com/2/problems/resource-not-found"
    params = {**fields_of(page["__twarc"]["url"]), "max_results": "100"}
    body = get(xsim, f"/2/users/{shaped.who.owner}/tweets", OWNER_TOKEN, params).json()
    assert kind in error_keys(body)
    assert error_keys(body)[kind] == error_keys(page)[kind]


def test_invalid_request_bodies_with_parameters_map(
    x_api_dir: Path, shaped: Served, xsim: httpx.Client
) -> None:
    """Same bad input, same 400 body: ``errors[].parameters`` map, no ``status``."""
    window = load_recording(x_api_dir, "tweets__search__all-92adbd")
    # The values sent are in the body's parameters map (the mock's file URL is normalised).
    sent = {k: v[0] for k, v in window["body"]["errors"][0]["parameters"].items()}
    ours = get(xsim, f"/2/users/{shaped.who.owner}/tweets", OWNER_TOKEN, sent)
    assert ours.status_code == window["status_code"] == 400
    assert ours.json() == window["body"]
    assert ours.headers["content-type"] == window["headers"]["content-type"]
    assert set(ours.headers) >= RATE_HEADERS

    ids = load_recording(x_api_dir, "users-208538")
    ours = get(xsim, "/2/tweets", BEARER, {"ids": query_of(ids["url"])["ids"]})
    assert ours.status_code == ids["status_code"] == 400
    assert ours.json() == ids["body"]
    assert "status" not in ours.json()


def test_401_has_no_rate_limit_headers(x_api_dir: Path, xsim: httpx.Client) -> None:
    rec = load_recording(x_api_dir, "tweets__search__all-90b063")
    ours = get(xsim, "/2/users/me", "fake-not-a-token", {})
    assert ours.status_code == rec["status_code"] == 401
    assert ours.json() == rec["body"]
    assert not RATE_HEADERS & set(rec["headers"])
    assert not RATE_HEADERS & set(ours.headers)
    assert ours.headers["content-type"] == rec["headers"]["content-type"]


def test_unknown_path_is_an_html_404_with_rate_limit_headers(
    x_api_dir: Path, xsim: httpx.Client
) -> None:
    rec = load_recording(x_api_dir, "tweets__count__all-ef70a4")
    ours = get(xsim, "/2/tweets/count/all", BEARER, query_of(rec["url"]))
    assert ours.status_code == rec["status_code"] == 404
    assert ours.headers["content-type"].replace(" ", "") == rec["headers"]["content-type"]
    assert set(ours.headers) >= RATE_HEADERS
    assert ours.headers["x-rate-limit-limit"] == rec["headers"]["x-rate-limit-limit"]


VCR = [
    ("test_client_get_me", "/2/users/me", OWNER_TOKEN),
    ("test_client_get_users_tweets", "/2/users/{owner}/tweets", BEARER),
    ("test_client_get_tweet", "/2/tweets/{post}", BEARER),
    ("test_client_get_tweets", "/2/tweets", BEARER),
    ("test_client_get_user", "/2/users/by/username/{username}", BEARER),
]


@pytest.mark.parametrize(("cassette", "path", "token"), VCR)
def test_tweepy_cassettes_default_shapes_and_rate_headers(
    cassette: str, path: str, token: str, x_api_dir: Path, shaped: Served, xsim: httpx.Client
) -> None:
    rec = load_vcr(x_api_dir, cassette)[0]
    posts = owner_posts(shaped)
    owner = shaped.world.users[shaped.who.owner]
    url = path.format(owner=owner.id, post=posts[0], username=owner.username)
    params = {"ids": ",".join(posts[:2])} if path == "/2/tweets" else {}
    ours = get(xsim, url, token, params)
    assert ours.status_code == rec["status"]["code"] == 200
    # Default fields only: the same keys at every level (2021 cassettes predate edits).
    assert keysets(ours.json(), NEWER) == keysets(rec["body"], NEWER)
    headers = {k: v[0] for k, v in rec["headers"].items()}
    assert set(ours.headers) >= RATE_HEADERS
    assert ours.headers["x-rate-limit-limit"] == headers["x-rate-limit-limit"]
    assert ours.headers["content-type"] == headers["content-type"]
    for name in RATE_HEADERS:
        assert ours.headers[name].isdigit() and headers[name].isdigit()
    assert int(ours.headers["x-rate-limit-remaining"]) < int(ours.headers["x-rate-limit-limit"])
    reset = int(ours.headers["x-rate-limit-reset"])  # epoch seconds, within the 15 minutes
    assert 0 < reset - NOW.astimezone(UTC).timestamp() <= 15 * 60


def test_video_media_in_includes(x_api_dir: Path, shaped: Served, xsim: httpx.Client) -> None:
    rec = load_twarc(x_api_dir, "media_tweet")[0]
    videos = [
        p.id
        for p in shaped.world.posts.values()
        if not p.deleted and any(shaped.world.media[k].type == "video" for k in p.media_keys)
    ]
    assert videos, "the world has no video post"
    params = {**fields_of(rec["__twarc"]["url"]), "ids": ",".join(videos[:20])}
    ours = get(xsim, "/2/tweets", BEARER, params)
    assert ours.status_code == 200
    media = ours.json()["includes"]["media"]
    assert differences(rec["includes"]["media"], media, UNMODELLED) == []
    assert all(isinstance(m["public_metrics"]["view_count"], int) for m in media)


def test_one_window_per_token_and_endpoint(x_api_dir: Path, shaped: Served) -> None:
    """Recorded lookups in one window share one reset and count remaining down."""
    recs = [
        load_recording(x_api_dir, n) for n in ("tweets-0b8bd2", "tweets-3c8bee", "tweets-da6002")
    ]
    assert len({r["headers"]["x-rate-limit-reset"] for r in recs}) == 1
    ids = ",".join(owner_posts(shaped)[:3])
    with shaped.client() as http:
        answers = [get(http, "/2/tweets", OTHER_TOKEN, {"ids": ids}) for _ in range(3)]
    assert len({a.headers["x-rate-limit-reset"] for a in answers}) == 1
    remaining = [int(a.headers["x-rate-limit-remaining"]) for a in answers]
    assert remaining[0] - remaining[1] == remaining[1] - remaining[2] == 1
    assert {a.headers["x-rate-limit-limit"] for a in answers} == {
        r["headers"]["x-rate-limit-limit"] for r in recs
    }
