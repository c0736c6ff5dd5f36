"""Helpers of the run tests: xsim, a local Slack webhook, a local SMTP server, a config.

The receivers come from scripts/demo.py (the demo's own), loaded by path. xsim serves at a
fixed instant that xpulse's clock shares, so periods and bills line up exactly.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

from xpulse.config.settings import Config, load_config
from xpulse.operations.outbox import Transports
from xpulse.operations.run import Hooks, RunOptions, RunOutcome, run_job
from xsim.world.generate import generate_world
from xsim.world.generate_people import GenerateOptions
from xsim.world.model import World

NOW = datetime(2026, 5, 27, 10, 0, tzinfo=UTC)  # a Wednesday: last week is 2026-W21
DEMO = Path(__file__).resolve().parents[3] / "scripts" / "demo.py"


def load_demo() -> ModuleType:
    if "xpulse_demo_script" in sys.modules:
        return sys.modules["xpulse_demo_script"]
    spec = importlib.util.spec_from_file_location("xpulse_demo_script", DEMO)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["xpulse_demo_script"] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class Stack:
    url: str
    world: World
    home: Path
    slack: Any
    mail: Any
    files: Path
    now: datetime = NOW
    sleeps: list[float] = field(default_factory=list)

    def write_config(
        self, budget: float = 50.0, extra: str = "", smtp_port: int | None = None
    ) -> Config:
        """alpha and beta, delivering to Slack, email and files; ``extra`` is more TOML."""
        names = ["alpha", "beta"]
        users = [self.world.users[t.user_id] for t in self.world.tokens]
        app = next(a for a in self.world.apps.values() if a.client_secret)
        lines = [
            f"monthly_budget_usd = {budget}", 'timezone = "Europe/Berlin"', "",
            "[api]", f'base_url = "{self.url}"', f'client_id = "{app.client_id}"',
            "max_retries = 0", "",
        ]  # fmt: skip
        for name, user in zip(names, users, strict=False):
            owns = "true" if app.owner in (None, user.id) else "false"
            lines += ["[[accounts]]", f'name = "{name}"', f'username = "{user.username}"',
                      f"owns_app = {owns}", ""]  # fmt: skip
        lines += ["[delivery]", 'period = "last-week"', ""]
        lines += ["[delivery.slack]", 'webhook_url_env = "XPULSE_SLACK_WEBHOOK"', ""]
        lines += [
            "[delivery.email]", 'host = "127.0.0.1"', f"port = {smtp_port or self.mail.port}",
            'security = "none"', 'sender = "xpulse@example.com"',
            'recipients = ["team@example.com", "boss@example.com"]', "",
        ]  # fmt: skip
        lines += ["[delivery.files]", f'folder = "{self.files}"', 'formats = ["html", "json"]']
        lines += ["", extra]
        (self.home / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return load_config()

    def run(self, **options: Any) -> RunOutcome:
        hooks = Hooks(clock=lambda: self.now, transports=Transports(sleep=self.sleeps.append))
        return run_job(load_config(), RunOptions(**options), hooks)

    def ledger(self) -> dict[str, Any]:
        return httpx.get(f"{self.url}/_sim/ledger", timeout=10).json()  # type: ignore[no-any-return]


def make_world(now: datetime = NOW, users: int = 2, seed: int = 11) -> World:
    world = generate_world(GenerateOptions(seed, users, 21, now, posts_per_week=14))
    for token in world.tokens:
        token.expires_at = now + timedelta(days=30)
    return world
