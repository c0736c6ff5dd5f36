"""`xpulse config check` against real local servers: the API (xsim), a Slack-like webhook
host and an SMTP server, each reached by connecting (and logging in), nothing sent."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner
from xpulse_auth_world import NOW, free_port, make_world, write_config

from xpulse.cli import cli

server = pytest.importorskip("xsim.server.http")
PASSWORD = "fake-smtp-password-31"  # made up for this test


class Inbox:
    def __init__(self) -> None:
        self.messages = 0
        self.logins: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages += 1
        return "250 accepted"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any):
        ok = isinstance(data, LoginPassword) and data.password == PASSWORD.encode()
        if isinstance(data, LoginPassword):
            self.logins.append(data.login)
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def world(isolated_env: Path) -> Iterator[dict[str, Any]]:
    port = free_port()
    inbox = Inbox()
    smtp = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=inbox.authenticate,
        auth_require_tls=False,
    )
    smtp.start()
    hook = socket.socket()
    hook.bind(("127.0.0.1", 0))
    hook.listen(8)
    accepted: list[bytes] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = hook.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(0.5)
                try:
                    accepted.append(conn.recv(100))
                except OSError:
                    accepted.append(b"")

    threading.Thread(target=accept, daemon=True).start()
    try:
        with server.serve_in_thread(make_world(port), auto_approve=True, now=NOW) as base:
            path = write_config(isolated_env, base, port)
            path.write_text(
                path.read_text()
                + f"""
[delivery.slack]
webhook_url_env = "TEAM_HOOK"

[delivery.email]
host = "127.0.0.1"
port = {smtp.port}
security = "none"
sender = "xpulse@example.com"
recipients = ["team@example.com"]
username = "reports-bot"
"""
            )
            yield {
                "base": base,
                "hook": f"http://127.0.0.1:{hook.getsockname()[1]}/services/T0/B0/fake-path",
                "inbox": inbox,
                "accepted": accepted,
                "path": path,
            }
    finally:
        hook.close()
        smtp.stop()


def _check() -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["config", "check"])
    return result.exit_code, result.output.splitlines()


def test_everything_reachable_is_ok_and_nothing_is_sent(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEAM_HOOK", world["hook"])
    monkeypatch.setenv("XPULSE_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("XPULSE_ACCESS_TOKEN_MAIN", "fake-env-access-for-check")
    code, lines = _check()
    assert code == 0, lines
    assert any(line.startswith(f"[ok] API: {world['base']} answers") for line in lines)
    assert "[ok] account main sign-in: env token" in "\n".join(lines)
    assert any(line.startswith("[ok] account main slack: ") for line in lines)
    assert any(line.startswith("[ok] account main email: ") for line in lines)
    assert world["inbox"].messages == 0 and world["inbox"].logins == [b"reports-bot"]
    # the hook's thread records the connection once the check has closed it
    deadline = time.monotonic() + 5
    while not world["accepted"] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert world["accepted"] == [b""]  # connected, posted nothing
    text = "\n".join(lines)
    for secret in (PASSWORD, "fake-path", "fake-env-access"):
        assert secret not in text


def test_each_problem_is_one_line_with_its_fix(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = free_port()
    monkeypatch.setenv("TEAM_HOOK", f"http://127.0.0.1:{dead}/services/T0/B0/fake-path")
    monkeypatch.setenv("XPULSE_SMTP_PASSWORD", "wrong-" + PASSWORD)
    path: Path = world["path"]
    path.write_text(path.read_text().replace(world["base"], f"http://127.0.0.1:{free_port()}"))
    code, lines = _check()
    assert code == 2
    failed = [line for line in lines if line.startswith("[FAIL]")]
    api = next(line for line in failed if line.startswith("[FAIL] API: "))
    assert "does not answer (connection refused); start it, or set api.base_url" in api
    slack = next(line for line in failed if "main slack" in line)
    assert f"cannot connect to 127.0.0.1:{dead}" in slack and "check the network" in slack
    email = next(line for line in failed if "main email" in line)
    assert "refused the login of 'reports-bot'" in email and "fix [delivery.email]" in email
    sign_in = next(line for line in failed if "main sign-in" in line)
    assert sign_in.endswith("run: xpulse auth login --account main")
    assert "fake-path" not in "\n".join(lines) and PASSWORD not in "\n".join(lines)


def test_a_refused_env_token_is_known_rejected(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A token X refused once is remembered: the check fails it without asking X."""
    from xpulse.accounts.clients import open_client
    from xpulse.config.settings import load_config
    from xpulse.errors import Unauthorized

    monkeypatch.setenv("TEAM_HOOK", world["hook"])
    monkeypatch.setenv("XPULSE_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("XPULSE_ACCESS_TOKEN_MAIN", "fake-garbage-token")
    config = load_config()
    with (
        open_client(config, config.account("main")) as client,
        pytest.raises(Unauthorized, match="X refused XPULSE_ACCESS_TOKEN_MAIN"),
    ):
        client.get_me()
    code, lines = _check()
    assert code == 2
    line = next(line for line in lines if "main sign-in" in line)
    assert line.startswith("[FAIL] account main sign-in: needs sign-in: X refused")
    assert line.endswith(
        "run: xpulse auth login --account main, or set a new XPULSE_ACCESS_TOKEN_MAIN"
    )
