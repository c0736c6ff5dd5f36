"""The enterprise Engagement API: ``POST /insights/engagement/{totals,28hr,historical}``.

Served beside ``/2/`` on the same xsim port (X serves it from ``data-api.x.com``). The
request rules live in :mod:`xsim.enterprise.engagement_rules`; this module authenticates,
decides who may see what, counts and groups. As X's Engagement API documentation describes
it:

* **Auth.** OAuth 1.0a user context (:mod:`xsim.oauth.oauth1`) for everything; an app-only
  bearer token only for /totals with the public types (favorites, retweets, replies,
  quote_tweets, video_views). A failed signature or unknown token is a 401 with
  ``Your account could not be authenticated. Reason: ...``. OAuth 2.0 user tokens are not an
  Engagement API method and are refused the same way.
* **Whose posts.** User context reads its own posts; another author's posts are a 403
  ``Forbidden to access tweets for author id <id>`` except on /totals when only public
  types are asked. A bearer asking for private data is a 403 ``Forbidden to access tweets:
  <ids>``.
* **Partial results** (HTTP 200): deleted, missing or protected posts go to
  ``unavailable_tweet_ids`` with ``N Tweet ID(s) are unavailable`` (a 400 when nothing is
  left); on /totals, impressions and engagements of posts over 90 days old are left out and
  listed in ``unsupported_for_impressions_engagements_tweet_ids``; video views of posts
  over 1,800 days old are left out and listed in ``unsupported_for_video_views_tweet_ids``.
* **Counts** are strings. /totals gives totals since posting; /28hr and /historical give
  what arrived per UTC hour in ``[start, end)`` (``favorites``, ``replies``, ``retweets``
  are 0 before 2015-09-15, as the documentation notes), summed over whatever a grouping leaves out.
  Numbers come from :mod:`xsim.world.metrics`, so they agree with ``/2/``. A video sits
  on one post in xsim, so per-post and aggregated video views are the same number.
* **Rate limit**: "by minute, as specified in your contract": :data:`DEFAULT_PER_MINUTE`
  requests per app per endpoint per UTC minute unless the app is built with another limit.
  Engagement API calls are not post reads of the ``/2/`` monthly cap and are not billed.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from xsim.clock import as_utc
from xsim.enterprise.engagement_rules import (
    PUBLIC_TOTALS_TYPES,
    TIME_GROUP_BYS,
    Endpoint,
    EngagementRequest,
    RequestRejected,
    parse_request,
)
from xsim.oauth.oauth1 import OAuth1Verifier, query_pairs
from xsim.oauth.server import Principal
from xsim.server.state import Sim
from xsim.v2 import jsonbody
from xsim.world.metrics import derived_finals, metrics_at
from xsim.world.model import Post


def _iso(moment: datetime) -> str:
    """``2025-03-17T06:30:00Z``: whole seconds, as the docs' examples show (no millis)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


DEFAULT_PER_MINUTE = 60
IMPRESSIONS_MAX_AGE = timedelta(days=90)
VIDEO_VIEWS_MAX_AGE = timedelta(days=1800)
PUBLIC_SINCE = datetime(2015, 9, 15, tzinfo=UTC)
_BEFORE_PUBLIC = ("favorites", "replies", "retweets")
# Engagement API type -> the name in xsim.world.metrics
_METRIC = {"favorites": "likes", "user_follows": "follows"}
_FORM = "application/x-www-form-urlencoded"

# (post id, type, "YYYY-MM-DD", "HH", count); the day and hour are "" on /totals
Cell = tuple[str, str, str, str, int]


def _json(status: int, body: Any) -> Response:
    return Response(jsonbody.dumps(body), status_code=status, media_type="application/json")


def _errors(status: int, errors: list[str], **extra: Any) -> Response:
    return _json(status, {"errors": errors, **extra})


