"""The xsim ASGI app: the ``/2/`` and enterprise routes, OAuth and ``/_sim/`` admin.

``create_app(world, ...)`` builds the server's state (:class:`xsim.server.state.Sim`), mounts
every route module over it and keeps it in ``app.state.sim`` for tests to look at (clock,
ledger, limiter, fault plan). :class:`CrashGuard` makes any bug a 500 Problem and a log line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xsim.clock import Clock, FixedClock, RealClock
from xsim.enterprise.engagement import EngagementAPI, MinuteLimiter
from xsim.enterprise.routes import analytics_routes
from xsim.oauth.server import OAuthServer
from xsim.server.admin import admin_routes
from xsim.server.state import Sim
from xsim.v2 import problems
from xsim.v2.faults import FaultMiddleware, FaultPlan, FaultSpec
from xsim.v2.ratelimit import RateLimiter
from xsim.v2.routes import json_response, v2_routes
from xsim.world.model import World

log = logging.getLogger("xsim")


class CrashGuard:
    """Last line of defence around every route (OAuth and admin too): a bug is a 500 Problem
    and a log line, never a traceback to the client or a dead server."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
            sim = getattr(getattr(scope.get("app"), "state", None), "sim", None)
            if sim is not None and sim.on_change is not None:
                sim.on_change()  # any request may have billed, rotated or moved the clock
        except Exception:
            log.exception("xsim bug answering %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise  # half a response is out: let the server close the connection
            await json_response(500, problems.generic(500, "Internal Server Error"))(
                scope, receive, send
            )


async def _not_found(request: Request, exc: Exception) -> Response:
    """Unknown path or method: the real API's HTML 404 page (recorded), with rate headers."""
    headers: dict[str, str] = {}
    sim: Sim = request.app.state.sim
    principal = sim.authenticate(request)
    if principal is not None:
        state = sim.limiter.hit("unknown", principal.token_id, principal.kind, sim.clock.now())
        headers = state.headers()
    page = "<!DOCTYPE html><html><head><title>Page not found</title></head><body>"
    page += "<h1>Sorry, that page doesn’t exist!</h1></body></html>"
    return Response(page, status_code=404, headers=headers, media_type="text/html;charset=utf-8")


def create_app(
    world: World,
    *,
    clock: Clock | None = None,
    faults: FaultSpec | None = None,
    token_lifetime: timedelta = timedelta(hours=2),
    auto_approve: bool = False,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    limiter: RateLimiter | None = None,
) -> Starlette:
    """The xsim app for ``world``; a fixed clock defaults to ``world.now`` when it has one."""
    if clock is None:
        clock = FixedClock(world.now) if world.now is not None else RealClock()
    oauth = OAuthServer(
        world, clock.now, access_token_lifetime=token_lifetime, auto_approve=auto_approve
    )
    plan = FaultPlan(faults) if faults is not None and faults.rates else None
    sim = Sim(world, clock, oauth, limiter or RateLimiter(), plan)
    app = Starlette(
        routes=[
            *analytics_routes(),  # before /2/tweets/{id}, which would take their paths
            *v2_routes(),
            *EngagementAPI(sim, sim.oauth1, MinuteLimiter()).routes(),
            *oauth.routes(),
            *admin_routes(),
        ],
        exception_handlers={404: _not_found, 405: _not_found},
    )
    app.state.sim = sim
    app.add_middleware(CrashGuard)
    if plan is not None:
        app.add_middleware(FaultMiddleware, plan=plan, sleep=sleep)
    return app
