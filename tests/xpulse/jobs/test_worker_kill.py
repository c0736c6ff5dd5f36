"""A worker SIGKILLed mid-job: another worker takes the job up and finishes it with no post
or observation lost or duplicated, and with what X billed equal to what xpulse recorded."""

from __future__ import annotations

import json
import signal
import time
from typing import Any

import pytest

from ..collect.test_kill_resume import KillOnRequest
from .conftest import Fleet, FleetFactory, write_config

pytestmark = pytest.mark.postgres


def _wait_dead(proc: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        assert time.monotonic() < deadline, "the worker was never killed"
        time.sleep(0.1)


def _kill_a_worker(fleet: Fleet, killer: KillOnRequest) -> str:
    """Start a worker of one slot, SIGKILL it at the second call it sends to X, and return
    the account of its job, still "doing": nobody else may take it yet."""
    doomed = fleet.start_worker("--concurrency", "1", "--stalled-after", "5")
    killer.arm(doomed.pid, kill_at=2)
    _wait_dead(doomed)
    assert doomed.returncode == -signal.SIGKILL
    running = fleet.sql("SELECT args->>'account' FROM procrastinate_jobs WHERE status = 'doing'")
    assert len(running) == 1
    return str(running[0][0])


def _assert_only_the_killed_job_retried(fleet: Fleet, killed_account: str) -> None:
    status = fleet.xpulse("workers", "status")
    assert status.returncode == 0, status.stdout
    rows = {line.split()[0]: line.split()[1:] for line in status.stdout.splitlines()[2:]}
    for name in fleet.names:
        retried = "1" if name == killed_account else "0"
        assert rows[name] == ["0", "0", "1", "0", retried], status.stdout
    assert "lost its worker: queued again" in fleet.logs()


def _assert_nothing_lost_or_doubled(fleet: Fleet) -> None:
    rows = fleet.sql("SELECT account, id FROM posts")
    stored: dict[str, set[str]] = {}
    for account, post_id in rows:
        stored.setdefault(account, set()).add(str(post_id))
    for name, token in zip(fleet.names, fleet.world.tokens, strict=False):
        expected = {
            p.id
            for p in fleet.world.posts.values()
            if p.author_id == token.user_id and not p.deleted
        }
        assert stored[name] == expected, name
    # One sweep: each post observed once by each endpoint. (A post near day 30 also gets
    # its last private read from /2/tweets after the sweep: that depends on the clock.)
    per_read = fleet.sql(
        "SELECT post_id, source, count(*) FROM observations GROUP BY post_id, source"
    )
    assert len({post_id for post_id, _, _ in per_read}) == len(rows)
    assert {n for _, _, n in per_read} == {1}
    cost = json.loads(fleet.xpulse("cost", "--json").stdout)
    ledger = fleet.ledger()["totals"]
    assert cost["cost_usd"] == pytest.approx(ledger["cost_usd"], abs=1e-9)


def test_a_killed_workers_job_is_finished_by_another(fleet_factory: FleetFactory) -> None:
    killer: list[KillOnRequest] = []

    def wrap(app: Any) -> KillOnRequest:
        killer.append(KillOnRequest(app))
        return killer[0]

    fleet = fleet_factory(users=3, posts_per_week=120, wrap=wrap)
    assert fleet.xpulse("enqueue", "collect").returncode == 0
    killed_account = _kill_a_worker(fleet, killer[0])  # the account's second timeline page

    fleet.start_worker("--concurrency", "2", "--stalled-after", "5")
    fleet.wait_jobs_done(3)

    _assert_only_the_killed_job_retried(fleet, killed_account)
    _assert_nothing_lost_or_doubled(fleet)


class SlackHook:
    """ASGI wrapper: a Slack incoming webhook at ``/hooks/...`` beside the API, keeping
    each message posted to it; everything else goes to the app."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.messages: list[dict[str, Any]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/hooks/"):
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.messages.append(json.loads(body))
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain")]})  # fmt: skip
        await send({"type": "http.response.body", "body": b"ok"})


def test_a_killed_workers_run_job_is_finished_by_another_and_delivered_once(
    fleet_factory: FleetFactory,
) -> None:
    killer: list[KillOnRequest] = []
    hooks: list[SlackHook] = []

    def wrap(app: Any) -> SlackHook:
        killer.append(KillOnRequest(app))
        hooks.append(SlackHook(killer[0]))
        return hooks[0]

    fleet = fleet_factory(users=2, posts_per_week=120, wrap=wrap)
    out = fleet.home / "reports"
    extra = f'[delivery.files]\nfolder = "{out}"\nformats = ["json"]\n\n[delivery.slack]\n'
    write_config(fleet, extra=extra)
    fleet.env["XPULSE_SLACK_WEBHOOK"] = f"{fleet.url}/hooks/T000/B000/secret"
    assert fleet.xpulse("enqueue", "run").returncode == 0
    killed_account = _kill_a_worker(fleet, killer[0])  # the first account's first page
    assert fleet.sql_count("SELECT count(*) FROM deliveries") == 0  # killed before a send

    fleet.start_worker("--concurrency", "2", "--stalled-after", "5")
    fleet.wait_jobs_done(2)

    _assert_only_the_killed_job_retried(fleet, killed_account)
    sent = fleet.sql(
        "SELECT account, destination, status, attempts FROM deliveries ORDER BY account, 2"
    )
    assert [tuple(r) for r in sent] == [
        (name, dest, "sent", 1) for name in fleet.names for dest in ("files", "slack")
    ]
    messages = hooks[0].messages
    assert len(messages) == 2  # one message an account: none sent twice, none lost
    handles = [fleet.world.users[t.user_id].username for t in fleet.world.tokens[:2]]
    named = [h for m in messages for h in handles if f"@{h}" in json.dumps(m)]
    assert sorted(named) == sorted(handles)
    assert sorted(p.name.split("-")[0] for p in out.rglob("*-W*.json")) == fleet.names
    _assert_nothing_lost_or_doubled(fleet)
