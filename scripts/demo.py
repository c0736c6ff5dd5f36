"""``make demo``: the whole main job of xpulse against xsim, on this machine, offline.

It generates a world with xsim, serves it in-process, starts a local Slack receiver and a
local SMTP server, writes a fresh XPULSE_HOME under ``.demo/`` whose accounts are the
world's users, signs them in, then runs ``xpulse run`` (collect, report, deliver to Slack,
email and files) and prints where everything went. Everything it writes is under ``.demo/``
and ``demo-out/``, both recreated on every run.

This script imports xsim and xpulse together on purpose; the xpulse library never does.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import os
import shutil
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import tomlkit
from aiosmtpd.controller import Controller

from xpulse.accounts import signin
from xpulse.config.settings import Config, load_config, parse_config
from xpulse.operations.run import Hooks, RunOptions, RunOutcome, run_job
from xpulse.store import open_store, queries
from xsim.server.http import serve_in_thread
from xsim.world.generate import generate_world
from xsim.world.generate_people import GenerateOptions
from xsim.world.model import World

ROOT = Path(__file__).resolve().parents[1]
WEBHOOK_PATH = "/services/TDEMO0000/BDEMO0000/demo-webhook-path"

# -- local receivers ------------------------------------------------------------------------


class SlackReceiver:
    """A tiny threaded HTTP server that records the JSON bodies posted to it, like an
    incoming webhook. ``fail_next`` answers that many posts with ``fail_status`` first."""

    def __init__(self, fail_next: int = 0, fail_status: int = 500) -> None:
        self.payloads: list[dict[str, Any]] = []
        self.fail_next = fail_next
        self.fail_status = fail_status
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, reply = receiver._receive(self.path, body)
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                return  # quiet: the demo prints its own summary

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _receive(self, path: str, body: bytes) -> tuple[int, bytes]:
        with self._lock:
            if path != WEBHOOK_PATH:
                return 404, b"no_service"
            if self.fail_next > 0:
                self.fail_next -= 1
                return self.fail_status, b"internal_error"
            self.payloads.append(json.loads(body))
            return 200, b"ok"

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{WEBHOOK_PATH}"

    def __enter__(self) -> SlackReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class MailReceiver:
    """A local SMTP server (aiosmtpd) that keeps every message it receives."""

    messages: list[bytes] = field(default_factory=list)
    port: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.content
        self.messages.append(content if isinstance(content, bytes) else content.encode())
        return "250 Message accepted for delivery"

    @contextlib.contextmanager
    def running(self) -> Iterator[MailReceiver]:
        self.port = free_port()
        controller = Controller(self, hostname="127.0.0.1", port=self.port)
        controller.start()
        try:
            yield self
        finally:
            controller.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the demo -------------------------------------------------------------------------------


@dataclass
class DemoResult:
    outcome: RunOutcome
    files: list[Path]
    slack_files: list[Path]
    email_files: list[Path]
    ledger: dict[str, Any]
    signed_in_by_oauth: list[str]
    rerun: RunOutcome | None = None
    spent_micros: int = 0  # what `xpulse cost` holds: the runs and the sign-in's user read


@contextlib.contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the run and put the old values back afterwards."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _names(world: World) -> list[tuple[str, str, bool]]:
    """(account name, username, whether the user owns the app) for each user the world
    issued a token to."""
    out = []
    for token in world.tokens:
        user = world.users[token.user_id]
        owner = world.apps[token.client_id].owner in (None, user.id)
        name = user.username.lower().replace("_", "-")[:40] or f"u{user.id}"
        out.append((name, user.username, owner))
    return out


def write_config(
    home: Path,
    url: str,
    client_id: str,
    names: list[tuple[str, str, bool]],
    files: Path,
    smtp_port: int,
    callback_port: int,
) -> Config:
    """The demo's config.toml, validated by xpulse before it is written."""
    data: dict[str, Any] = {
        "timezone": "Europe/Berlin",
        "plan": "pay-per-use",
        "monthly_budget_usd": 5.0,  # the default: a first collect fits it
        "api": {"base_url": url, "client_id": client_id, "callback_port": callback_port},
        "accounts": [{"name": n, "username": u, "owns_app": o} for n, u, o in names],
        "delivery": {
            "cadence": "weekly on monday at 09:00",
            "period": "last-week",
            "slack": {"webhook_url_env": "XPULSE_SLACK_WEBHOOK"},
            "email": {
                "host": "127.0.0.1",
                "port": smtp_port,
                "security": "none",  # a loopback relay: xpulse refuses "none" anywhere else
                "sender": "xpulse-demo@example.com",
                "recipients": ["team@example.com"],
            },
            "files": {"folder": str(files), "formats": ["html", "md", "json", "csv"]},
            "alerts": {"channel": "slack"},
        },
    }
    path = home / "config.toml"
    parse_config(data, path)  # the library's own validation, before anything is written
    path.write_text(tomlkit.dumps(data), encoding="utf-8")
    return load_config(path)


