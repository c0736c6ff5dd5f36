"""The first run after `init`: the API check before sign-in, headless sign-in."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from xpulse_auth_world import NOW, free_port, make_world, write_config

from xpulse.accounts import signin
from xpulse.accounts.tokens import FileTokenStore
from xpulse.api.probe import check_api_base
from xpulse.cli import cli
from xpulse.config.settings import load_config
from xpulse.errors import ApiUnreachable, SignInError

server = pytest.importorskip("xsim.server.http")
SRC = Path(__file__).resolve().parents[3] / "src"
XSIM = str(Path(sys.executable).parent / "xsim")


@pytest.fixture
def xsim(isolated_env: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    with server.serve_in_thread(make_world(port), auto_approve=True, now=NOW) as base:
        write_config(isolated_env, base, port)
        yield base, port


def test_a_dead_api_base_fails_in_seconds_with_the_setting_to_fix(isolated_env: Path) -> None:
    port = free_port()  # nothing listens there
    write_config(isolated_env, f"http://127.0.0.1:{port}", free_port())
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["auth", "login", "--no-browser", "--timeout", "300"])
    took = time.monotonic() - started
    assert result.exit_code == 2
    line = result.output.strip().splitlines()[-1]
    assert line == (
        f"xpulse: error: the API at http://127.0.0.1:{port} does not answer (connection "
        "refused); start it, or set api.base_url (or XPULSE_API_BASE) to where it runs"
    )
    assert took < 15  # the refused connection is retried ~5 s, never the 300 s wait


def test_the_api_check_knows_an_x_api_from_another_server(xsim: tuple[str, int]) -> None:
    base, _ = xsim
    assert "answers" in check_api_base(base)
    transport = httpx.MockTransport(lambda r: httpx.Response(404, html="<p>not here</p>"))
    with pytest.raises(ApiUnreachable, match=r"answered 404 text/html .* not an X API's 401"):
        check_api_base("https://example.test", transport=transport)


def _redirected(url: str) -> str:
    """What the browser's address bar shows after approving: xsim's redirect target."""
    answer = httpx.get(url, follow_redirects=False, timeout=10)
    assert answer.status_code in (302, 303), answer.text
    return answer.headers["location"]


def test_headless_sign_in_takes_the_pasted_address(xsim: tuple[str, int]) -> None:
    base, port = xsim
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from xpulse.cli import main; main()", "auth", "login",
         "--headless"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdin is not None
    url = proc.stdout.readline().strip()
    assert url.startswith(f"{base}/i/oauth2/authorize?") and "code_challenge=" in url
    pasted = _redirected(url)
    assert pasted.startswith(f"http://127.0.0.1:{port}/callback?")
    out, err = proc.communicate(pasted + "\n", timeout=30)
    assert proc.returncode == 0, err
    assert "main: signed in as @alice (user id 1001)" in out
    assert "the page will not load" in err
    assert FileTokenStore().load("main") is not None


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda a: a.replace("state=", "state=x"), "wrong state; nothing was saved"),
        (lambda a: a.replace("/callback", "/elsewhere"), "not an address on http://127.0.0.1"),
        (lambda a: a.split("?")[0] + "?error=access_denied&state=", "wrong state"),
    ],
)
def test_headless_refuses_a_tampered_or_wrong_address(
    xsim: tuple[str, int], tamper, message: str
) -> None:
    config = load_config()
    shown: list[str] = []
    with pytest.raises(SignInError, match=message):
        signin.login(
            config,
            config.account("main"),
            show_url=shown.append,
            read_pasted=lambda: tamper(_redirected(shown[0])),
        )
    assert FileTokenStore().load("main") is None


def test_xsim_banner_says_which_client_is_public(tmp_path: Path) -> None:
    subprocess.run(
        [XSIM, "world", "--seed", "1", "--users", "1", "--days", "3",
         "--out", str(tmp_path / "w.json")],
        check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(SRC)},
    )  # fmt: skip
    proc = subprocess.Popen(
        [XSIM, "serve", "--world", str(tmp_path / "w.json"),
         "--port", "0"],
        stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(SRC)},
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        lines = [proc.stderr.readline() for _ in range(3)]
    finally:
        proc.terminate()
        proc.communicate(timeout=10)  # closes the pipe
    assert "(public: no secret; the README's `xpulse init --client-id` uses this one" in lines[1]
    assert "(confidential: needs XPULSE_CLIENT_SECRET" in lines[2]
