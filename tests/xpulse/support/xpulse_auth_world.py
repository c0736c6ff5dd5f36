"""A small xsim world for the sign-in tests, and helpers to drive xpulse against it."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from xsim.world.model import App, Post, PostFinal, Token, User, World

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
CLIENT_ID = "fake-xpulse-client"
ALICE = "1001"
ALICE_TOKEN = "fake-alice-preset-access"  # a token the world starts with (no sign-in)
POST_IDS = [str(1_790_000_000_000_000_000 + i) for i in range(5)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_world(port: int, cap: int | None = 15_000) -> World:
    callback = f"http://127.0.0.1:{port}/callback"
    apps = {
        CLIENT_ID: App(CLIENT_ID, "xpulse test app", [callback], plan="basic", monthly_read_cap=cap)
    }
    users = {
        ALICE: User(ALICE, "alice", "Alice", NOW - timedelta(days=900)),
        "1002": User("1002", "bob", "Bob", NOW - timedelta(days=800)),
    }
    posts = {
        str(1_790_000_000_000_000_000 + i): Post(
            str(1_790_000_000_000_000_000 + i),
            ALICE,
            f"alice post {i}",
            NOW - timedelta(hours=10 - i),
            final=PostFinal(1000 + i, 50, 10, 5, 2),
            growth="exact",
        )
        for i in range(5)
    }
    scopes = frozenset({"tweet.read", "users.read", "offline.access"})
    tokens = [Token(ALICE_TOKEN, CLIENT_ID, ALICE, scopes, NOW + timedelta(days=365))]
    return World(apps=apps, users=users, posts=posts, media={}, tokens=tokens, now=NOW)


def write_config(home: Path, base_url: str, port: int) -> Path:
    path = home / "config.toml"
    path.write_text(
        f"""
[api]
base_url = "{base_url}"
client_id = "{CLIENT_ID}"
callback_port = {port}
max_retries = 1

[[accounts]]
name = "main"
username = "alice"
owns_app = true
""",
        encoding="utf-8",
    )
    return path


def approve_in_background(url: str) -> threading.Thread:
    """Play the browser: open the authorize URL and follow xsim's redirect to the callback."""

    def run() -> None:
        httpx.get(url, follow_redirects=True, timeout=10)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def advance_xsim(base_url: str, seconds: float) -> None:
    httpx.post(f"{base_url}/_sim/clock", json={"advance_seconds": seconds}).raise_for_status()
