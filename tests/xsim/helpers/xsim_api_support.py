"""Shared by the xsim API tests: a small world stated exactly and an in-process client."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from xsim.clock import FixedClock
from xsim.server.app import create_app
from xsim.server.state import Sim
from xsim.world.model import App, Media, MediaFinal, Post, PostFinal, Reference, Token, User, World

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
ALICE, BOB, CAROL = "1001", "1002", "1003"
# Obviously fake tokens, made up for these tests.
ALICE_TOKEN = "fake-alice-user-token"
BOB_TOKEN = "fake-bob-user-token"
NO_SCOPE_TOKEN = "fake-alice-token-without-users-read"
CAROL_TOKEN = "fake-carol-user-token"
BEARER = "fake-app-bearer"
ENTERPRISE_TOKEN = "fake-enterprise-alice-token"
ENTERPRISE_BEARER = "fake-enterprise-bearer"
READ = frozenset({"tweet.read", "users.read", "offline.access"})

ALICE_POSTS = 40  # one an hour, newest an hour before NOW
BASE_ID = 1_790_000_000_000_000_000


def alice_post_id(i: int) -> str:
    """Id of Alice's i-th post (0 = oldest)."""
    return str(BASE_ID + i * 1000)


def make_world(alice_posts: int = ALICE_POSTS, cap: int | None = 15_000) -> World:
    apps = {
        "app-basic": App("app-basic", "Basic app", ["http://127.0.0.1/cb"], plan="basic",
                         client_secret="fake-secret", bearer_tokens=[BEARER],
                         monthly_read_cap=cap),
        "app-ent": App("app-ent", "Enterprise app", ["http://127.0.0.1/cb"], plan="enterprise",
                       bearer_tokens=[ENTERPRISE_BEARER], monthly_read_cap=None),
    }  # fmt: skip
    users = {
        ALICE: User(ALICE, "alice", "Alice", NOW - timedelta(days=900), description="hi",
                    followers_count=1234, following_count=56, listed_count=7),
        BOB: User(BOB, "bob", "Bob", NOW - timedelta(days=800), followers_count=10),
        CAROL: User(CAROL, "carol", "Carol", NOW - timedelta(days=700), protected=True),
    }  # fmt: skip
    posts: dict[str, Post] = {}
    start = NOW - timedelta(hours=alice_posts)
    for i in range(alice_posts):
        pid = alice_post_id(i)
        posts[pid] = Post(
            pid, ALICE, f"alice post {i}", start + timedelta(hours=i),
            final=PostFinal(1000 + i, 50, 10, 5, 2, bookmarks=3, url_link_clicks=4,
                            user_profile_clicks=6, engagements=80),
            growth="exact",
        )  # fmt: skip
    if alice_posts >= 40:
        posts[alice_post_id(10)].references = [Reference("replied_to", "2000")]
        posts[alice_post_id(11)].references = [Reference("retweeted", "2001")]
        posts[alice_post_id(12)].deleted = True
        posts[alice_post_id(13)].media_keys = ["13_1"]
        posts[alice_post_id(13)].references = [Reference("quoted", "3000")]
        posts[alice_post_id(14)].promoted = True
        posts[alice_post_id(14)].final.promoted_share = 0.5
        posts[alice_post_id(15)].poll = {"id": "555", "options": [
            {"position": 1, "label": "yes", "votes": 3}, {"position": 2, "label": "no", "votes": 1},
        ], "duration_minutes": 60, "voting_status": "closed"}  # fmt: skip
        posts[alice_post_id(16)].entities = {
            "mentions": [{"start": 0, "end": 4, "username": "bob", "id": BOB}]
        }
    # Bob: one recent post and one 40 days old; Carol: a protected post. Future post: unseen.
    posts["2000"] = Post("2000", BOB, "bob recent", NOW - timedelta(days=2),
                         final=PostFinal(500, 5, 1, 1, 0), growth="exact")  # fmt: skip
    posts["2001"] = Post("2001", BOB, "bob old", NOW - timedelta(days=40),
                         final=PostFinal(700, 7, 1, 1, 0), growth="exact")  # fmt: skip
    posts["3000"] = Post("3000", CAROL, "carol secret", NOW - timedelta(days=1),
                         final=PostFinal(50, 1, 0, 0, 0), growth="exact")  # fmt: skip
    posts["9999999999999999999"] = Post(
        "9999999999999999999", ALICE, "from the future", NOW + timedelta(days=1)
    )
    media = {
        "13_1": Media("13_1", "video", preview_image_url="https://pbs.twimg.com/x.jpg",
                      duration_ms=12000, final=MediaFinal(900, 800, 600, 400, 200, 100)),
    }  # fmt: skip
    tokens = [
        Token(ALICE_TOKEN, "app-basic", ALICE, READ, NOW + timedelta(days=365)),
        Token(BOB_TOKEN, "app-basic", BOB, READ, NOW + timedelta(days=365)),
        Token(CAROL_TOKEN, "app-basic", CAROL, READ, NOW + timedelta(days=365)),
        Token(NO_SCOPE_TOKEN, "app-basic", ALICE, frozenset({"tweet.read"}),
              NOW + timedelta(days=365)),
        Token(ENTERPRISE_TOKEN, "app-ent", ALICE, READ, NOW + timedelta(days=365)),
    ]  # fmt: skip
    return World(apps=apps, users=users, posts=posts, media=media, tokens=tokens, now=NOW)


class SyncASGI(httpx.BaseTransport):
    """Drive the ASGI app in-process from a sync httpx.Client, on one private event loop."""

    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def run() -> httpx.Response:
            body = request.read()
            inner = httpx.Request(request.method, request.url, headers=request.headers,
                                  content=body)  # fmt: skip
            response = await self._inner.handle_async_request(inner)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers,
                                  content=content)  # fmt: skip

        return self._loop.run_until_complete(run())

    def close(self) -> None:
        self._loop.close()


TestClient = httpx.Client


class Api:
    """A thin client: ``api.get(path, token, **params)`` -> httpx.Response."""

    def __init__(self, client: TestClient, sim: Sim) -> None:
        self.client, self.sim = client, sim

    def get(self, path: str, token: str | None = ALICE_TOKEN, **params: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.client.get(path, params=params, headers=headers)


def make_api(world: World | None = None, **opts: Any) -> tuple[Api, TestClient]:
    world = world or make_world()
    opts.setdefault("clock", FixedClock(NOW))
    app = create_app(world, **opts)
    client = httpx.Client(transport=SyncASGI(app), base_url="https://api.x.com")
    return Api(client, app.state.sim), client
