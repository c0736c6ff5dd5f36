"""``xpulse serve``: the dashboard served live from the store, read-only (an ASGI app).

The pages are the static build's (:mod:`xpulse.web.pages`) made at request time, the store
seen as it is at that instant; the chart library comes from ``/assets/vega.js`` on the same
origin. Only GET and HEAD are answered. Every response carries security headers, with a
Content-Security-Policy that allows nothing from outside the origin.

Bound to a loopback address nobody else can reach, it asks for nothing; on any other
address it needs the user's token on every request, as ``Authorization: Bearer TOKEN`` or
as the password of HTTP Basic (what a browser prompts for), compared in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from markupsafe import escape
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from xpulse.clock import Clock, utc_now
from xpulse.config.settings import Config
from xpulse.errors import PageNotFound, XpulseError
from xpulse.render import vega
from xpulse.web import DEFAULT_PERIODS
from xpulse.web.pages import BUNDLE_PATH, DASHBOARD_JS
from xpulse.web.site import Site, app_links


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServeSettings:
    """What the app serves: the config and store, its periods, and the token if any."""

    config: Config
    engine: Engine
    periods: tuple[str, ...] = DEFAULT_PERIODS
    tz: str | None = None
    token: str | None = None
    clock: Clock = utc_now


def _message_page(status: int, heading: str, message: str) -> HTMLResponse:
    body = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(heading)} · xpulse</title>"
        "<style>body{font:15px/1.5 system-ui,sans-serif;color:#1f2328;max-width:40em;"
        "margin:2em auto;padding:0 16px}a{color:#0969da}</style></head><body>"
        f"<h1>{escape(heading)}</h1><p>{escape(message)}</p>"
        '<p><a href="/">All accounts</a></p></body></html>'
    )
    return HTMLResponse(body, status_code=status)


def _authorized(request: Request, token: str) -> bool:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    given = ""
    if scheme.lower() == "bearer":
        given = value.strip()
    elif scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        given = decoded.partition(":")[2]
    return bool(given) and hmac.compare_digest(given.encode(), token.encode())


def create_app(settings: ServeSettings) -> Starlette:
    """The read-only dashboard app over ``settings``' store."""
    links = app_links()

    def site() -> Site:
        s = settings
        return Site(s.config, s.engine, s.clock(), s.periods, s.tz)

    def page(render: Callable[[], str]) -> Response:
        try:
            return HTMLResponse(render())
        except PageNotFound as exc:
            return _message_page(404, "Not on this dashboard", str(exc))
        except XpulseError as exc:
            return _message_page(200, "Nothing to show yet", str(exc))

    async def portfolio(request: Request) -> Response:
        label = request.query_params.get("period")
        return page(lambda: site().portfolio_html(label, links, inline=False))

    async def account(request: Request) -> Response:
        name = request.path_params["name"]
        label = request.query_params.get("period")
        return page(lambda: site().account_html(name, label, links, inline=False))

    async def bundle(request: Request) -> Response:
        return Response(
            vega.bundle(),
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if settings.token is not None and not _authorized(request, settings.token):
            response: Response = Response(
                "a token is needed: the password of this dashboard\n",
                status_code=401,
                media_type="text/plain",
                headers={"WWW-Authenticate": 'Basic realm="xpulse", charset="UTF-8"'},
            )
        else:
            response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        if response.media_type != "text/javascript; charset=utf-8":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return Starlette(
        routes=[
            Route("/", portfolio, methods=["GET", "HEAD"]),
            Route("/account/{name}", account, methods=["GET", "HEAD"]),
            Route(BUNDLE_PATH, bundle, methods=["GET", "HEAD"]),
        ],
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=guard)],
    )


# Nothing from outside the origin; the only inline script allowed is the pages' own boot
# script, by hash (the chart specs are JSON data, not script).
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": "default-src 'none'; "
    f"script-src 'self' {vega.script_hash(vega.boot_js(DASHBOARD_JS))}; "
    "style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def listen_socket(host: str, port: int) -> socket.socket:
    """A listening socket, bound now, so a busy port fails before anything starts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock
