"""A small world on the Enterprise plan, stated exactly, with an OAuth 1.0a token pair per
user, and an in-process client that can sign OAuth 1.0a requests with oauthlib (an
independent signer, not xsim's own): what the enterprise APIs need."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from oauthlib.oauth1 import Client as OAuthlibClient
from xsim_api_support import SyncASGI

from xsim.clock import FixedClock
from xsim.server.app import create_app
from xsim.server.state import Sim
from xsim.world.model import (
    App,
    Media,
    MediaFinal,
    OAuth1Token,
    Post,
    PostFinal,
    Reference,
    Token,
    User,
    World,
)

NOW = datetime(2026, 5, 20, 12, 30, tzinfo=UTC)
BASE = "http://testserver"
ALICE, BOB, CAROL = "2001", "2002", "2003"
# Obviously fake credentials, made up for these tests.
CONSUMER_KEY, CONSUMER_SECRET = "fake-consumer-key", "fake-consumer-secret"
ALICE_OT, ALICE_OTS = "fake-alice-oauth1-token", "fake-alice-oauth1-secret"
BOB_OT, BOB_OTS = "fake-bob-oauth1-token", "fake-bob-oauth1-secret"
CAROL_OT, CAROL_OTS = "fake-carol-oauth1-token", "fake-carol-oauth1-secret"
ALICE_BEARER = "fake-alice-oauth2-user-token"
APP_BEARER = "fake-app-bearer-token"
READ = frozenset({"tweet.read", "users.read"})

# Alice's posts
RECENT = "1790000000000000100"  # 50 hours old, video + hashtag, curve growth
FRESH = "1790000000000000101"  # 3 hours old, photo
OLD = "1790000000000000102"  # 100 days old (no impressions on /totals)
ANCIENT = "1790000000000000103"  # 1,900 days old video (no video views)
DELETED = "1790000000000000104"
REPLY = "1790000000000000105"  # 5 hours old, a reply to Bob's post
BOB_POST = "1790000000000000200"
CAROL_POST = "1790000000000000300"  # protected author
MISSING = "1790000000000000999"


def _final(scale: int) -> PostFinal:
    return PostFinal(
        impressions=1000 * scale, likes=40 * scale, reposts=8 * scale, replies=5 * scale,
        quotes=3 * scale, bookmarks=4 * scale, url_link_clicks=11 * scale,
        user_profile_clicks=7 * scale, engagements=130 * scale,
    )  # fmt: skip


def make_world() -> World:
    app = App("app-1", "Enterprise app", ["http://127.0.0.1/cb"], plan="enterprise",
              client_secret="fake-client-secret", bearer_tokens=[APP_BEARER],
              monthly_read_cap=None, consumer_key=CONSUMER_KEY,
              consumer_secret=CONSUMER_SECRET)  # fmt: skip
    users = {
        ALICE: User(ALICE, "alice", "Alice", NOW - timedelta(days=3000)),
        BOB: User(BOB, "bob", "Bob", NOW - timedelta(days=3000)),
        CAROL: User(CAROL, "carol", "Carol", NOW - timedelta(days=3000), protected=True),
    }
    posts = {
        RECENT: Post(RECENT, ALICE, "launch #xpulse", NOW - timedelta(hours=50),
                     media_keys=["7_1"],
                     entities={"hashtags": [{"start": 7, "end": 14, "tag": "xpulse"}]},
                     final=_final(3), half_life_hours=5.0, promoted=True),
        FRESH: Post(FRESH, ALICE, "photo", NOW - timedelta(hours=3, minutes=20),
                    media_keys=["3_2"], final=_final(1)),
        OLD: Post(OLD, ALICE, "old", NOW - timedelta(days=100), final=_final(2)),
        ANCIENT: Post(ANCIENT, ALICE, "ancient video", NOW - timedelta(days=1900),
                      media_keys=["7_3"], final=_final(1)),
        DELETED: Post(DELETED, ALICE, "gone", NOW - timedelta(days=1), deleted=True),
        REPLY: Post(REPLY, ALICE, "@bob yes", NOW - timedelta(hours=5), final=_final(1),
                    references=[Reference("replied_to", BOB_POST)]),
        BOB_POST: Post(BOB_POST, BOB, "bob", NOW - timedelta(days=2), final=_final(1)),
        CAROL_POST: Post(CAROL_POST, CAROL, "carol", NOW - timedelta(days=2), final=_final(1)),
    }  # fmt: skip
    posts[RECENT].final.promoted_share = 0.25
    media = {
        "7_1": Media("7_1", "video", duration_ms=30_000,
                         final=MediaFinal(5000, 4000, 3000, 2000, 1000, 500)),
        "3_2": Media("3_2", "photo", url="https://pbs.twimg.com/media/x.jpg"),
        "7_3": Media("7_3", "video", duration_ms=10_000,
                         final=MediaFinal(800, 700, 600, 500, 400, 300)),
    }  # fmt: skip
    tokens = [Token(ALICE_BEARER, "app-1", ALICE, READ, NOW + timedelta(days=1))]
    oauth1 = [
        OAuth1Token(ALICE_OT, ALICE_OTS, "app-1", ALICE),
        OAuth1Token(BOB_OT, BOB_OTS, "app-1", BOB),
        OAuth1Token(CAROL_OT, CAROL_OTS, "app-1", CAROL),
    ]
    return World(apps={"app-1": app}, users=users, posts=posts, media=media, tokens=tokens,
                 oauth1_tokens=oauth1, now=NOW)  # fmt: skip


class Client:
    """``get``/``post`` with a bearer token or an oauthlib-signed OAuth 1.0a header."""

    def __init__(self, world: World, clock: FixedClock) -> None:
        self.world, self.clock = world, clock
        self.app = create_app(world, clock=clock)
        self.http = httpx.Client(transport=SyncASGI(self.app), base_url=BASE)
        self._nonce = 0

    @property
    def sim(self) -> Sim:
        sim: Sim = self.app.state.sim
        return sim

    def close(self) -> None:
        self.http.close()

    def oauth1_header(
        self,
        method: str,
        url: str,
        *,
        token: str = ALICE_OT,
        secret: str = ALICE_OTS,
        form: dict[str, str] | None = None,
        nonce: str | None = None,
        timestamp: int | None = None,
    ) -> str:
        self._nonce += 1
        signer = OAuthlibClient(
            CONSUMER_KEY,
            client_secret=CONSUMER_SECRET,
            resource_owner_key=token,
            resource_owner_secret=secret,
            nonce=nonce or f"nonce{self._nonce:08d}",
            timestamp=str(
                timestamp if timestamp is not None else int(self.clock.now().timestamp())
            ),
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if form else {}
        body = urlencode(form) if form else None
        _, signed, _ = signer.sign(url, method, body=body, headers=headers)
        return str(signed["Authorization"])

    def get(self, path: str, auth: str | None = "oauth1", **params: Any) -> Any:
        url = BASE + path + ("?" + urlencode(params) if params else "")
        return self.http.get(url, headers=self._headers("GET", url, auth))

    def engage(self, endpoint: str, body: Any, auth: str | None = "oauth1", **kw: Any) -> Any:
        url = f"{BASE}/insights/engagement/{endpoint}"
        headers = self._headers("POST", url, auth, **kw)
        headers["Content-Type"] = "application/json"
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.http.post(url, content=content, headers=headers)

    def _headers(self, method: str, url: str, auth: str | None, **kw: Any) -> dict[str, str]:
        if auth is None:
            return {}
        if auth == "oauth1":
            return {"Authorization": self.oauth1_header(method, url, **kw)}
        return {"Authorization": f"Bearer {auth}"}


def make_client(world: World | None = None) -> Client:
    return Client(world or make_world(), FixedClock(NOW))
