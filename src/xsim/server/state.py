"""The server's state: the world, its indexes and every counter, in one :class:`Sim`.

The route modules (:mod:`xsim.v2.routes`, :mod:`xsim.enterprise`, :mod:`xsim.server.admin`)
read it from ``request.app.state.sim``; :mod:`xsim.server.app` builds it and mounts them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from starlette.requests import Request

from xsim.clock import Clock, FixedClock
from xsim.oauth.oauth1 import OAuth1Verifier
from xsim.oauth.server import OAuthServer, Principal
from xsim.v2.billing import Ledger
from xsim.v2.faults import FaultPlan
from xsim.v2.objects import MetricsCache, Viewer
from xsim.v2.ratelimit import RateLimiter
from xsim.v2.timeline import TimelineIndex
from xsim.world.model import Post, World, media_carriers


@dataclass
class Sim:
    """The server's state: the world, its indexes and every counter."""

    world: World
    clock: Clock
    oauth: OAuthServer
    limiter: RateLimiter = field(default_factory=RateLimiter)
    faults: FaultPlan | None = None
    index: TimelineIndex = field(init=False)
    ledger: Ledger = field(init=False)
    cache: MetricsCache = field(default_factory=MetricsCache)

    oauth1: OAuth1Verifier = field(init=False)
    media_carriers: dict[str, Post] = field(init=False)  # media key -> the post it is on
    start: datetime = field(init=False)  # where a fixed clock stood at start (/_sim/reset)
    on_change: Callable[[], None] | None = None  # told after each request (xsim.server.state_file)

    def __post_init__(self) -> None:
        self.start = self.clock.now()
        self.index = TimelineIndex(self.world)
        self.media_carriers = media_carriers(self.world)
        self.ledger = Ledger(self.world)
        self.oauth1 = OAuth1Verifier(self.world, self.clock.now)

    def reset(self) -> None:
        """Back to the world: its tokens only, an empty ledger and rate limits, the clock
        where it started."""
        if isinstance(self.clock, FixedClock):
            self.clock.reset(self.start)
        self.oauth.store.reset(self.world.tokens)
        self.ledger = Ledger(self.world)
        self.limiter.reset()
        self.cache = MetricsCache()

    def authenticate(self, request: Request) -> Principal | None:
        """OAuth 2.0 bearer (user or app) or OAuth 1.0a user context; None answers 401."""
        header = request.headers.get("authorization")
        if header and header.lstrip()[:6].lower() == "oauth ":
            # the signature covers the URL as the client sent it (query included)
            return self.oauth1.verify(request.method, str(request.url), header).principal
        return self.oauth.authenticate(header)

    def viewer(self, principal: Principal) -> Viewer:
        app = self.world.apps.get(principal.client_id)
        return Viewer(principal.kind, principal.user_id, app.plan if app else "basic")
