"""A config of one account, ``main``, whose ``[delivery]`` table each test completes: what
the delivery schema's tests (``config``) and the refusals of ``run`` and ``config check``
(``operations``) write. Every secret and host in it is made up."""

from __future__ import annotations

from pathlib import Path

ONE_ACCOUNT = """
[[accounts]]
name = "main"
username = "someone"
owns_app = true

[delivery]
"""
EMAIL = """
[delivery.email]
host = "smtp.example.com"
sender = "xpulse@example.com"
recipients = ["team@example.com"]
username = "xpulse@example.com"
"""
HOOK = "https://hooks.slack.com/services/T0FAKE/B0FAKE/made-up-path-for-tests"


def write_delivery(home: Path, extra: str) -> None:
    """``home/config.toml``: the one account, then ``extra`` under ``[delivery]``."""
    (home / "config.toml").write_text(ONE_ACCOUNT + extra, encoding="utf-8")
