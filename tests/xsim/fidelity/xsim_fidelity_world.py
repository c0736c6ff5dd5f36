"""Worlds for the fidelity tests: a generated world (every content type) with known tokens.

The generator gives the variety a broad crawl needs (photos, videos with quartile plays,
GIFs, polls, threads, replies, quotes, retweets, promoted and deleted posts). On top of it
this module states the apps and tokens itself, so the tests know every credential, and
makes one user protected so that authorization errors appear. Every secret here is an
obviously fake string made up for these tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from xsim.world.generate import generate_world
from xsim.world.generate_people import GenerateOptions
from xsim.world.model import App, Token, World

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
READ = frozenset({"tweet.read", "users.read", "offline.access"})

CLIENT_ID = "fidelity-confidential-app"
CLIENT_SECRET = "fake-fidelity-client-secret"
ENT_CLIENT_ID = "fidelity-enterprise-app"
BEARER = "fake-fidelity-app-bearer"
ENT_BEARER = "fake-fidelity-enterprise-bearer"
OWNER_TOKEN = "fake-fidelity-owner-token"
OTHER_TOKEN = "fake-fidelity-other-token"
PROTECTED_TOKEN = "fake-fidelity-protected-token"
NO_SCOPE_TOKEN = "fake-fidelity-token-without-users-read"
ENT_OWNER_TOKEN = "fake-fidelity-enterprise-owner-token"
RATE_TOKEN = "fake-fidelity-rate-limit-token"  # used up by the 429 test only
EXPIRED_TOKEN = "fake-fidelity-expired-owner-token"
REFRESH_TOKEN = "fake-fidelity-owner-refresh-token"
CALLBACK = "http://127.0.0.1:8765/callback"


@dataclass(frozen=True)
class People:
    """Who is who in a world: the busiest poster, another user, the protected one."""

    owner: str
    other: str
    protected: str


@dataclass
class Served:
    """A running xsim: its base URL, the world it serves and who is who in it."""

    url: str
    world: World
    who: People

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10)


def people(world: World) -> People:
    counts: dict[str, int] = {uid: 0 for uid in world.users}
    for post in world.posts.values():
        counts[post.author_id] += 1
    ranked = sorted(counts, key=lambda uid: (-counts[uid], uid))
    return People(ranked[0], ranked[min(1, len(ranked) - 1)], ranked[-1])


def _apps() -> dict[str, App]:
    return {
        CLIENT_ID: App(CLIENT_ID, "Fidelity (basic)", [CALLBACK], plan="basic",
                       client_secret=CLIENT_SECRET, bearer_tokens=[BEARER]),
        ENT_CLIENT_ID: App(ENT_CLIENT_ID, "Fidelity (enterprise)", [CALLBACK],
                           plan="enterprise", client_secret="fake-fidelity-ent-secret",
                           bearer_tokens=[ENT_BEARER], monthly_read_cap=None),
    }  # fmt: skip


def crawl_world(now: datetime = NOW) -> tuple[World, People]:
    """Three users over 45 days (posts older than 30 days included), one protected."""
    world = generate_world(GenerateOptions(seed=20260520, users=3, days=45, now=now,
                                           posts_per_week=25.0))  # fmt: skip
    who = people(world)
    world.users[who.protected].protected = True
    world.apps = _apps()
    live = now + timedelta(days=30)
    world.tokens = [
        Token(OWNER_TOKEN, CLIENT_ID, who.owner, READ, live),
        Token(OTHER_TOKEN, CLIENT_ID, who.other, READ, live),
        Token(PROTECTED_TOKEN, CLIENT_ID, who.protected, READ, live),
        Token(NO_SCOPE_TOKEN, CLIENT_ID, who.owner, frozenset({"tweet.read"}), live),
        Token(ENT_OWNER_TOKEN, ENT_CLIENT_ID, who.owner, READ, live),
        Token(RATE_TOKEN, CLIENT_ID, who.other, READ, live),
    ]
    return world, who


def script_world(now: datetime, posts_per_week: float = 160.0) -> tuple[World, People]:
    """One busy account for the guide's script: an expired access token and a live refresh.

    Posts within ten minutes of ``now - 7 days`` are marked deleted: the script takes
    "7 days ago" from its own wall clock a few seconds after ``now``, and a post on the
    boundary would make the expected total depend on that race.
    """
    world = generate_world(GenerateOptions(seed=7, users=1, days=12, now=now,
                                           posts_per_week=posts_per_week))  # fmt: skip
    who = people(world)
    world.apps = _apps()
    world.tokens = [
        Token(EXPIRED_TOKEN, CLIENT_ID, who.owner, READ, now - timedelta(hours=1),
              refresh_token=REFRESH_TOKEN),
    ]  # fmt: skip
    boundary = now - timedelta(days=7)
    for post in world.posts.values():
        if abs(post.created_at - boundary) < timedelta(minutes=10):
            post.deleted = True
    return world, who


def window_ids(world: World, author_id: str, start: datetime, end: datetime) -> list[str]:
    """Live posts of ``author_id`` created in ``[start, end]``, newest first."""
    ids = [
        p.id
        for p in world.posts.values()
        if p.author_id == author_id and not p.deleted and start <= p.created_at <= end
    ]
    return sorted(ids, key=int, reverse=True)
