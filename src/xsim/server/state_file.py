"""``xsim serve --state FILE``: what a running sandbox learned, kept across restarts.

The world file is what a sandbox starts from; the state file is what happened since: the
user tokens issued, rotated and revoked (kept by their SHA-256 digest, as the token store
keeps them, so the file holds nothing that signs in), the billing ledger (and so usage and
the monthly cap), and a fixed clock's now. At start a state file that exists is loaded on
top of the world (one line and exit 2 when it does not fit the world); while serving, a
background thread writes it within a second of any request and once more at shutdown,
atomically (a temporary file, fsync, rename): a reader sees the old file or the new one.
``POST /_sim/reset`` goes back to the world (and writes that).

Not kept: authorization codes and consents in flight (seconds to minutes long: a sign-in
interrupted by a restart starts again), app-only bearer tokens minted by ``POST
/oauth2/token`` (the world's own are), rate-limit windows and the Engagement API's minute
windows (they restart empty, as after 15 minutes).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from xsim.clock import FixedClock, iso_z, parse_instant
from xsim.server.state import Sim
from xsim.world.model import Post, User

FORMAT = 1


class StateError(Exception):
    """A state file that cannot be read or does not fit the world (the message says why)."""


def snapshot(sim: Sim) -> dict[str, Any]:
    """The state as a JSON document."""
    doc: dict[str, Any] = {"xsim_state": FORMAT}
    if isinstance(sim.clock, FixedClock):
        doc["clock"] = iso_z(sim.clock.now())
    doc["tokens"] = sim.oauth.store.snapshot()
    batches: list[list[Any]] = []
    for entry in sim.ledger.entries:
        key = [iso_z(entry.at), entry.client_id, entry.user_id, entry.endpoint]
        if batches and batches[-1][:4] == key:
            batches[-1][4].append([entry.resource_type[0], entry.resource_id])
        else:
            batches.append([*key, [[entry.resource_type[0], entry.resource_id]]])
    doc["ledger"] = batches
    return doc


def restore(sim: Sim, doc: Any, source: str) -> None:
    """Load a snapshot into a freshly built ``sim`` (its world already loaded)."""
    try:
        if not isinstance(doc, dict) or doc.get("xsim_state") != FORMAT:
            raise StateError(f"not an xsim state file (format {FORMAT})")
        world = sim.world
        batches: list[tuple[datetime, str, str | None, str, list[Post], list[User]]] = []
        for at, client_id, user_id, endpoint, reads in doc.get("ledger", []):
            if client_id not in world.apps:
                raise StateError(f"the ledger names an app this world lacks: {client_id!r}")
            posts = [world.posts[rid] for kind, rid in reads if kind == "p"]
            users = [world.users[rid] for kind, rid in reads if kind == "u"]
            batches.append((parse_instant(at), client_id, user_id, endpoint, posts, users))
        sim.oauth.store.restore(doc.get("tokens", {}), world)
        for at, client_id, user_id, endpoint, posts, users in batches:
            sim.ledger.record(at, client_id, user_id, endpoint, posts, users)
        if "clock" in doc and isinstance(sim.clock, FixedClock):
            sim.clock.set(parse_instant(str(doc["clock"])))
    except StateError as exc:
        raise StateError(f"{source}: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise StateError(
            f"{source}: does not fit this world ({type(exc).__name__}: {exc})"
        ) from None


def load(sim: Sim, path: Path) -> bool:
    """Restore from ``path`` if it exists; False when there is none yet."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return False
    except (OSError, UnicodeDecodeError) as exc:
        raise StateError(f"{path}: cannot read: {exc}") from None
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        raise StateError(f"{path}: not valid JSON") from None
    restore(sim, doc, str(path))
    return True


def save(sim: Sim, path: Path) -> None:
    """Write the state atomically."""
    text = json.dumps(snapshot(sim), separators=(",", ":"))
    directory = path.parent if str(path.parent) else Path(".")
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class Saver:
    """Writes the state within ``interval`` seconds of a change, and on :meth:`stop`."""

    def __init__(self, sim: Sim, path: Path, interval: float = 1.0) -> None:
        self.sim, self.path, self.interval = sim, path, interval
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="xsim-state", daemon=True)

    def changed(self) -> None:
        self._dirty.set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        save(self.sim, self.path)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if self._dirty.is_set():
                self._dirty.clear()
                save(self.sim, self.path)