class MinuteLimiter:
    """Fixed per-UTC-minute windows per (app, endpoint)."""

    def __init__(self, per_minute: int = DEFAULT_PER_MINUTE) -> None:
        self.per_minute = per_minute
        self._used: dict[tuple[str, str], tuple[int, int]] = {}  # -> (minute, used)
        self._lock = threading.Lock()

    def allow(self, client_id: str, endpoint: str, now: datetime) -> bool:
        minute = int(now.timestamp() // 60)
        with self._lock:
            seen, used = self._used.get((client_id, endpoint), (minute, 0))
            if seen != minute:
                used = 0
            if used >= self.per_minute:
                return False
            self._used[(client_id, endpoint)] = (minute, used + 1)
            return True


class EngagementAPI:
    """The three endpoints over one simulated world."""

    def __init__(self, sim: Sim, verifier: OAuth1Verifier, limiter: MinuteLimiter) -> None:
        self.sim, self.verifier, self.limiter = sim, verifier, limiter

    # -- the HTTP side ---------------------------------------------------------------------

    async def _body(self, request: Request) -> tuple[bytes, list[tuple[str, str]]]:
        raw = await request.body()
        if request.headers.get("content-encoding", "").lower() == "gzip":
            raw = gzip.decompress(raw)
        form: list[tuple[str, str]] = []
        if request.headers.get("content-type", "").split(";")[0].strip().lower() == _FORM:
            form = query_pairs(raw.decode("utf-8"))  # form bodies are signed, JSON is not
        return raw, form

    def _principal(
        self, request: Request, form: list[tuple[str, str]]
    ) -> tuple[Principal | None, str]:
        header = request.headers.get("authorization")
        if not header:
            return None, "Authorization header missing"
        if header.strip().lower().startswith("oauth "):
            result = self.verifier.verify(request.method, str(request.url), header, form)
            return result.principal, result.reason
        principal = self.sim.oauth.authenticate(header)
        if principal is None:
            return None, "Bearer token not found"
        if principal.kind != "app":
            return None, "OAuth 2.0 user tokens are not supported; use OAuth 1.0a user context"
        return principal, ""

    async def serve(self, endpoint: Endpoint, request: Request) -> Response:
        try:
            raw, form = await self._body(request)
        except (OSError, EOFError, UnicodeDecodeError):
            return _errors(400, ["Request body could not be decompressed"])  # xsim wording
        principal, reason = self._principal(request, form)
        if principal is None:
            return _errors(401, [f"Your account could not be authenticated. Reason: {reason}"])
        now = self.sim.clock.now()
        if not self.limiter.allow(principal.client_id, endpoint, now):
            return _errors(429, ["Rate limit exceeded for this endpoint"])  # xsim wording
        try:
            body = jsonbody.parse(raw) if raw.strip() else None
        except ValueError:
            return _errors(400, ["Request body is not valid JSON"])  # xsim wording
        if body is None:
            return _errors(400, ["Request body must be a JSON object"])  # xsim wording
        try:
            parsed = parse_request(endpoint, body, now)
            status, answer = self.answer(parsed, principal, now)
        except RequestRejected as exc:
            return _errors(exc.status, exc.errors)
        return _json(status, answer)

    def routes(self) -> list[BaseRoute]:
        def route(endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
            async def run(request: Request) -> Response:
                return await self.serve(endpoint, request)

            return run

        return [
            Route(f"/insights/engagement/{name}", route(name), methods=["POST"])
            for name in ("totals", "28hr", "historical")
        ]

    # -- who may see what -------------------------------------------------------------------

    def _available(self, req: EngagementRequest, now: datetime) -> tuple[list[Post], list[str]]:
        posts: list[Post] = []
        unavailable: list[str] = []
        world = self.sim.world
        for post_id in req.tweet_ids:
            post = world.posts.get(post_id)
            author = world.users.get(post.author_id) if post is not None else None
            if (
                post is None
                or post.deleted
                or as_utc(post.created_at) > now
                or (author is not None and author.protected)  # never served, even to the owner
            ):
                unavailable.append(post_id)
            else:
                posts.append(post)
        return posts, unavailable

    @staticmethod
    def _forbidden(req: EngagementRequest, principal: Principal, posts: list[Post]) -> list[str]:
        public_only = req.endpoint == "totals" and all(t in PUBLIC_TOTALS_TYPES for t in req.types)
        if public_only:
            return []
        if principal.kind == "app":
            return [f"Forbidden to access tweets: {', '.join(p.id for p in posts)}"]
        authors = dict.fromkeys(p.author_id for p in posts if p.author_id != principal.user_id)
        return [f"Forbidden to access tweets for author id {a}" for a in authors]

    # -- the answer -------------------------------------------------------------------------

    def answer(
        self, req: EngagementRequest, principal: Principal, now: datetime
    ) -> tuple[int, dict[str, Any]]:
        posts, unavailable = self._available(req, now)
        errors: list[str] = []
        extra: dict[str, Any] = {}
        if unavailable:
            errors.append(f"{len(unavailable)} Tweet ID(s) are unavailable")
            extra["unavailable_tweet_ids"] = unavailable
        if not posts:
            return 400, {"errors": errors, **extra}
        forbidden = self._forbidden(req, principal, posts)
        if forbidden:
            raise RequestRejected(forbidden, 403)
        skip: set[tuple[str, str]] = set()
        if req.endpoint == "totals" and {"impressions", "engagements"} & set(req.types):
            old = [p.id for p in posts if now - as_utc(p.created_at) > IMPRESSIONS_MAX_AGE]
            if old:
                cutoff = _iso(now - IMPRESSIONS_MAX_AGE)
                errors.append(
                    "Impressions & engagements for tweets older than 90 days "
                    f"(before {cutoff}) are not supported"
                )
                extra["unsupported_for_impressions_engagements_tweet_ids"] = old
                skip.update((i, t) for i in old for t in ("impressions", "engagements"))
        if "video_views" in req.types:
            old = [p.id for p in posts if now - as_utc(p.created_at) > VIDEO_VIEWS_MAX_AGE]
            if old:
                extra["unsupported_for_video_views_tweet_ids"] = old
                skip.update((i, "video_views") for i in old)
        cells = self._cells(req, posts, now, skip)
        out: dict[str, Any] = {}
        if req.start is not None and req.end is not None:
            out["start"], out["end"] = _iso(req.start), _iso(req.end)
        for name, group_by in req.groupings.items():
            out[name] = group(cells, group_by)
        out.update(extra)
        if errors:
            out["errors"] = errors
        return 200, out

    def _cells(
        self, req: EngagementRequest, posts: list[Post], now: datetime, skip: set[tuple[str, str]]
    ) -> list[Cell]:
        world = self.sim.world
        cells: list[Cell] = []
        if req.start is None or req.end is None:  # /totals: since posting
            for post in posts:
                totals = metrics_at(world, post, now)
                for t in req.types:
                    if (post.id, t) not in skip:
                        cells.append((post.id, t, "", "", totals[_METRIC.get(t, t)]))
            return cells
        hours: list[tuple[datetime, str, str]] = []
        hour = req.start
        while hour < req.end:
            hours.append((hour, hour.strftime("%Y-%m-%d"), hour.strftime("%H")))
            hour += timedelta(hours=1)
        for post in posts:
            created = as_utc(post.created_at)
            finals = derived_finals(post)
            previous: dict[str, int] | None = None
            for hour, day_key, hour_key in hours:
                upper = min(hour + timedelta(hours=1), now)
                reading: dict[str, int] | None = None
                if upper > created and hour < now:
                    if previous is None:
                        previous = metrics_at(world, post, hour, finals)
                    reading = metrics_at(world, post, upper, finals)
                for t in req.types:
                    if (post.id, t) in skip:
                        continue
                    count = 0
                    counted = not (t in _BEFORE_PUBLIC and hour < PUBLIC_SINCE)
                    if reading is not None and previous is not None and counted:
                        name = _METRIC.get(t, t)
                        count = reading[name] - previous[name]
                    cells.append((post.id, t, day_key, hour_key, count))
                if reading is not None:
                    previous = reading
        return cells


_KEY_INDEX = {"tweet.id": 0, "engagement.type": 1, "engagement.day": 2, "engagement.hour": 3}


def group(cells: list[Cell], group_by: tuple[str, ...]) -> dict[str, Any]:
    """Nest counts by ``group_by`` in order, summing what it leaves out; leaves as strings."""
    tree: dict[str, Any] = {}
    path = [_KEY_INDEX[d] for d in group_by[:-1]]
    last = _KEY_INDEX[group_by[-1]]
    for cell in cells:
        node = tree
        for index in path:
            node = node.setdefault(str(cell[index]), {})
        leaf = str(cell[last])
        node[leaf] = node.get(leaf, 0) + cell[4]
    return _stringify(tree, group_by)


def _stringify(node: dict[str, Any], dimensions: tuple[str, ...]) -> dict[str, Any]:
    # Days and hours in time order (an hour-of-day grouping starts mid-day otherwise);
    # ids and types keep the request's order.
    keys = sorted(node) if dimensions[0] in TIME_GROUP_BYS else list(node)
    out: dict[str, Any] = {}
    for key in keys:
        value = node[key]
        out[key] = _stringify(value, dimensions[1:]) if isinstance(value, dict) else str(value)
    return out
