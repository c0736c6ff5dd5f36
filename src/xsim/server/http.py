"""Run xsim over HTTP with uvicorn: in the foreground (``xsim serve``) or in a thread.

``serve_in_thread(world, **opts)`` binds 127.0.0.1 on a free port *before* starting, so the
yielded base URL is ready to use and no two tests race for a port.
"""

from __future__ import annotations

import contextlib
import gc
import signal
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn

from xsim.clock import Clock, FixedClock, RealClock
from xsim.server.app import create_app
from xsim.server.state_file import Saver, load
from xsim.v2.faults import FaultSpec
from xsim.world.model import World

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
START_TIMEOUT = 120.0  # seconds for a served app to start listening (see serve_app)


def build_app(
    world: World,
    *,
    now: datetime | None = None,
    faults: FaultSpec | None = None,
    token_lifetime_seconds: float | None = None,
    auto_approve: bool = False,
    clock: Clock | None = None,
    sleep: Callable[[float], Awaitable[None]] | None = None,
) -> Any:
    """The app with the CLI's options: ``--now`` fixes the clock, else the world's ``now``."""
    if clock is None:
        if now is not None:
            clock = FixedClock(now)
        elif world.now is not None:
            clock = FixedClock(world.now)
        else:
            clock = RealClock()
    lifetime = timedelta(hours=2)
    if token_lifetime_seconds is not None:
        lifetime = timedelta(seconds=token_lifetime_seconds)
    extra: dict[str, Any] = {} if sleep is None else {"sleep": sleep}  # the slow fault's wait
    return create_app(
        world,
        clock=clock,
        faults=faults,
        token_lifetime=lifetime,
        auto_approve=auto_approve,
        **extra,
    )


def listen_socket(host: str, port: int) -> socket.socket:
    """A TCP socket listening on ``host:port`` (port 0: a free one), for :func:`run`.

    Raises :class:`OSError` (address in use, permission denied, unknown host...) before
    anything is served, so the caller can say so in one line.
    """
    # getaddrinfo resolves names and picks IPv4/IPv6; its proto is IPPROTO_TCP, which
    # asyncio needs to set TCP_NODELAY on accepted sockets (see serve_app).
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        # As uvicorn does: a restarted server may rebind while old connections sit in
        # TIME_WAIT; a live listener still makes bind or listen fail with EADDRINUSE.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def run(
    world: World,
    sock: socket.socket,
    log_level: str = "warning",
    state: Path | None = None,
    **opts: Any,
) -> bool:
    """Serve on ``sock`` (see :func:`listen_socket`) until interrupted; False if the app
    failed to start (uvicorn has logged why). With ``state``, what happens is kept in that
    file across restarts (:mod:`xsim.server.state_file`; :class:`StateError` if it does not fit).

    One worker: the world lives in this process's memory.
    """
    app = build_app(world, **opts)
    saver: Saver | None = None
    if state is not None:
        sim = app.state.sim
        load(sim, state)
        saver = Saver(sim, state)
        sim.on_change = saver.changed
        saver.start()
        # uvicorn re-raises the SIGTERM it caught once it has stopped; as an interrupt here
        # it ends the run below normally, so the state is written once more before exit.
        signal.signal(signal.SIGTERM, _interrupt)
    # The world is read-only from here on: keep the collector from rescanning its objects.
    gc.freeze()
    config = uvicorn.Config(app, log_level=log_level, access_log=log_level == "debug")
    server = uvicorn.Server(config)
    try:
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a foreground server stops
            server.run(sockets=[sock])
    finally:
        sock.close()
        if saver is not None:
            saver.stop()
    return server.started


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def serve_in_thread(world: World, log_level: str = "warning", **opts: Any) -> Iterator[str]:
    """Serve ``world`` on 127.0.0.1 at a free port in a daemon thread; yield the base URL.

    Takes :func:`build_app`'s options; use :func:`serve_app` to serve an app you built
    (to reach its ``app.state.sim``).
    """
    with serve_app(build_app(world, **opts), log_level) as url:
        yield url


@contextlib.contextmanager
def serve_app(app: Any, log_level: str = "warning") -> Iterator[str]:
    """Serve an already built xsim app on a free 127.0.0.1 port; yield its base URL."""
    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say so; without it
    # every response waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        # A bound for a server that will never start, not a pace: on a loaded CI machine
        # (tests in parallel, each starting servers) a start can take several seconds.
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("xsim did not start")
            time.sleep(0.005)  # polling a thread's start-up, not waiting on wall-clock logic
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
