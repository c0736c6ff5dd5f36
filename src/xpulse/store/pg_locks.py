"""PostgreSQL advisory locks: a lock every process on every machine sees.

Held by a session of its own, so a process that dies (SIGKILL, a lost machine) releases it
with its connection: nothing is left to clean up.
"""

from __future__ import annotations

import time
import zlib
from types import TracebackType

from sqlalchemy import Connection, Engine, text

NAMESPACE = 0x7870  # "xp": the first half of every key, so other apps' locks never collide


class LockTimeout(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f"the lock {name!r} is held elsewhere")
        self.name = name


def key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF


class AdvisoryLock:
    """``with AdvisoryLock(engine, "token:main", timeout=120): ...``; LockTimeout when
    another session holds it past ``timeout`` seconds."""

    def __init__(self, engine: Engine, name: str, timeout: float = 120.0) -> None:
        self.engine = engine
        self.name = name
        self.timeout = timeout
        self._conn: Connection | None = None

    def __enter__(self) -> AdvisoryLock:
        conn = self.engine.connect()
        deadline = time.monotonic() + self.timeout
        pause = 0.01
        try:
            while True:
                got = conn.execute(
                    text("SELECT pg_try_advisory_lock(:ns, :k)"),
                    {"ns": NAMESPACE, "k": key(self.name)},
                ).scalar_one()
                conn.commit()
                if got:
                    break
                if time.monotonic() >= deadline:
                    raise LockTimeout(self.name)
                time.sleep(pause)
                pause = min(pause * 2, 0.25)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.execute(
                text("SELECT pg_advisory_unlock(:ns, :k)"), {"ns": NAMESPACE, "k": key(self.name)}
            )
            conn.commit()
        finally:
            conn.close()
