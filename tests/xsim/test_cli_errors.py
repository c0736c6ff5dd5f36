"""``xsim serve`` user mistakes: one line each, naming the option or address once."""

from __future__ import annotations

import errno
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from xsim.cli import cli
from xsim.server import http

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "world-small.json"


def test_a_port_in_use_is_one_line_with_no_banner() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # A real process: uvicorn's own bind failure logged and exited 3 after the banner.
        result = subprocess.run(
            [sys.executable, "-c", "from xsim.cli import main; main()", "serve",
             "--host", "127.0.0.1", "--port", str(port), "--world", str(EXAMPLE)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == f"xsim: error: cannot listen on 127.0.0.1:{port}: address in use\n"


@pytest.mark.parametrize(
    ("host", "error", "shown"),
    [
        ("127.0.0.1", OSError(errno.EACCES, "Permission denied"),
         "127.0.0.1:80: permission denied"),
        ("::1", OSError(errno.EADDRNOTAVAIL, "Cannot assign requested address"),
         "[::1]:80: cannot assign requested address"),
    ],
)  # fmt: skip
def test_other_bind_failures_give_the_os_reason(
    monkeypatch: pytest.MonkeyPatch, host: str, error: OSError, shown: str
) -> None:
    def refuse(host: str, port: int) -> socket.socket:
        raise error

    monkeypatch.setattr(http, "listen_socket", refuse)
    args = ["serve", "--host", host, "--port", "80", "--world", str(EXAMPLE)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert result.output == f"xsim: error: cannot listen on {shown}\n"


def test_port_zero_banner_shows_the_port_it_got(monkeypatch: pytest.MonkeyPatch) -> None:
    got: list[socket.socket] = []

    def fake_run(world: Any, sock: socket.socket, **opts: Any) -> bool:
        got.append(sock)
        port = sock.getsockname()[1]
        sock.close()
        return port != 0

    monkeypatch.setattr(http, "run", fake_run)
    result = CliRunner().invoke(cli, ["serve", "--port", "0", "--world", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert len(got) == 1
    first = result.output.splitlines()[0]
    assert first.startswith(f"xsim: serving {EXAMPLE} on http://127.0.0.1:")
    assert not first.endswith(":0")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--faults", "x"], "Invalid value for --faults: 'x' is not NAME=VALUE"),
        (["--faults", "429=2"], "Invalid value for --faults: rate of 429 must be between 0 and 1"),
        (["--faults", "nope=1"], "Invalid value for --faults: unknown fault 'nope'"),
        (["--now", "soon"], "Invalid value for --now: not an ISO 8601 instant: 'soon'"),
    ],
)
def test_usage_errors_name_the_option_once(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["serve", "--world", str(EXAMPLE), *args])
    assert result.exit_code == 2
    error = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(error) == 1 and message in error[0]
    assert error[0].count(args[0]) == 1
    assert "Traceback" not in result.output
