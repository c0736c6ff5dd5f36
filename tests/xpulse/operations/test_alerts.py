"""Alerts: the right events, each sent once, a failed send tried again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from xpulse_run_stack import Stack

from xpulse.analytics.document import Spike
from xpulse.config.settings import load_config
from xpulse.errors import DeliveryError
from xpulse.operations.alerts import (
    Alert,
    alert_channel,
    budget_alerts,
    dispatch,
    sign_in_alert,
    spike_alerts,
)
from xpulse.operations.outbox import Transports
from xpulse.store import open_store
from xpulse.store.delivery_log import sent_alerts

T = datetime(2026, 5, 27, 10, 0, tzinfo=UTC)


@pytest.fixture
def engine() -> Engine:
    return open_store("sqlite:///:memory:")


@pytest.mark.parametrize(
    ("spent", "expected_key", "covers"),
    [
        (3_999_999, None, ()),
        (4_000_000, "budget:2026-05:80", ()),
        (5_000_000, "budget:2026-05:100", ("budget:2026-05:80",)),
    ],
)
def test_budget_alert_for_the_highest_threshold_crossed(
    spent: int, expected_key: str | None, covers: tuple[str, ...]
) -> None:
    found = budget_alerts(spent, 5_000_000, "2026-05", [80, 100])
    if expected_key is None:
        assert found == []
        return
    (alert,) = found
    assert (alert.key, alert.covers) == (expected_key, covers)
    assert "$5.000" in alert.title


def test_each_event_is_sent_once_and_a_failed_send_is_retried(engine: Engine) -> None:
    sent: list[str] = []
    fail = [True]

    def send(alert: Alert) -> None:
        if fail[0]:
            raise DeliveryError("slack", "HTTP 500")
        sent.append(alert.key)

    alerts = [sign_in_alert("main", "revoked"), *budget_alerts(5, 5, "2026-05", [80, 100])]
    first = dispatch(engine, alerts, send, channel="slack", now=T)
    assert first.sent == [] and len(first.errors) == 2 and "HTTP 500" in first.errors[0]
    fail[0] = False
    second = dispatch(engine, alerts, send, channel="slack", now=T)
    assert sent == ["sign-in:main", "budget:2026-05:100"] and second.errors == []
    lower = budget_alerts(4, 5, "2026-05", [80, 100])  # 80% after 100% was sent: moot
    third = dispatch(engine, [*alerts, *lower], send, channel="slack", now=T)
    assert third.sent == [] and len(third.skipped) == 3
    with engine.connect() as conn:
        keys = [k for k, _ in sent_alerts(conn)]
    assert sorted(keys) == ["budget:2026-05:100", "budget:2026-05:80", "sign-in:main"]


def test_spike_alert_on_slack_is_escaped_and_sent_once(stack: Stack) -> None:
    stack.write_config(extra='[delivery.alerts]\nchannel = "slack"')
    outcome = stack.run(only=("files",))
    report = outcome.accounts[0].report
    assert report is not None
    spike = Spike(
        post_id="1799999999999999999", url="https://x.com/i/status/1799999999999999999",
        text="we did it <!channel> & <https://evil.example|click>", content_type="text",
        age_hours=20.0, impressions=90_000, usual_impressions=3_000.0, ratio=30.0, z=12.0,
        references=40,
    )  # fmt: skip
    spiky = report.model_copy(
        update={"spikes": report.spikes.model_copy(update={"posts": [spike]})}
    )
    alerts = spike_alerts(spiky)
    assert [a.key for a in alerts] == [f"spike:{report.account.name}:1799999999999999999"]
    sender = alert_channel(load_config(), Transports())
    assert sender is not None
    engine = open_store(load_config().db_url())
    before = len(stack.slack.payloads)
    dispatch(engine, alerts, sender.send, channel=sender.channel, now=T)
    dispatch(engine, alerts, sender.send, channel=sender.channel, now=T)
    engine.dispose()
    assert len(stack.slack.payloads) == before + 1
    body = str(stack.slack.payloads[-1])
    assert "taking off" in body and "30.0× the usual" in body
    assert "<!channel>" not in body and "&lt;!channel&gt;" in body
