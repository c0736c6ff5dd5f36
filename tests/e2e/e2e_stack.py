"""Helpers of the wall-clock suite: xsim and xpulse as real processes.

``xsim serve`` runs as a subprocess on its real clock; every ``xpulse`` command is a real
process with a fresh ``XPULSE_HOME``. "A week later" moves whole processes' clocks with
libfaketime (Debian's ``faketime``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

BIN = Path(sys.executable).parent


def faketime_or_skip() -> str:
    """The faketime binary; in CI its absence fails the test (``.ci/run`` installs it)."""
    found = shutil.which("faketime")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("faketime is not installed (.ci/run installs the Debian package)")
        pytest.skip("faketime not installed: apt-get install faketime (CI installs it)")
    return found


class Xsim:
    """``xsim serve`` on the wall clock (shifted by ``offset`` through libfaketime)."""

    def __init__(self, world: Path, offset: str | None = None) -> None:
        cmd = [str(BIN / "xsim"), "serve", "--world", str(world), "--port", "0"]
        cmd += ["--now", "real", "--log-level", "warning"]
        if offset:
            cmd = [faketime_or_skip(), "-f", offset, *cmd]
        env = {**os.environ, "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
        # Its own process group: faketime runs xsim as a child and does not pass a signal on,
        # so stopping the group is what stops xsim.
        self.proc = subprocess.Popen(
            cmd,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            env=env,
            text=True,
            start_new_session=True,
        )
        assert self.proc.stderr is not None
        banner = self.proc.stderr.readline()
        if "serving" not in banner:
            self._signal(signal.SIGKILL)
            raise AssertionError(f"xsim did not start: {banner}{self.proc.stderr.read()}")
        self.url = banner.rsplit(" ", 1)[1].strip()

    def _signal(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)

    def close(self) -> None:
        self._signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            self.proc.wait()
        if self.proc.stderr is not None:
            self.proc.stderr.close()


@dataclass
class Home:
    """A fresh XPULSE_HOME and the environment every xpulse process of the test gets."""

    path: Path
    env: dict[str, str] = field(default_factory=dict)

    def xpulse(self, *args: str, offset: str | None = None, ok: bool = True) -> Any:
        cmd = [str(BIN / "xpulse"), *args]
        if offset:
            cmd = [faketime_or_skip(), "-f", offset, *cmd]
        env = {**os.environ, **self.env, "XPULSE_HOME": str(self.path)}
        env["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
        assert "Traceback" not in done.stderr, done.stderr
        if ok:
            assert done.returncode == 0, f"xpulse {' '.join(args)}: {done.stdout}{done.stderr}"
        return done
