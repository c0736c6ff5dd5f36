"""Private reads go 100 ids a call: more than 100 due posts take the fewest calls, none over."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import httpx
from xpulse_private_world import ALICE, ALICE_TOKEN, NOW, StaticAuth, make_world

from xpulse.api.client import XClient
from xpulse.collect.calllog import CallLog
from xpulse.collect.planner import AccountSpec
from xpulse.collect.private import collect_private
from xpulse.collect.refresh_slots import slots
from xpulse.collect.runner import AccountJob, Runner
from xpulse.collect.source import XClientSource
from xpulse.store import open_store
from xsim.clock import FixedClock
from xsim.server.http import build_app, serve_app
from xsim.world.model import Post, PostFinal

POSTS = 250  # three calls at 100 ids a call: 100, 100, 50


class Recording(httpx.BaseTransport):
    """A real HTTP transport that keeps the ids each /2/tweets lookup asked for."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.lookups: list[list[str]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/2/tweets":
            self.lookups.append(request.url.params["ids"].split(","))
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_private_reads_take_100_ids_a_call(tmp_path: Path) -> None:
    world = make_world()
    ids = [str(9_000_000 + i) for i in range(POSTS)]
    for n, pid in enumerate(ids):
        created = NOW - timedelta(days=1, minutes=n)
        world.posts[pid] = Post(pid, ALICE, f"post {pid}", created,
                                final=PostFinal(100, 4, 1, 1, 0), growth="exact")  # fmt: skip
    clock = FixedClock(NOW)
    engine = open_store(f"sqlite:///{tmp_path / 'b.db'}")
    recording = Recording()
    with serve_app(build_app(world, clock=clock)) as url:
        log = CallLog()
        auth = StaticAuth(f"Bearer {ALICE_TOKEN}")
        client = XClient(url, auth, transport=recording, on_call=log, clock=clock.now)
        source = XClientSource(client, "alice", user_token=True)
        job = AccountJob(AccountSpec("alice", "alice", True), source, "user:alice", log)
        assert Runner(engine, slots("weekly"), clock=clock.now).run([job]).ok
        recording.lookups.clear()
        collect_private(engine, client, "alice", ALICE, user_context=True,
                        schedule=slots("weekly"), clock=clock.now, ids=ids)  # fmt: skip
        client.close()
    engine.dispose()
    asked = recording.lookups
    assert len(asked) == math.ceil(POSTS / 100) == 3
    assert [len(batch) for batch in asked] == [100, 100, 50]
    assert sorted(pid for batch in asked for pid in batch) == sorted(ids)  # each id once
