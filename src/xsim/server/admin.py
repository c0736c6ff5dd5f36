"""``/_sim/`` admin endpoints: the billing ledger, the world's ground truth, the clock.

These are xsim's own (not X's) and need no token: they exist so that tests, demos and
benchmarks can check what a client did and what the true numbers are.

- ``GET /_sim/ledger[?client_id=]``: every billable read and the totals;
- ``GET /_sim/truth?ids=1,2``: each post's full metrics at the clock's now (private,
  organic and promoted included, deleted posts too) and its media's metrics;
- ``GET /_sim/clock``: ``{"now", "fixed"}``; ``POST /_sim/clock`` with
  ``{"advance_seconds": N}`` or ``{"now": ISO}`` moves a fixed clock forward (409 when the
  clock is real, 400 on a bad body);
- ``POST /_sim/reset``: back to the world (its tokens only, an empty ledger and rate
  limits, a fixed clock where it started).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from xsim.clock import FixedClock, iso_z, parse_instant
from xsim.server.state import Sim
from xsim.v2 import jsonbody
from xsim.world.curves import media_metrics_at, post_metrics_at


def _json(status: int, body: Any) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False), status_code=status, media_type="application/json"
    )


async def ledger(request: Request) -> Response:
    sim: Sim = request.app.state.sim
    return _json(200, sim.ledger.snapshot(request.query_params.get("client_id")))


async def truth(request: Request) -> Response:
    sim: Sim = request.app.state.sim
    now = sim.clock.now()
    ids = [i for i in request.query_params.get("ids", "").split(",") if i]
    data: list[dict[str, Any]] = []
    missing: list[str] = []
    for post_id in ids:
        post = sim.world.posts.get(post_id)
        if post is None:
            missing.append(post_id)
            continue
        m = post_metrics_at(post, now)
        metrics = asdict(m)
        for name in ("impressions", "likes", "reposts", "replies", "url_link_clicks",
                     "user_profile_clicks"):  # fmt: skip
            metrics[f"organic_{name}"] = getattr(m, f"organic_{name}")
        media = [
            {"media_key": key, **asdict(media_metrics_at(sim.world.media[key], post, now))}
            for key in post.media_keys
            if key in sim.world.media
        ]
        data.append({
            "id": post.id, "author_id": post.author_id, "created_at": iso_z(post.created_at),
            "deleted": post.deleted, "promoted": post.promoted, "metrics": metrics,
            "media": media,
        })  # fmt: skip
    return _json(200, {"now": iso_z(now), "data": data, "missing": missing})


async def clock(request: Request) -> Response:
    sim: Sim = request.app.state.sim
    if request.method == "POST":
        if not isinstance(sim.clock, FixedClock):
            return _json(409, {"error": "the clock is real; start xsim with --now to fix it"})
        try:
            body = jsonbody.parse(await request.body() or b"{}")
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
            if "advance_seconds" in body:
                sim.clock.advance(_seconds(body["advance_seconds"]))
            elif "now" in body:
                sim.clock.set(parse_instant(str(body["now"])))
            else:
                raise ValueError("give advance_seconds or now")
        except ValueError as exc:
            return _json(400, {"error": str(exc).splitlines()[0] if str(exc) else "bad body"})
    return _json(200, {"now": iso_z(sim.clock.now()), "fixed": sim.clock.fixed})


async def reset(request: Request) -> Response:
    """Back to the world: its tokens, an empty ledger, the clock where it started."""
    sim: Sim = request.app.state.sim
    sim.reset()
    return _json(200, {"now": iso_z(sim.clock.now()), "fixed": sim.clock.fixed})


def _seconds(value: object) -> float:
    """A JSON number of seconds (not a bool, string or null; 10**400 is too large)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("advance_seconds must be a number")
    try:
        return float(value)
    except OverflowError:
        raise ValueError("advance_seconds is too large") from None


def admin_routes() -> list[BaseRoute]:
    return [
        Route("/_sim/ledger", ledger, methods=["GET"]),
        Route("/_sim/truth", truth, methods=["GET"]),
        Route("/_sim/clock", clock, methods=["GET", "POST"]),
        Route("/_sim/reset", reset, methods=["POST"]),
    ]
