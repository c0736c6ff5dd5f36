"""One xsim world and collector wiring, shared by the collect tests, the kill-and-resume
child process and the collect benchmarks (``bench/collect_*.py`` put this folder on
``sys.path``). Plain code, no pytest: importable from a script.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from xpulse.api.client import XClient
from xpulse.collect.calllog import CallLog
from xpulse.collect.planner import AccountSpec
from xpulse.collect.runner import AccountJob
from xpulse.collect.source import XClientSource
from xpulse.store import open_store
from xsim.world.generate import generate_world
from xsim.world.generate_people import GenerateOptions
from xsim.world.model import World

T0 = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)


class StaticAuth:
    """A user token that never expires here (the sign-in lifecycle is tested elsewhere)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def authorization(self) -> str:
        return f"Bearer {self.token}"

    def after_unauthorized(self, sent: str) -> bool:
        return False


def make_world(
    users: int = 2,
    posts_per_week: float = 50,
    seed: int = 5,
    *,
    now: datetime = T0 + timedelta(days=10),
    days: int = 50,
) -> World:
    """Users posting for ``days`` up to ``now`` (by default 40 days before T0 to 10 days
    after: as a test moves the clock past T0, new posts appear; xsim never serves a post
    before its time). Tokens last a year, so no run needs a refresh."""
    world = generate_world(
        GenerateOptions(seed=seed, users=users, days=days, now=now, posts_per_week=posts_per_week)
    )
    for token in world.tokens:
        token.expires_at = now + timedelta(days=365)
    for app in world.apps.values():
        # every user runs their own app here, so each one's posts are owned reads (the
        # agency case, one app reading clients' posts, is tested on its own)
        app.owner = None
    return world


def accounts_of(world: World) -> list[tuple[str, str]]:
    """(access token, username) of every signed-in user of the world."""
    return [(t.access_token, world.users[t.user_id].username) for t in world.tokens]


def user_job(
    url: str,
    token: str,
    username: str,
    clock: Callable[[], datetime],
    *,
    log: CallLog | None = None,
    **client_options: Any,
) -> tuple[AccountJob, XClient]:
    """A collect job for one own account on a static user token; the caller closes the
    client."""
    log = log if log is not None else CallLog()
    client = XClient(url, StaticAuth(token), on_call=log, clock=clock, **client_options)
    spec = AccountSpec(username.lower(), username, True)
    source = XClientSource(client, username, user_token=True)
    return AccountJob(spec, source, f"user:{spec.name}", log), client


def user_jobs(
    url: str,
    accounts: Sequence[tuple[str, str]],
    clock: Callable[[], datetime],
    *,
    log_for: Callable[[str], CallLog] | None = None,
    **client_options: Any,
) -> tuple[list[AccountJob], list[XClient]]:
    """:func:`user_job` for each (token, username); ``log_for(name)`` picks a call log."""
    jobs, clients = [], []
    for token, username in accounts:
        log = log_for(username.lower()) if log_for is not None else None
        job, client = user_job(url, token, username, clock, log=log, **client_options)
        jobs.append(job)
        clients.append(client)
    return jobs, clients


def sqlite_store(path: Path | str) -> Engine:
    return open_store(f"sqlite:///{path}")
