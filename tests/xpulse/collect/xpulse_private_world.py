"""A small xsim world stated exactly for the private and enterprise reads (organic,
promoted, media, the analytics series, the Engagement API), and a client over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from xpulse.api.client import XClient
from xpulse.api.transport import CallRecord
from xsim.world.model import App, Media, MediaFinal, Post, PostFinal, Token, User, World

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
ALICE, BOB = "1001", "1002"
# Obviously fake credentials, made up for these tests.
ALICE_TOKEN = "fake-alice-user-token"
BEARER = "fake-app-bearer"
CONSUMER_KEY, CONSUMER_SECRET = "fake-consumer-key", "fake-consumer-secret"
READ = frozenset({"tweet.read", "users.read", "offline.access"})

PLAIN, PROMOTED, VIDEO, OLD, BOBS = "5001", "5002", "5003", "5004", "6001"


def make_world() -> World:
    app = App(
        "app-private", "Private metrics app", ["http://127.0.0.1/cb"], plan="enterprise",
        bearer_tokens=[BEARER], monthly_read_cap=None,
        consumer_key=CONSUMER_KEY, consumer_secret=CONSUMER_SECRET,
    )  # fmt: skip
    users = {
        ALICE: User(ALICE, "alice", "Alice", NOW - timedelta(days=900)),
        BOB: User(BOB, "bob", "Bob", NOW - timedelta(days=900)),
    }

    def post(pid: str, author: str, age: timedelta, **kw: object) -> Post:
        final = PostFinal(1000, 40, 10, 5, 2, bookmarks=3, url_link_clicks=7,
                          user_profile_clicks=9, engagements=90)  # fmt: skip
        return Post(
            pid,
            author,
            f"post {pid}",
            NOW - age - timedelta(minutes=17),
            final=final,
            growth="exact",
            **kw,
        )  # type: ignore[arg-type]

    posts = {
        PLAIN: post(PLAIN, ALICE, timedelta(days=5)),
        PROMOTED: post(PROMOTED, ALICE, timedelta(days=10), promoted=True),
        VIDEO: post(VIDEO, ALICE, timedelta(days=3), media_keys=["13_9"]),
        OLD: post(OLD, ALICE, timedelta(days=35)),
        BOBS: post(BOBS, BOB, timedelta(days=2)),
    }
    posts[PROMOTED].final.promoted_share = 0.25
    media = {
        "13_9": Media("13_9", "video", duration_ms=30000,
                      final=MediaFinal(900, 800, 600, 400, 200, 100)),
    }  # fmt: skip
    tokens = [Token(ALICE_TOKEN, "app-private", ALICE, READ, NOW + timedelta(days=365))]
    return World(
        apps={"app-private": app}, users=users, posts=posts, media=media, tokens=tokens, now=NOW
    )


class StaticAuth:
    def __init__(self, header: str) -> None:
        self.header = header

    def authorization(self) -> str:
        return self.header

    def after_unauthorized(self, sent: str) -> bool:
        return False


@dataclass
class Live:
    url: str
    world: World

    def client(
        self, token: str = ALICE_TOKEN, *, on_call: Callable[[CallRecord], None] | None = None
    ) -> XClient:
        return XClient(
            self.url,
            StaticAuth(f"Bearer {token}"),
            clock=lambda: NOW,
            sleep=lambda s: None,
            on_call=on_call,
        )