def _sign_in_first(config: Config, now: datetime) -> list[str]:
    """Sign the first account in through the real OAuth 2.0 PKCE flow (xsim auto-approves,
    the demo plays the browser). Returns the accounts signed in this way."""
    account = config.accounts[0]

    def browser(url: str) -> bool:
        threading.Thread(
            target=lambda: httpx.get(url, follow_redirects=True, timeout=10), daemon=True
        ).start()
        return True

    try:
        signin.login(
            config,
            account,
            show_url=lambda _u: None,
            open_browser=browser,
            clock=lambda: now,
            timeout=15,
        )
    except Exception as exc:  # the callback port may be taken: fall back to env tokens
        print(f"demo: OAuth sign-in of {account.name} skipped ({exc})", file=sys.stderr)
        return []
    return [account.name]


def run_demo(
    out: Path = ROOT / "demo-out",
    state: Path = ROOT / ".demo",
    *,
    users: int = 3,
    days: int = 35,
    posts_per_week: float = 12.0,
    seed: int = 7,
    now: datetime | None = None,
    echo: Callable[[str], None] = print,
    oauth: bool = True,
) -> DemoResult:
    """Run the demo; everything it writes goes under ``out`` and ``state`` (recreated)."""
    for folder in (out, state):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    home = state / "home"
    home.mkdir()
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    world = generate_world(GenerateOptions(seed, users, days, now, posts_per_week))
    for token in world.tokens:
        token.expires_at = now + timedelta(days=30)
    app = next(a for a in world.apps.values() if a.client_secret)
    names = _names(world)
    # A callback on a free port, registered with the app as a developer would: the default
    # 8765 may be taken on this machine.
    callback_port = free_port()
    app.callback_urls.append(f"http://127.0.0.1:{callback_port}/callback")
    started = time.monotonic()
    slack = SlackReceiver()
    mail = MailReceiver()
    with serve_in_thread(world, now=now, auto_approve=True) as url, slack, mail.running():
        env = {
            "XPULSE_HOME": str(home),
            "XPULSE_SLACK_WEBHOOK": slack.url,
            "XPULSE_CLIENT_SECRET": app.client_secret or "",
        }
        with _environ(env):
            config = write_config(
                home, url, app.client_id, names, out / "files", mail.port, callback_port
            )
            oauthed = _sign_in_first(config, now) if oauth else []
            tokens = {
                f"XPULSE_REFRESH_TOKEN_{a.env_suffix}": t.refresh_token or ""
                for a, t in zip(config.accounts, world.tokens, strict=True)
                if a.name not in oauthed
            }
            with _environ(tokens):
                outcome = run_job(config, RunOptions(), Hooks(clock=lambda: now), echo=echo)
                # What a schedule firing twice does: nothing is read or sent again.
                rerun = run_job(config, RunOptions(), Hooks(clock=lambda: now))
            engine = open_store(config.db_url())  # XPULSE_HOME names it
            with engine.connect() as conn:
                spent = queries.spent_micros(conn, now - timedelta(days=1), now + timedelta(1))
            engine.dispose()
        ledger: dict[str, Any] = httpx.get(f"{url}/_sim/ledger", timeout=10).json()
    slack_files = []
    for i, payload in enumerate(slack.payloads, 1):
        path = out / f"slack-{i}.json"
        path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", "utf-8")
        slack_files.append(path)
    email_files = []
    for i, raw in enumerate(mail.messages, 1):
        path = out / f"email-{i}.eml"
        path.write_bytes(raw)
        email_files.append(path)
    files = sorted(
        p for p in (out / "files").rglob("*") if p.is_file() and not p.name.startswith(".")
    )
    result = DemoResult(outcome, files, slack_files, email_files, ledger, oauthed, rerun, spent)
    _print(result, echo, time.monotonic() - started, out)
    return result


def _print(result: DemoResult, echo: Callable[[str], None], seconds: float, out: Path) -> None:
    for line in result.outcome.lines():
        echo(line)
    if result.rerun is not None:
        echo("the same run again (as a schedule firing twice would):")
        for line in result.rerun.lines():
            echo(f"  {line}")
    echo("")
    if result.signed_in_by_oauth:
        who = ", ".join(result.signed_in_by_oauth)
        echo(f"signed in through OAuth 2.0 (PKCE, xsim auto-approve): {who}; others by token")
    echo(f"files ({len(result.files)}) in {out / 'files'}:")
    for folder in sorted({path.parent for path in result.files}):
        count = sum(1 for path in result.files if path.parent == folder)
        index = folder / "index.html"
        echo(f"  {index if index.exists() else folder}  ({count} files)")
    echo(f"Slack payloads received by the local webhook: {len(result.slack_files)}")
    for path in result.slack_files:
        echo(f"  {path}")
    echo(f"emails received by the local SMTP server: {len(result.email_files)}")
    for path in result.email_files:
        subject = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        echo(f"  {path}  ({subject['Subject']})")
    totals = result.ledger.get("totals", {})
    metered = result.outcome.cost_micros / 1e6
    billed = float(totals.get("cost_usd", 0))
    spent = result.spent_micros / 1e6
    echo(
        f"cost: xpulse metered ${metered:,.3f} for this run and ${spent:,.3f} in all "
        f"(`xpulse cost`); xsim billed ${billed:,.3f} in all"
    )
    if spent != metered:
        echo(
            f"  (the ${spent - metered:,.3f} between them: the sign-in's own /2/users/me "
            "read, made before the run)"
        )
    echo(f"done in {seconds:.1f} s")


def main() -> int:
    result = run_demo()
    return 0 if result.outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())
