"""Fixtures for the OAuth server tests: a small world, a fixed clock, an in-process app.

The app mounts only the OAuth routes plus ``/test/whoami``, a protected route that
answers with what :meth:`OAuthServer.authenticate` saw, standing in for the real
resource endpoints. Every credential here is an obviously fake string.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from xsim.oauth.server import OAuthServer
from xsim.world.model import App, Token, User, World

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BASE = "http://xsim.test"
CALLBACK = "http://127.0.0.1:8765/callback"
CONF_ID = "conf-client"
CONF_SECRET = "fake-secret-for-tests"
PUB_ID = "pub-client"
EVIL_NAME = '<script>alert("pwned")</script> & Co'
APP_BEARER = "fake-app-bearer-1"
PRE_ACCESS = "fake-preissued-access"
PRE_REFRESH = "fake-preissued-refresh"
SCOPES = "tweet.read users.read offline.access"


@dataclass
class FakeClock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def make_world() -> World:
    users = {
        "1001": User("1001", "alice", "Alice A", NOW - timedelta(days=900)),
        "1002": User("1002", "bob", "<img src=x onerror=alert(1)>", NOW - timedelta(days=400)),
    }
    apps = {
        CONF_ID: App(
            CONF_ID,
            "Weekly Reporter",
            [CALLBACK],
            client_secret=CONF_SECRET,
            consumer_key="fake-consumer-key",
            consumer_secret="fake-consumer-secret",
        ),
        PUB_ID: App(
            PUB_ID, EVIL_NAME, [CALLBACK, "http://localhost/cb?keep=1"], bearer_tokens=[APP_BEARER]
        ),
    }
    tokens = [
        Token(
            PRE_ACCESS,
            CONF_ID,
            "1001",
            frozenset(SCOPES.split()),
            NOW + timedelta(hours=1),
            PRE_REFRESH,
        ),
    ]
    return World(apps=apps, users=users, posts={}, media={}, tokens=tokens)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(50)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


@dataclass
class Sim:
    """One OAuth server under test, its clock, world and an HTTP client bound to it.

    Test modules cannot import this conftest (importlib mode), so the constants they
    need ride along as class attributes.
    """

    BASE: ClassVar[str] = BASE
    CALLBACK: ClassVar[str] = CALLBACK
    CONF_ID: ClassVar[str] = CONF_ID
    CONF_SECRET: ClassVar[str] = CONF_SECRET
    PUB_ID: ClassVar[str] = PUB_ID
    EVIL_NAME: ClassVar[str] = EVIL_NAME
    APP_BEARER: ClassVar[str] = APP_BEARER
    PRE_ACCESS: ClassVar[str] = PRE_ACCESS
    PRE_REFRESH: ClassVar[str] = PRE_REFRESH
    SCOPES: ClassVar[str] = SCOPES
    NOW: ClassVar[datetime] = NOW

    server: OAuthServer
    clock: FakeClock
    world: World
    http: httpx.AsyncClient
    app: Starlette

    @staticmethod
    def pkce() -> tuple[str, str]:
        return pkce()

    @staticmethod
    def basic(client_id: str, secret: str) -> dict[str, str]:
        return basic(client_id, secret)

    async def whoami(self, token: str) -> httpx.Response:
        return await self.http.get("/test/whoami", headers={"Authorization": f"Bearer {token}"})

    async def authorize(
        self, client_id: str = CONF_ID, **params: str
    ) -> tuple[httpx.Response, str]:
        """GET /i/oauth2/authorize with sane defaults; returns the response and verifier."""
        verifier, challenge = pkce()
        query = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": CALLBACK,
            "scope": SCOPES,
            "state": "st-123",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        query.update(params)
        query = {k: v for k, v in query.items() if v is not None and v != "<omit>"}
        return await self.http.get("/i/oauth2/authorize", params=query), verifier

    async def code(self, client_id: str = CONF_ID, **params: str) -> tuple[str, str]:
        """A fresh authorization code (auto-approve) and its verifier."""
        resp, verifier = await self.authorize(client_id, **params)
        assert resp.status_code == 302, resp.text
        location = httpx.URL(resp.headers["location"])
        return location.params["code"], verifier

    async def exchange(
        self, code: str, verifier: str, client_id: str = CONF_ID, redirect_uri: str = CALLBACK
    ) -> httpx.Response:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
            "client_id": client_id,
        }
        headers = basic(CONF_ID, CONF_SECRET) if client_id == CONF_ID else {}
        return await self.http.post("/2/oauth2/token", data=data, headers=headers)

    async def refresh(self, refresh_token: str, client_id: str = CONF_ID) -> httpx.Response:
        data = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
        }
        headers = basic(CONF_ID, CONF_SECRET) if client_id == CONF_ID else {}
        return await self.http.post("/2/oauth2/token", data=data, headers=headers)


def build_app(server: OAuthServer) -> Starlette:
    async def whoami(request: Request) -> Response:
        principal = server.authenticate(request.headers.get("authorization"))
        if principal is None:
            body = {
                "title": "Unauthorized",
                "type": "about:blank",
                "status": 401,
                "detail": "Unauthorized",
            }
            return JSONResponse(body, status_code=401)
        return JSONResponse(
            {
                "kind": principal.kind,
                "client_id": principal.client_id,
                "user_id": principal.user_id,
                "scopes": sorted(principal.scopes),
                "token_id": principal.token_id,
            }
        )

    return Starlette(routes=[*server.routes(), Route("/test/whoami", whoami)])


@pytest.fixture
def make_sim() -> Callable[..., Sim]:
    """Build a fresh sim; sync so that sync tests can use it too.

    The clients need no closing: an ASGI transport holds no socket.
    """

    def factory(*, auto_approve: bool = True, lifetime: timedelta = timedelta(hours=2)) -> Sim:
        clock = FakeClock()
        world = make_world()
        server = OAuthServer(
            world, clock, access_token_lifetime=lifetime, auto_approve=auto_approve
        )
        app = build_app(server)
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)
        return Sim(server, clock, world, http, app)

    return factory


@pytest.fixture
def sim(make_sim: Callable[..., Sim]) -> Sim:
    return make_sim()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
