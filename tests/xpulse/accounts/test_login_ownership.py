"""`auth login` asks whether the signed-in user owns the developer app when the config does
not say, only on a terminal, and stores the answer in the config keeping its comments."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from xpulse_auth_world import NOW, free_port, make_world, write_config

from xpulse.config.edit import set_owns_app
from xpulse.config.settings import load_config
from xpulse.errors import ConfigError

server = pytest.importorskip("xsim.server.http")
SRC = Path(__file__).resolve().parents[3] / "src"
LOGIN = [sys.executable, "-c", "from xpulse.cli import main; main()", "auth", "login"]
QUESTION = "own the X developer app"


@pytest.fixture
def unknown(isolated_env: Path) -> Iterator[tuple[str, Path]]:
    """xsim, and a config whose account does not say whether it owns the app."""
    port = free_port()
    with server.serve_in_thread(make_world(port), auto_approve=True, now=NOW) as base:
        path = write_config(isolated_env, base, port)
        text = path.read_text(encoding="utf-8").replace(
            "owns_app = true\n", "# owns_app = true   # its own posts cost $0.001 if so\n"
        )
        path.write_text("# kept: a comment of the person's\n" + text, encoding="utf-8")
        yield base, path


def _redirected(url: str) -> str:
    answer = httpx.get(url, follow_redirects=False, timeout=10)
    assert answer.status_code in (302, 303), answer.text
    return str(answer.headers["location"])


def _read_until(fd: int, needle: str, seen: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while needle not in seen:
        assert time.monotonic() < deadline, f"no {needle!r} in {seen!r}"
        if select.select([fd], [], [], 0.5)[0]:
            try:
                seen += os.read(fd, 4096).decode("utf-8", "replace")
            except OSError:  # the process closed the terminal
                break
    return seen


def test_on_a_terminal_it_asks_and_stores_the_answer(unknown: tuple[str, Path]) -> None:
    base, path = unknown
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen(
        [*LOGIN, "--headless"], stdin=slave, stdout=slave, stderr=slave, env=env
    )
    os.close(slave)
    try:
        seen = _read_until(master, "Paste that whole address here", "")
        url = next(w for w in seen.split() if w.startswith(f"{base}/i/oauth2/authorize?"))
        os.write(master, (_redirected(url) + "\n").encode())
        seen = _read_until(master, QUESTION, seen)
        os.write(master, b"y\n")
        seen = _read_until(master, "stored in", seen)
        assert proc.wait(timeout=30) == 0, seen
    finally:
        proc.kill()
        os.close(master)
    assert "main: signed in as @alice" in seen
    assert load_config(path).accounts[0].owns_app is True
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# kept: a comment of the person's\n")
    assert "# owns_app" not in text  # the commented-out line gave way to the setting
    assert text.count("owns_app = true") == 1


def test_off_a_terminal_it_never_asks_and_a_flag_decides(unknown: tuple[str, Path]) -> None:
    _, path = unknown
    before = path.read_bytes()
    env = {**os.environ, "PYTHONPATH": str(SRC)}

    def login(*flags: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.Popen(
            [*LOGIN, "--headless", *flags],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env,
        )  # fmt: skip
        assert proc.stdout is not None
        pasted = _redirected(proc.stdout.readline().strip())
        out, err = proc.communicate(pasted + "\ny\n", timeout=30)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    quiet = login()
    assert quiet.returncode == 0, quiet.stderr
    assert QUESTION not in quiet.stdout + quiet.stderr
    assert "unknown whether account 'main''s sign-in owns the developer app" in quiet.stderr
    assert "xpulse auth login --account main --owns-app` (or --not-app-owner)" in quiet.stderr
    assert path.read_bytes() == before  # nothing asked, nothing written

    told = login("--not-app-owner")
    assert told.returncode == 0, told.stderr
    assert QUESTION not in told.stdout + told.stderr
    assert load_config(path).accounts[0].owns_app is False
    assert path.read_text(encoding="utf-8").startswith("# kept: a comment of the person's\n")


def test_a_missing_account_or_a_write_that_cannot_load_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    text = '# mine\n[[accounts]]\nname = "main"\nusername = "alice"\nown = true\n'
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="no \\[\\[accounts\\]\\] entry named 'other'"):
        set_owns_app(path, "other", True)
    assert path.read_text(encoding="utf-8") == text
    path.chmod(0o600)
    set_owns_app(path, "main", False)
    assert load_config(path).accounts[0].owns_app is False
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.read_text(encoding="utf-8").startswith(text)
