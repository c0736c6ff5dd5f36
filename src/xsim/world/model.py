"""The in-memory world xsim serves: apps, users, tokens, posts, media.

These dataclasses are the contract between the world loader/generator
(:mod:`xsim.world.document`, :mod:`xsim.world.generate`), the metric curves
(:mod:`xsim.world.curves`) and the HTTP layer (:mod:`xsim.server`, :mod:`xsim.v2`,
:mod:`xsim.oauth`). Times are aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Plan = Literal["free", "basic", "pro", "pay-per-use", "enterprise"]
MediaType = Literal["photo", "video", "animated_gif"]
ReferenceType = Literal["replied_to", "quoted", "retweeted"]
FollowerCounts = Literal["every-plan", "enterprise-only"]

# Post reads a billing period when a world gives no explicit cap (X's plans as of 2026-08:
# pay-per-use 3,000,000 since 2026-08-13; the legacy subscriptions' published caps).
PLAN_CAPS: dict[str, int | None] = {
    "free": 100,
    "basic": 15_000,
    "pro": 1_000_000,
    "pay-per-use": 3_000_000,
    "enterprise": None,
}


@dataclass
class App:
    """A developer app: OAuth 2.0 client, app-only bearer tokens, plan and monthly cap."""

    client_id: str
    name: str
    callback_urls: list[str]
    plan: Plan = "basic"
    # None: a public client (PKCE only, client_id in body)
    client_secret: str | None = field(default=None, repr=False)
    bearer_tokens: list[str] = field(default_factory=list, repr=False)
    monthly_read_cap: int | None = 15_000  # post reads per billing period; None: uncapped
    consumer_key: str | None = None  # OAuth 1.0a
    consumer_secret: str | None = field(default=None, repr=False)
    # The user id of the developer who owns the app: only their own posts, read with their
    # user token, cost the owned-read price. None: not stated (a world written before the
    # 2026-04-20 rule): any user reading their own posts through the app gets that price.
    owner: str | None = None

    @property
    def confidential(self) -> bool:
        return self.client_secret is not None


@dataclass
class User:
    id: str
    username: str
    name: str
    created_at: datetime
    description: str = ""
    location: str | None = None
    url: str | None = None
    protected: bool = False
    verified: bool = False
    profile_image_url: str | None = None
    # Counts as the world states them (World.follower_counts says who sees followers).
    followers_count: int = 0
    following_count: int = 0
    listed_count: int = 0
    like_count: int = 0
    # IANA zone the user posts in; not served, used by the generator and its ground truth.
    time_zone: str | None = None


@dataclass
class Token:
    """A user-context OAuth 2.0 token pair issued to an app for a user."""

    access_token: str = field(repr=False)
    client_id: str
    user_id: str
    scopes: frozenset[str]
    expires_at: datetime
    refresh_token: str | None = field(default=None, repr=False)


@dataclass
class OAuth1Token:
    """An OAuth 1.0a access token and secret an app (by client_id) holds for a user."""

    token: str
    token_secret: str = field(repr=False)
    client_id: str
    user_id: str


@dataclass
class MediaFinal:
    """Totals a media item converges to; counts at an instant come from the curve."""

    view_count: int = 0
    playback_0_count: int = 0
    playback_25_count: int = 0
    playback_50_count: int = 0
    playback_75_count: int = 0
    playback_100_count: int = 0


@dataclass
class Media:
    media_key: str
    type: MediaType
    url: str | None = None
    preview_image_url: str | None = None
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None
    alt_text: str | None = None
    final: MediaFinal = field(default_factory=MediaFinal)


@dataclass
class Reference:
    type: ReferenceType
    id: str


@dataclass
class PostFinal:
    """Totals a post's metrics converge to (the value at infinite age).

    ``promoted_share`` is the fraction of impressions and engagements that a promoted
    post earned from its promotion; organic = total - promoted.
    """

    impressions: int
    likes: int
    reposts: int
    replies: int
    quotes: int
    bookmarks: int = 0
    url_link_clicks: int = 0
    user_profile_clicks: int = 0
    engagements: int = 0  # X's own engagements count (clicks, expands, ... included)
    promoted_share: float = 0.0


@dataclass
class Post:
    id: str
    author_id: str
    text: str
    created_at: datetime
    lang: str = "en"
    conversation_id: str | None = None  # defaults to id
    references: list[Reference] = field(default_factory=list)
    media_keys: list[str] = field(default_factory=list)
    entities: dict[str, Any] | None = None  # X API v2 entities object (urls, hashtags, ...)
    poll: dict[str, Any] | None = None  # {"id", "options": [{"position","label","votes"}], ...}
    promoted: bool = False
    deleted: bool = False
    possibly_sensitive: bool = False
    final: PostFinal = field(default_factory=lambda: PostFinal(0, 0, 0, 0, 0))
    # "curve": metrics grow with age toward ``final``; "exact": ``final`` at every instant.
    growth: Literal["curve", "exact"] = "curve"
    # Per-post speed of the curve: hours by which half of the final impressions have arrived.
    half_life_hours: float = 6.0


@dataclass
class Pricing:
    """USD per billable read; defaults from X's published prices (pay-per-use, Feb 2026)."""

    own_post_read: float = 0.001
    other_post_read: float = 0.005
    user_read: float = 0.010
    dedupe_same_utc_day: bool = True


@dataclass
class World:
    apps: dict[str, App]  # by client_id
    users: dict[str, User]  # by id
    posts: dict[str, Post]  # by id
    media: dict[str, Media]  # by media_key
    tokens: list[Token] = field(
        default_factory=list
    )  # pre-issued, so scripts start without a browser
    pricing: Pricing = field(default_factory=Pricing)
    oauth1_tokens: list[OAuth1Token] = field(default_factory=list)
    now: datetime | None = None  # a fixed clock the world suggests; --now overrides
    planted: dict[str, Any] = field(default_factory=dict)  # ground truth of generated effects
    # Who sees users' followers_count/following_count: every plan (X's documentation) or
    # Enterprise only (the April 2026 removal from self-serve tiers a published guide reports).
    follower_counts: FollowerCounts = "every-plan"


def media_carriers(world: World) -> dict[str, Post]:
    """Each media key's post (the first live one that carries it): whose it is, and the
    curve its plays grow on."""
    out: dict[str, Post] = {}
    for post in world.posts.values():
        if post.deleted:
            continue
        for key in post.media_keys:
            out.setdefault(key, post)
    return out
