"""Fault injection for ``/2/`` resource requests, deterministic by seed.

``--faults "429=0.05,500=0.02,502=0.01,503=0.01,slow=0.02,drop=0.01,truncate=0.01,
partial=0.02,seed=7,slow_seconds=30"``: each request draws once from a ``random.Random``
seeded with ``seed``, so the same sequence of requests meets the same faults. The OAuth and
``/_sim/`` routes are never faulted.

- ``429``: the rate-limit answer (Problem, ``x-rate-limit-remaining: 0``);
- ``500``/``502``/``503``: an ``about:blank`` Problem with that status;
- ``slow``: wait ``slow_seconds`` (default 30, longer than a typical client timeout), then
  answer normally;
- ``drop``: the server answers, then the connection is closed before any of the answer
  reaches the client;
- ``truncate``: a 200 whose JSON body is cut in half (a complete HTTP message, so the client
  sees invalid JSON rather than a transport error);
- ``partial``: a 200 whose last ``data`` item is replaced by a ``resource-unavailable``
  partial error (a single-object answer becomes errors only).

The status faults and ``partial`` are applied by the endpoint wrapper (after authentication,
so rate-limit headers are real; before billing, so a replaced item is not billed); the
others act here, at the ASGI level, on an answer already computed and billed. What each
fault bills is stated in :mod:`xsim.v2.billing`.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xsim.v2 import problems

KINDS = ("429", "500", "502", "503", "slow", "drop", "truncate", "partial")
STATUS_FAULTS = frozenset({"429", "500", "502", "503"})
ENDPOINT_FAULTS = STATUS_FAULTS | {"partial"}  # applied by the endpoint, told via the scope
SCOPE_KEY = "xsim.fault"


class FaultSpecError(ValueError):
    """A ``--faults`` string that cannot be read; the message is one line for the user.

    It does not name the option: the CLI's usage error does (``Invalid value for --faults``).
    """


class ConnectionDropped(Exception):
    """Raised in-process (no socket to close) to stand for a dropped connection."""


@dataclass(frozen=True)
class FaultSpec:
    rates: dict[str, float] = field(default_factory=dict)
    seed: int = 0
    slow_seconds: float = 30.0


def parse_faults(text: str) -> FaultSpec:
    rates: dict[str, float] = {}
    seed, slow = 0, 30.0
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep:
            raise FaultSpecError(f"{part!r} is not NAME=VALUE")
        try:
            number = float(value)
        except ValueError:
            raise FaultSpecError(f"{name} needs a number, got {value!r}") from None
        if name == "seed":
            seed = int(number)
        elif name == "slow_seconds":
            if number < 0:
                raise FaultSpecError("slow_seconds must be >= 0")
            slow = number
        elif name in KINDS:
            if not 0.0 <= number <= 1.0:
                raise FaultSpecError(f"rate of {name} must be between 0 and 1")
            rates[name] = number
        else:
            known = ", ".join((*KINDS, "seed", "slow_seconds"))
            raise FaultSpecError(f"unknown fault {name!r} (known: {known})")
    if sum(rates.values()) > 1.0:
        raise FaultSpecError("the rates add up to more than 1")
    return FaultSpec(rates, seed, slow)


class FaultPlan:
    """The seeded sequence of faults: one draw per faultable request."""

    def __init__(self, spec: FaultSpec) -> None:
        self.spec = spec
        self._rng = random.Random(spec.seed)
        self._lock = threading.Lock()
        self.drawn: list[str | None] = []  # what each request met, for tests and debugging

    def draw(self) -> str | None:
        with self._lock:
            x = self._rng.random()
            chosen: str | None = None
            for kind in KINDS:
                rate = self.spec.rates.get(kind, 0.0)
                if x < rate:
                    chosen = kind
                    break
                x -= rate
            self.drawn.append(chosen)
            return chosen


def faultable(path: str) -> bool:
    return path.startswith("/2/") and not path.startswith("/2/oauth2/")


class FaultMiddleware:
    """Draws a fault per ``/2/`` request and applies the transport-level ones."""

    def __init__(
        self,
        app: ASGIApp,
        plan: FaultPlan,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.app, self.plan, self.sleep = app, plan, sleep

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not faultable(scope["path"]):
            await self.app(scope, receive, send)
            return
        fault = self.plan.draw()
        if fault is None:
            await self.app(scope, receive, send)
        elif fault in ENDPOINT_FAULTS:
            await self.app({**scope, SCOPE_KEY: fault}, receive, send)
        elif fault == "slow":
            await self.sleep(self.plan.spec.slow_seconds)
            await self.app(scope, receive, send)
        elif fault == "drop":
            await self._drop(scope, receive)
        else:
            await self._truncate(scope, receive, send)

    async def _drop(self, scope: Scope, receive: Receive) -> None:
        """The server computes (and bills) its answer; the connection dies before it leaves."""

        async def discard(message: Message) -> None:
            return None

        await self.app(scope, receive, discard)
        await _drop(receive)

    async def _truncate(self, scope: Scope, receive: Receive, send: Send) -> None:
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        if start.get("status") == 200:
            body = body[: max(1, len(body) // 2)]
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def _drop(receive: Receive) -> None:
    """Close the socket with no response (uvicorn), or raise in-process."""
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionDropped("xsim fault: connection dropped")
    transport.abort()
    while (await receive())["type"] != "http.disconnect":
        pass


def partial(body: dict[str, Any], path: str) -> tuple[dict[str, Any], str | None]:
    """``body`` with its last ``data`` item replaced by a ``resource-unavailable`` error, and
    the id of the item taken out (None when there was nothing to take). ``body`` is not
    changed: its items may be shared, already-encoded JSON (:class:`xsim.v2.jsonbody.Raw`)."""
    if "data" not in body:
        return body, None
    doc = dict(body)
    resource = "user" if path.startswith("/2/users/") and not path.endswith("/tweets") else "tweet"
    data = doc["data"]
    if isinstance(data, list):
        if not data:
            return body, None
        data = list(data)
        victim = data.pop()
        parameter = "ids" if path in ("/2/tweets", "/2/tweets/analytics") else "id"
        if data:
            doc["data"] = data
        else:
            del doc["data"]
        meta = doc.get("meta")
        if isinstance(meta, dict) and "result_count" in meta:
            doc["meta"] = {**meta, "result_count": len(data)}
    else:
        victim = data
        parameter = "id" if not path.startswith("/2/users/by/") else "username"
        del doc["data"]
    item = json.loads(victim) if isinstance(victim, str) else victim
    victim_id = str(item.get("id", "")) if isinstance(item, dict) else ""
    errors = list(doc.pop("errors", []))
    errors.append(problems.unavailable(resource, parameter, victim_id))
    doc["errors"] = errors
    if "meta" in doc:
        doc["meta"] = doc.pop("meta")  # keep meta last, as the API does
    return doc, victim_id
