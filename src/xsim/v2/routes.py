"""The ``/2/`` resource routes and the pipeline every request to them goes through.

:func:`endpoint` wraps each handler: authenticate (401 without rate-limit headers), the
15-minute rate limit, injected status faults, the auth kind and scopes the endpoint needs,
the plan's access, query validation (400), the monthly cap (429 usage-capped), the handler,
an injected ``partial`` fault, billing (of what the answer delivers, see
:mod:`xsim.v2.billing`). Any bug in a handler becomes a 500 Problem and a log line, never a
dropped request. The enterprise analytics endpoints (:mod:`xsim.enterprise.routes`) are
``/2/`` routes too and go through the same pipeline.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from xsim.oauth.server import Principal
from xsim.server.state import Sim
from xsim.v2 import endpoints, jsonbody, plans, problems
from xsim.v2.faults import SCOPE_KEY, partial
from xsim.v2.objects import ObjectBuilder
from xsim.v2.params import (
    Fields,
    InvalidRequest,
    check_path_id,
    check_username,
    dialect_of,
    parse_fields,
    parse_ids,
    parse_timeline,
    parse_usage,
)
from xsim.world.model import Post, User

log = logging.getLogger("xsim")

JSON_TYPE = "application/json; charset=utf-8"
READ_SCOPES = ("tweet.read", "users.read")
USER_CONTEXT = "OAuth 1.0a User Context, OAuth 2.0 User Context"
APP_ONLY = "OAuth 2.0 Application-Only"
_STATUS_TITLES = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    content = jsonbody.dumps(body)
    return Response(content, status_code=status, headers=headers, media_type=JSON_TYPE)


Answer = Callable[[], endpoints.Result]
Handler = Callable[[Sim, Request, Principal, datetime], Answer]


@dataclass(frozen=True)
class Spec:
    """How an endpoint is reached: who may call it and whether it reads posts."""

    name: str
    auth: str = "any"  # "any" | "user" | "app"
    reads_posts: bool = True


def endpoint(spec: Spec, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        sim: Sim = request.app.state.sim
        try:
            return _serve(sim, spec, handler, request)
        except Exception:
            log.exception("xsim bug answering %s %s", request.method, request.url.path)
            return json_response(500, problems.generic(500, "Internal Server Error"))

    return run


def _serve(sim: Sim, spec: Spec, handler: Handler, request: Request) -> Response:
    principal = sim.authenticate(request)
    if principal is None:
        return json_response(401, problems.UNAUTHORIZED)  # no rate-limit headers (recorded)
    now = sim.clock.now()
    fault = request.scope.get(SCOPE_KEY)
    if fault == "429":
        state = sim.limiter.exhaust(spec.name, principal.token_id, principal.kind, now)
        return json_response(429, problems.TOO_MANY_REQUESTS, state.headers())
    state = sim.limiter.hit(spec.name, principal.token_id, principal.kind, now)
    headers = state.headers()
    if not state.allowed:
        return json_response(429, problems.TOO_MANY_REQUESTS, headers)
    if fault in ("500", "502", "503"):
        status = int(fault)
        return json_response(status, problems.generic(status, _STATUS_TITLES[status]), headers)
    denied = _auth_problem(spec, principal)
    if denied is not None:
        return json_response(403, denied, headers)
    app = sim.world.apps.get(principal.client_id)
    if app is not None and not plans.allowed(spec.name, app.plan):
        enrollment = plans.PRODUCT.get(spec.name, "Appropriate Level of API Access")
        app_id = endpoints.numeric_id(app.client_id)  # the id usage reports for the app
        return json_response(403, problems.client_forbidden(app_id, enrollment), headers)
    try:
        result = _run_handler(sim, spec, handler, request, principal, now)
    except InvalidRequest as exc:
        body = problems.invalid_request(exc.errors)
        (body,) = problems.in_dialect([body], dialect_of(_query(request)))
        return json_response(400, body, headers)
    if result is None:
        app = sim.world.apps.get(principal.client_id)
        product = f"standard-{app.plan}" if app else "standard-basic"
        account = _developer_account_id(principal.client_id)
        return json_response(429, problems.usage_capped(product, account), headers)
    body, posts, users = result.body, result.posts, result.users
    if fault == "partial":
        # Billed after the fault: the item replaced by an error was never delivered.
        body, victim = partial(body, request.url.path)
        if victim is not None:
            posts, users = _without(posts, users, victim, request.url.path)
    sim.ledger.record(now, principal.client_id, principal.user_id, spec.name, posts, users)
    return json_response(200, body, headers)


def _without(
    posts: list[Post], users: list[User], victim: str, path: str
) -> tuple[list[Post], list[User]]:
    """The reads left when the ``data`` item ``victim`` is taken out (one occurrence: the
    same post may also be delivered in ``includes``, which stays)."""
    if path.startswith("/2/users/") and not path.endswith("/tweets"):
        at = next((i for i, u in enumerate(users) if u.id == victim), None)
        return posts, users if at is None else users[:at] + users[at + 1 :]
    at = next((i for i, p in enumerate(posts) if p.id == victim), None)
    return (posts if at is None else posts[:at] + posts[at + 1 :]), users


def _developer_account_id(client_id: str) -> str:
    """A stable numeric id for the developer account that owns an app."""
    digest = hashlib.sha256(client_id.encode()).digest()
    return str(int.from_bytes(digest[:7], "big"))


def _auth_problem(spec: Spec, principal: Principal) -> dict[str, Any] | None:
    if spec.auth == "user" and principal.kind != "user":
        return problems.unsupported_auth(APP_ONLY, USER_CONTEXT)
    if spec.auth == "app" and principal.kind != "app":
        return problems.unsupported_auth("OAuth 2.0 User Context", APP_ONLY)
    if principal.kind == "user" and spec.auth != "app":
        missing = [s for s in READ_SCOPES if s not in principal.scopes]
        if missing:
            log.info("token lacks %s for %s", ", ".join(missing), spec.name)
            return problems.FORBIDDEN
    return None


def _run_handler(
    sim: Sim, spec: Spec, handler: Handler, request: Request, principal: Principal, now: datetime
) -> endpoints.Result | None:
    """Validate (400 first), then the monthly cap (None: refused), then answer.

    The whole request sees one instant, so every number in one answer agrees."""
    answer = handler(sim, request, principal, now)
    if spec.reads_posts and sim.ledger.capped(principal.client_id, now):
        return None
    return answer()


def _query(request: Request) -> list[tuple[str, str]]:
    # parse_qsl straight from the scope: Starlette's QueryParams costs twice as much.
    raw = request.scope["query_string"].decode("latin-1")
    return parse_qsl(raw, keep_blank_values=True)


def _builder(sim: Sim, principal: Principal, fields: Fields, now: datetime) -> ObjectBuilder:
    return ObjectBuilder(sim.world, sim.index, sim.cache, now, sim.viewer(principal), fields)


# -- handlers: validate the request, return the thunk that answers it ----------------------


def _users_me(sim: Sim, request: Request, p: Principal, now: datetime) -> Answer:
    r = _builder(sim, p, parse_fields("users_me", _query(request)), now)
    user_id = p.user_id or ""
    return lambda: endpoints.user_lookup(r, sim.world.users.get(user_id), "id", user_id)


def _users_id(sim: Sim, request: Request, p: Principal, now: datetime) -> Answer:
    user_id = check_path_id("id", request.path_params["id"])
    r = _builder(sim, p, parse_fields("users_id", _query(request)), now)
    return lambda: endpoints.user_lookup(r, sim.world.users.get(user_id), "id", user_id)


def _users_by_username(sim: Sim, request: Request, p: Principal, now: datetime) -> Answer:
    name = check_username(request.path_params["username"])
    r = _builder(sim, p, parse_fields("users_by_username", _query(request)), now)
    user = sim.index.by_username(name)
    return lambda: endpoints.user_lookup(r, user, "username", name)


def _users_tweets(sim: Sim, request: Request, p: Principal, now: datetime) -> Answer:
    user_id = check_path_id("id", request.path_params["id"])
    query = parse_timeline(_query(request))
    r = _builder(sim, p, query.fields, now)
    return lambda: endpoints.timeline(r, sim.index, user_id, query)


def _tweets(sim: Sim, request: Request, p: Principal, now: datetime) -> Answer:
    ids, fields = parse_ids(_query(request))
    r = _builder(sim, p, fields, now)
    return lambda: endpoints.tweets(r, ids)


def _tweets_id(sim: Sim, request: Request, p: Principal, now: datetime) -> Answer:
    post_id = check_path_id("id", request.path_params["id"])
    r = _builder(sim, p, parse_fields("tweets_id", _query(request)), now)
    return lambda: endpoints.tweet(r, post_id)


def _usage(sim: Sim, request: Request, p: Principal, now: datetime) -> Answer:
    query = parse_usage(_query(request))
    return lambda: endpoints.usage(sim.ledger, p.client_id, query, now)


def v2_routes() -> list[BaseRoute]:
    table: list[tuple[str, Spec, Handler]] = [
        ("/2/users/{id}/tweets", Spec("users_tweets"), _users_tweets),
        ("/2/users/me", Spec("users_me", auth="user", reads_posts=False), _users_me),
        ("/2/users/by/username/{username}", Spec("users_by_username", reads_posts=False),
         _users_by_username),
        ("/2/users/{id}", Spec("users_id", reads_posts=False), _users_id),
        ("/2/tweets", Spec("tweets"), _tweets),
        ("/2/tweets/{id}", Spec("tweets_id"), _tweets_id),
        ("/2/usage/tweets", Spec("usage_tweets", auth="app", reads_posts=False), _usage),
    ]  # fmt: skip
    return [Route(path, endpoint(spec, fn), methods=["GET"]) for path, spec, fn in table]
