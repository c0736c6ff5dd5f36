"""A fuzzer over every route xsim serves: thousands of malformed requests, no 5xx, alive after.

The routes come from the app itself (a new route is fuzzed without touching this file).
Requests mix valid pieces (tokens, ids, field names, the right parameter names) with hostile
ones (huge and non-finite numbers, the calendar's edges, invalid UTF-8, deeply nested JSON,
bad gzip, wrong methods and content types). The fixed clock is pushed around through
``/_sim/clock`` too, and for the last third of the run it stands an hour before the latest
instant xsim allows, so every endpoint also meets a clock at its far end. Seeded: a failure
repeats. Bounded by count and by time; loopback only.
"""

from __future__ import annotations

import gzip
import json
import random
import time
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import httpx
from starlette.routing import Route
from xsim_api_support import ALICE, ALICE_TOKEN, BEARER, ENTERPRISE_TOKEN, NOW, make_world

from xsim.clock import LATEST, FixedClock, iso_z
from xsim.server.app import create_app
from xsim.server.http import serve_app

REQUESTS = 3000
TIME_BUDGET = 90.0  # seconds; a bound for a loaded machine, not a pace

NUMBERS = [
    "0",
    "-1",
    "1",
    "5",
    "100",
    "101",
    "1e30",
    "-1e30",
    "1e309",
    "NaN",
    "inf",
    "-inf",
    "9" * 40,
    "0x10",
    "1_000",
    "+5",
    " 7",
    "3.5",
    "2147483648",
    "-0",
]
TIMES = [
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "2026-05-20T12:00:00+14:00",
    "10000-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "2026-05-19T00:00:00Z",
    "2026-05-20T11:00:00.123456789Z",
    "2026-05-20T12:00Z",
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
]
WORDS = [
    "",
    " ",
    ",",
    ",,,",
    "\x00",
    "%",
    "é",
    "😀",
    "a" * 3000,
    "null",
    "[]",
    "{}",
    "true",
    "public_metrics",
    "non_public_metrics",
    "organic_metrics",
    "author_id",
    "referenced_tweets.id",
    "referenced_posts",
    "attachments.media_keys",
    "hourly",
    "daily",
    "weekly",
    "total",
    "video_views",
    "impressions",
    "13_1",
    "bob",
    "alice",
    "code",
    "S256",
    "plain",
    "refresh_token",
    "authorization_code",
    "client_credentials",
    "tweet.read users.read offline.access",
    "http://127.0.0.1/cb",
]
IDS = [
    ALICE,
    "1002",
    "1003",
    "0",
    "1",
    "9999999999999999999",
    "99999999999999999999",
    "1790000000000013000",
    "1790000000000000000,1790000000000001000",
    "2000,3000,2001",
]
NAMES = [
    "ids",
    "id",
    "max_results",
    "pagination_token",
    "since_id",
    "until_id",
    "exclude",
    "start_time",
    "end_time",
    "tweet.fields",
    "post.fields",
    "user.fields",
    "media.fields",
    "poll.fields",
    "place.fields",
    "expansions",
    "days",
    "usage.fields",
    "granularity",
    "analytics.fields",
    "media_keys",
    "media_analytics.fields",
    "client_id",
    "response_type",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "grant_type",
    "code",
    "code_verifier",
    "refresh_token",
    "token",
    "token_type_hint",
    "approve",
    "client_secret",
    "username",
    "x",
    "",
]
AUTH = [
    None,
    f"Bearer {BEARER}",
    f"Bearer {ALICE_TOKEN}",
    f"Bearer {ENTERPRISE_TOKEN}",
    "Bearer",
    "Bearer \u00e9",
    "OAuth",
    'OAuth oauth_consumer_key="k", oauth_nonce="n", '
    'oauth_signature="s", oauth_signature_method="HMAC-SHA1", oauth_timestamp="1e30", '
    'oauth_token="t", oauth_version="1.0"',
    'OAuth oauth_timestamp="99999999999999999999"',
    "Basic !!!",
    "Basic " + "YTpi",
    "Basic Og==",
    "Digest x",
    "Bearer " + "a" * 5000,
]
CONTENT_TYPES = [
    "application/json",
    "application/x-www-form-urlencoded",
    "text/plain",
    "application/json; charset=latin-1",
    "multipart/form-data; boundary=x",
]


