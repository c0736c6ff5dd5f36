"""The API calls each thread made since its last page was stored.

The client reports every HTTP exchange (retries, 429s and all) through ``on_call``, in the
thread that made it. The runner drains the thread's records into the same transaction as
the page they produced, so the call log and the data can never disagree after a crash.
"""

from __future__ import annotations

import threading

from xpulse.api.transport import CallRecord


class CallLog:
    def __init__(self) -> None:
        self._local = threading.local()

    def _buffer(self) -> list[CallRecord]:
        buf: list[CallRecord] | None = getattr(self._local, "buf", None)
        if buf is None:
            buf = []
            self._local.buf = buf
        return buf

    def __call__(self, record: CallRecord) -> None:
        self._buffer().append(record)

    def drain(self) -> list[CallRecord]:
        buf = self._buffer()
        out = list(buf)
        buf.clear()
        return out
