"""GET /2/users/{id}/tweets: paging, filters, the 3,200 cap, meta as recorded."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from xsim_api_support import (
    ALICE,
    ALICE_POSTS,
    BEARER,
    BOB_TOKEN,
    CAROL,
    NOW,
    Api,
    alice_post_id,
    make_world,
)

from xsim.clock import iso_z

LIVE = [alice_post_id(i) for i in range(ALICE_POSTS - 1, -1, -1) if i != 12]  # newest first


def walk(api: Api, user: str = ALICE, token: str = BEARER, **params: Any) -> list[dict[str, Any]]:
    """Every page of a timeline, following next_token."""
    pages = []
    token_param: dict[str, str] = {}
    while True:
        r = api.get(f"/2/users/{user}/tweets", token, **params, **token_param)
        assert r.status_code == 200, r.text
        pages.append(r.json())
        nxt = r.json()["meta"].get("next_token")
        if not nxt:
            return pages
        token_param = {"pagination_token": nxt}


def ids_of(pages: list[dict[str, Any]]) -> list[str]:
    return [t["id"] for page in pages for t in page.get("data", [])]


def test_paging_covers_every_live_post_once_newest_first(api: Api) -> None:
    pages = walk(api, max_results=7)
    assert ids_of(pages) == LIVE  # no gap, no duplicate, deleted post absent
    assert [p["meta"]["result_count"] for p in pages] == [7, 7, 7, 7, 7, 4]
    first, second = pages[0]["meta"], pages[1]["meta"]
    assert "previous_token" not in first
    assert first["newest_id"] == LIVE[0] and first["oldest_id"] == LIVE[6]
    assert "previous_token" in second and "next_token" not in pages[-1]["meta"]


def test_previous_token_returns_the_page_before(api: Api) -> None:
    pages = walk(api, max_results=5)
    back = api.get(
        f"/2/users/{ALICE}/tweets", BEARER, max_results=5,
        pagination_token=pages[2]["meta"]["previous_token"],
    ).json()  # fmt: skip
    assert [t["id"] for t in back["data"]] == [t["id"] for t in pages[1]["data"]]


def test_default_page_size_is_10(api: Api) -> None:
    body = api.get(f"/2/users/{ALICE}/tweets", BEARER).json()
    assert body["meta"]["result_count"] == 10
    assert set(body["data"][0]) == {"id", "text", "edit_history_tweet_ids"}


def test_exclude_replies_and_retweets(api: Api) -> None:
    everything = ids_of(walk(api, max_results=100))
    no_replies = ids_of(walk(api, max_results=100, exclude="replies"))
    neither = ids_of(walk(api, max_results=100, exclude="replies,retweets"))
    assert alice_post_id(10) in everything and alice_post_id(10) not in no_replies
    assert alice_post_id(11) in no_replies and alice_post_id(11) not in neither
    assert len(neither) == len(everything) - 2


def test_time_and_id_filters(api: Api) -> None:
    start, end = NOW - timedelta(hours=10), NOW - timedelta(hours=4)
    got = ids_of(walk(api, start_time=iso_z(start), end_time=iso_z(end)))
    # posts at NOW-10h .. NOW-5h (start inclusive, end exclusive): indices 30..35
    assert got == [alice_post_id(i) for i in range(35, 29, -1)]
    got = ids_of(walk(api, since_id=alice_post_id(33), until_id=alice_post_id(37)))
    assert got == [alice_post_id(36), alice_post_id(35), alice_post_id(34)]
    # since_id takes precedence over start_time
    got = ids_of(walk(api, since_id=alice_post_id(37), start_time=iso_z(NOW - timedelta(days=9))))
    assert got == [alice_post_id(39), alice_post_id(38)]


def test_empty_page_meta(api: Api) -> None:
    body = api.get(
        f"/2/users/{ALICE}/tweets", BEARER, start_time=iso_z(NOW - timedelta(minutes=30))
    ).json()
    assert body == {"meta": {"result_count": 0}}


def test_only_the_3200_most_recent_posts_are_reachable(make: Any) -> None:
    api = make(make_world(alice_posts=3300))
    got = ids_of(walk(api, max_results=100))
    assert len(got) == 3200
    assert got[0] == alice_post_id(3299) and got[-1] == alice_post_id(100)
    # Ask for the oldest posts by id: still nothing beyond the cap.
    assert ids_of(walk(api, until_id=alice_post_id(100))) == []


def test_unknown_and_protected_users(api: Api) -> None:
    missing = api.get("/2/users/77/tweets", BEARER).json()
    assert missing["errors"][0]["detail"] == "Could not find user with id: [77]."
    hidden = api.get(f"/2/users/{CAROL}/tweets", BOB_TOKEN)
    assert hidden.status_code == 200
    assert hidden.json()["errors"][0]["type"].endswith("/not-authorized-for-resource")


def test_metrics_grow_as_the_clock_advances(make: Any) -> None:
    world = make_world()
    for post in world.posts.values():
        post.growth = "curve"
    api = make(world)
    params = {"tweet.fields": "public_metrics", "max_results": 5}
    before = api.get(f"/2/users/{ALICE}/tweets", BEARER, **params).json()["data"][0]
    api.sim.clock.advance(3600 * 12)  # before the future post appears
    after = api.get(f"/2/users/{ALICE}/tweets", BEARER, **params).json()["data"][0]
    assert after["id"] == before["id"]
    assert (
        after["public_metrics"]["impression_count"] > before["public_metrics"]["impression_count"]
    )
    # The same instant read through lookup agrees with the timeline.
    same = api.get(f"/2/tweets/{after['id']}", BEARER, **{"tweet.fields": "public_metrics"})
    assert same.json()["data"]["public_metrics"] == after["public_metrics"]


def test_timeline_expansions_fill_includes(api: Api) -> None:
    body = api.get(
        f"/2/users/{ALICE}/tweets",
        BEARER,
        max_results=100,
        expansions="author_id,attachments.media_keys,attachments.poll_ids,referenced_tweets.id",
        **{"tweet.fields": "author_id,attachments", "media.fields": "type,duration_ms"},
    ).json()
    includes = body["includes"]
    assert [u["id"] for u in includes["users"]] == [ALICE]
    assert includes["media"] == [{"media_key": "13_1", "type": "video", "duration_ms": 12000}]
    assert includes["polls"][0]["id"] == "555"
    # Bob's posts 2000 (replied to) and 2001 (retweeted) come in includes.tweets; Carol's
    # protected post 3000 (quoted) is an includes error instead.
    assert sorted(t["id"] for t in includes["tweets"]) == ["2000", "2001"]
    assert [e["resource_id"] for e in body["errors"]] == ["3000"]
