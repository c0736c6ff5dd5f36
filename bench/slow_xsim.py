"""xsim in a child process with latency added to every ``/2/`` answer, for the benchmarks
that measure collecting against a network's round trips (collect_200, workers)."""

from __future__ import annotations

import asyncio
import multiprocessing
import socket
import time
from multiprocessing.process import BaseProcess
from typing import Any

import httpx

from xsim.clock import Clock
from xsim.server.http import build_app
from xsim.world.model import World


class Latency:
    def __init__(self, app: Any, seconds: float) -> None:
        self.app, self.seconds = app, seconds

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/2/"):
            await asyncio.sleep(self.seconds)
        await self.app(scope, receive, send)


def _serve(w: World, sock: socket.socket, latency: float, clock: Clock) -> None:
    import uvicorn

    app = Latency(build_app(w, clock=clock), latency)
    config = uvicorn.Config(app, log_level="error", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


def start(w: World, latency: float, clock: Clock, wait_s: float = 30.0) -> tuple[str, BaseProcess]:
    """The server's base URL and its process, once it answers."""
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on such sockets; without it every
    # response waits ~40 ms for a delayed ACK (Nagle), on top of the latency
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = multiprocessing.get_context("fork").Process(
        target=_serve, args=(w, sock, latency, clock), daemon=True
    )
    server.start()
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/_sim/clock", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.05)  # the child is not listening yet
    return url, server