def _value(rng: random.Random) -> str:
    pool = rng.choice((NUMBERS, TIMES, WORDS, IDS))
    value = rng.choice(pool)
    if rng.random() < 0.2:
        value = ",".join(rng.choice(pool) for _ in range(rng.randint(2, 120)))
    return value


def _json_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.4:
        return rng.choice([0, -1, 1e30, 10**400, 1.5, True, None, "", "x", "é", _value(rng)])
    if roll < 0.7:
        return [_json_value(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    keys = [
        "tweet_ids",
        "engagement_types",
        "groupings",
        "start",
        "end",
        "group_by",
        "advance_seconds",
        "now",
        "name",
        "x",
    ]
    return {rng.choice(keys): _json_value(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def _body(rng: random.Random) -> tuple[bytes | None, dict[str, str]]:
    headers = {"content-type": rng.choice(CONTENT_TYPES)}
    roll = rng.random()
    if roll < 0.15:
        return None, headers
    if roll < 0.25:
        depth = rng.choice((1000, 50_000))
        return (rng.choice(("[", '{"a":', '{"tweet_ids":')) * depth).encode(), headers
    if roll < 0.35:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 200))), headers
    if roll < 0.45:
        headers["content-encoding"] = "gzip"
        raw = json.dumps(_json_value(rng)).encode()
        return (gzip.compress(raw) if rng.random() < 0.5 else raw[: len(raw) // 2]), headers
    if roll < 0.6:
        pairs = [(rng.choice(NAMES), _value(rng)) for _ in range(rng.randint(0, 6))]
        headers["content-type"] = "application/x-www-form-urlencoded"
        text = "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs)
        return text.encode(), headers
    if roll < 0.7:
        body = {
            "tweet_ids": [rng.choice(IDS) for _ in range(rng.randint(0, 30))],
            "engagement_types": rng.sample(
                [
                    "impressions",
                    "engagements",
                    "favorites",
                    "retweets",
                    "replies",
                    "video_views",
                    "url_clicks",
                    "x",
                ],
                rng.randint(0, 4),
            ),
            "groupings": {
                "g": {
                    "group_by": [rng.choice(["tweet.id", "engagement.type", "engagement.day", "x"])]
                }
            },
            "start": rng.choice(TIMES),
            "end": rng.choice(TIMES),
        }
        return json.dumps(body).encode(), headers
    if roll < 0.8:
        body = rng.choice(
            [
                {
                    "advance_seconds": rng.choice(
                        [1e30, -1, 1e18, 3600, 10**400, "x", None, 86400e3]
                    )
                },
                {"now": rng.choice(TIMES)},
                {"now": 5},
                [],
                "x",
            ]
        )
        return json.dumps(body).encode(), headers
    return json.dumps(_json_value(rng)).encode(), headers


def _path(rng: random.Random, template: str) -> str:
    out = template
    for name in ("{id}", "{username}"):
        if name in out:
            raw = rng.choice(IDS + WORDS + NUMBERS) if rng.random() < 0.6 else "alice"
            out = out.replace(name, quote(raw, safe="") or "x")
    if rng.random() < 0.05:
        out += "%ff%fe"
    return out


def _query(rng: random.Random) -> str:
    pairs = [(rng.choice(NAMES), _value(rng)) for _ in range(rng.randint(0, 6))]
    text = "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs)
    if rng.random() < 0.05:
        text += "&%ff=%fe&a=%zz"
    return text


def _routes(app: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for route in app.routes:
        if isinstance(route, Route):
            for method in sorted(route.methods or {"GET"}):
                if method != "HEAD":
                    out.append((method, route.path))
    return out


def test_thousands_of_malformed_requests_get_no_5xx_and_leave_the_server_alive() -> None:
    app = create_app(make_world(), clock=FixedClock(NOW))
    routes = _routes(app)
    paths = {path for _, path in routes}
    assert {
        "/2/users/{id}/tweets",
        "/insights/engagement/historical",
        "/_sim/clock",
        "/i/oauth2/authorize",
        "/2/oauth2/token",
    } <= paths
    rng = random.Random(19)
    server_errors: list[str] = []
    statuses: dict[int, int] = {}
    sent = 0
    with serve_app(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        deadline = time.monotonic() + TIME_BUDGET
        while sent < REQUESTS and time.monotonic() < deadline:
            if sent == REQUESTS * 2 // 3:
                late = iso_z(LATEST - timedelta(hours=1))
                moved = http.post("/_sim/clock", json={"now": late})
                assert moved.status_code == 200, moved.text
            method, template = rng.choice(routes)
            if rng.random() < 0.1:  # the wrong method
                method = rng.choice(("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"))
            if rng.random() < 0.05:
                template = "/_sim/clock"
                method = "POST"
            target = _path(rng, template)
            query = _query(rng)
            headers: dict[str, str | bytes] = {}
            auth = rng.choice(AUTH)
            if auth is not None:
                headers["authorization"] = auth.encode("latin-1")  # é as one raw byte
            content: bytes | None = None
            if method in ("POST", "PUT", "PATCH") or rng.random() < 0.05:
                content, extra = _body(rng)
                headers.update(extra)
            request = http.build_request(
                method, target + ("?" + query if query else ""), headers=headers, content=content
            )
            response = http.send(request)
            sent += 1
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                shown = (content or b"")[:80]
                server_errors.append(
                    f"{method} {target}?{query[:200]} body={shown!r} "
                    f"-> {response.status_code} {response.text[:200]}"
                )
        clock = http.get("/_sim/clock")
        alive = http.get(f"/2/users/{ALICE}", headers={"authorization": f"Bearer {BEARER}"})
    assert not server_errors, f"{len(server_errors)} 5xx:\n" + "\n".join(server_errors[:30])
    assert sent >= 1000, f"only {sent} requests in {TIME_BUDGET}s"
    assert clock.status_code == 200 and alive.status_code == 200, (clock.text, alive.text)
    assert {200, 400, 401, 404} <= set(statuses), statuses  # it reached past the gates


def test_the_reported_crashes_are_client_errors(live: tuple[str, Any]) -> None:
    """The fuzzer's first finds, stated exactly: each is a 4xx with a body now."""
    url, _ = live
    deep = b"[" * 50_000
    with httpx.Client(base_url=url, timeout=30) as http:
        for name in ("totals", "28hr", "historical"):
            r = http.post(
                f"/insights/engagement/{name}",
                content=deep,
                headers={"authorization": f"Bearer {BEARER}", "content-type": "application/json"},
            )
            assert r.status_code in (400, 401), r.text
            assert r.json()["errors"]
        r = http.post("/_sim/clock", json={"advance_seconds": 1e30})
        assert r.status_code == 400 and "past" in r.json()["error"], r.text
        r = http.post("/_sim/clock", json={"now": "9999-12-31T00:00:00Z"})
        assert r.status_code == 400 and "range" in r.json()["error"], r.text
        late = iso_z(LATEST)
        assert http.post("/_sim/clock", json={"now": late}).json()["now"] == late
        usage = http.get("/2/usage/tweets", headers={"authorization": f"Bearer {BEARER}"})
        assert usage.status_code == 200, usage.text
        authorize = http.get(
            "/i/oauth2/authorize",
            params={
                "response_type": "code",
                "client_id": "app-basic",
                "redirect_uri": "http://127.0.0.1/cb",
                "scope": "tweet.read users.read",
                "state": "s",
                "code_challenge": "x" * 43,
                "code_challenge_method": "S256",
            },
        )
        assert authorize.status_code < 500, authorize.text
        again = http.post("/_sim/clock", json={"advance_seconds": 1})
        assert again.status_code == 400, again.text
        assert http.get("/_sim/clock").json()["now"] == late
