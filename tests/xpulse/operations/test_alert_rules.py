"""The alert sender carries its rules; ``run`` checks by types, not by ``assert``."""

from __future__ import annotations

import ast
from pathlib import Path

from xpulse_run_stack import Stack

import xpulse.operations.alerts
import xpulse.operations.run
from xpulse.config.settings import load_config
from xpulse.operations.alerts import alert_channel, cap_alerts
from xpulse.operations.outbox import Transports


def test_the_sender_carries_the_configured_rules(stack: Stack) -> None:
    stack.write_config(extra='[delivery.alerts]\nchannel = "slack"\nspikes = false')
    config = load_config()
    sender = alert_channel(config, Transports())
    assert sender is not None and sender.channel == "slack"
    assert sender.rules == config.delivery.alerts and sender.rules.spikes is False


def test_no_assert_stands_in_for_validation() -> None:
    """``python -O`` drops asserts: what they checked must not depend on them."""
    for module in (xpulse.operations.run, xpulse.operations.alerts):
        tree = ast.parse(Path(str(module.__file__)).read_text("utf-8"))
        assert not [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Assert)], module


def test_the_plans_cap_is_alerted_at_80_and_100_percent_once_each() -> None:
    assert cap_alerts(11_999, 15_000, "basic", "2026-09", [80, 100]) == []
    (warn,) = cap_alerts(12_000, 15_000, "basic", "2026-09", [80, 100])
    assert (warn.key, warn.severity, warn.covers) == ("cap:2026-09:80", "warning", ())
    assert warn.title == "X read cap 80% used for 2026-09: 12,000 of 15,000 post reads (basic)"
    (full,) = cap_alerts(15_000, 15_000, "basic", "2026-09", [80, 100])
    assert (full.key, full.covers) == ("cap:2026-09:100", ("cap:2026-09:80",))
    assert cap_alerts(10**9, None, "enterprise", "2026-09", [80, 100]) == []
