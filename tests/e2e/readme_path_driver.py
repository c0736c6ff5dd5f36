"""Run the README's walk-through as a user would: one bash session, in order, as written.

Usage: ``python readme_path_driver.py SCRIPT WORKDIR`` prints a JSON summary. The driver
plays the user's browser: when the session prints an xsim authorize URL, it opens it (xsim
auto-approves and redirects to xpulse's loopback callback). With ``--own-loopback`` it first
brings up ``lo`` in the fresh network namespace ``unshare -rn`` gave it, so the README's
fixed ports (8787, 8765) cannot meet another process's.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request

DEADLINE_S = 240


def loopback_up() -> None:
    """``ip link set lo up`` without iproute2 (SIOCGIFFLAGS / SIOCSIFFLAGS)."""
    get_flags, set_flags, up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sh", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(s, get_flags, req))[1]
        fcntl.ioctl(s, set_flags, struct.pack("16sh", b"lo", flags | up))


def open_url(url: str, seen: list[str]) -> None:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            seen.append(f"{answer.status} {answer.read(200).decode(errors='replace')}")
    except Exception as exc:  # reported, and the login then fails on its own
        seen.append(f"browser error: {exc!r}")


def main() -> int:
    args = sys.argv[1:]
    if args and args[0] == "--own-loopback":
        loopback_up()
        args = args[1:]
    script, workdir = args
    proc = subprocess.Popen(
        ["bash", "-ex", script],  # -x: each command is echoed as it runs ("+ xpulse ...")
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # the background xsim is in this group: stopped with it
    )
    lines: list[str] = []
    browser: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:  # ends when xsim (holding the pipe too) is stopped
            lines.append(line.rstrip("\n"))
            if line.startswith("http") and "/i/oauth2/authorize?" in line:
                threading.Thread(target=open_url, args=(line.strip(), browser)).start()

    reader = threading.Thread(target=read)
    reader.start()
    started = time.monotonic()
    try:
        code = proc.wait(timeout=DEADLINE_S)
    except subprocess.TimeoutExpired:
        code = -1
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # xsim serve, left running by the README
    reader.join(10)
    summary = {
        "exit": code,
        "seconds": round(time.monotonic() - started, 1),
        "output": lines,
        "browser": browser,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
