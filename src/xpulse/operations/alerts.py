"""Alerts: the few events a person must hear about between reports, each sent once.

* the month's API spend crossing a share of the budget (80% and 100% by default);
* a post spiking far above the account's usual level (the report's spikes);
* an account that needs to sign in again;
* a run that failed (collection or a delivery), once per account and period.

Each event has a key; the alerts table remembers the keys sent, so a rerun, or the next
day's run, does not repeat them. A sign-in alert is *resolved* when the account collects
again, so that losing the sign-in a second time alerts again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Engine

from xpulse.analytics.document import Report
from xpulse.collect.pricing import dollars
from xpulse.config.delivery import AlertsConfig
from xpulse.errors import ConfigError, XpulseError
from xpulse.store import delivery_log as log

if TYPE_CHECKING:
    from xpulse.config.settings import Config
    from xpulse.operations.outbox import Transports
    from xpulse.render.slack import Severity

Kind = Literal["budget", "spike", "sign-in", "run-failed"]


@dataclass(frozen=True)
class Alert:
    key: str
    kind: Kind
    account: str | None
    title: str
    lines: tuple[str, ...]
    severity: Severity
    covers: tuple[str, ...] = ()  # lesser events this one makes moot (80% when 100% is sent)


def budget_alerts(
    spent_micros: int, budget_micros: int, month: str, thresholds: Iterable[int]
) -> list[Alert]:
    """At most one alert: the highest threshold the month's spend has reached."""
    if budget_micros <= 0:
        return []
    pct = 100.0 * spent_micros / budget_micros
    reached = sorted(t for t in thresholds if pct >= t)
    if not reached:
        return []
    top = reached[-1]
    keys = tuple(f"budget:{month}:{t}" for t in reached)
    over = top >= 100
    title = (
        f"API budget {'used up' if over else f'{top}% used'} for {month}: "
        f"{dollars(spent_micros)} of {dollars(budget_micros)}"
    )
    lines = (
        f"Month-to-date spend is {pct:.0f}% of the monthly budget (monthly_budget_usd).",
        "Collection stops before a call would pass the budget."
        if over
        else "Collection will stop at 100%; raise monthly_budget_usd to keep collecting.",
    )
    severity: Severity = "critical" if over else "warning"
    return [Alert(keys[-1], "budget", None, title, lines, severity, keys[:-1])]


def cap_alerts(
    reads: int, cap: int | None, plan: str, month: str, thresholds: Iterable[int]
) -> list[Alert]:
    """At most one alert: the highest threshold of the plan's monthly read cap reached."""
    if not cap:
        return []
    pct = 100.0 * reads / cap
    reached = sorted(t for t in thresholds if pct >= t)
    if not reached:
        return []
    keys = tuple(f"cap:{month}:{t}" for t in reached)
    over = reached[-1] >= 100
    title = (
        f"X read cap {'reached' if over else f'{reached[-1]}% used'} for {month}: "
        f"{reads:,} of {cap:,} post reads ({plan})"
    )
    lines = (
        f"Month-to-date post reads are {pct:.0f}% of the {plan} plan's monthly cap.",
        "X serves no more reads to this app until the cap resets."
        if over
        else "At 100% X refuses reads until the cap resets on the 1st.",
    )
    severity: Severity = "critical" if over else "warning"
    return [Alert(keys[-1], "budget", None, title, lines, severity, keys[:-1])]


def spike_alerts(report: Report) -> list[Alert]:
    """One alert per spiking post of the report (its own key, so it is sent once)."""
    out = []
    who = report.account.username or report.account.name
    for spike in report.spikes.posts:
        ratio = f"{spike.ratio:.1f}× the usual" if spike.ratio is not None else "far above usual"
        lines = [
            f"{spike.impressions:,} impressions at {spike.age_hours:.0f} h old: {ratio} "
            f"({spike.usual_impressions:,.0f} is typical at that age).",
            f"“{spike.text[:200]}”",
        ]
        if spike.url:
            lines.append(spike.url)
        out.append(
            Alert(
                f"spike:{report.account.name}:{spike.post_id}",
                "spike",
                report.account.name,
                f"A post by @{who} is taking off",
                tuple(lines),
                "info",
            )
        )
    return out


def sign_in_alert(account: str, reason: str) -> Alert:
    return Alert(
        f"sign-in:{account}",
        "sign-in",
        account,
        f"Account {account} needs to sign in again",
        (reason, f"Run: xpulse auth login --account {account}"),
        "critical",
    )


def run_failed_alert(account: str, period: str, problems: list[str]) -> Alert:
    return Alert(
        f"run-failed:{account}:{period}",
        "run-failed",
        account,
        f"xpulse run failed for {account} ({period})",
        (*problems, "The next `xpulse run` retries what failed."),
        "warning",
    )


@dataclass
class Dispatched:
    sent: list[Alert]
    skipped: list[Alert]  # sent before
    errors: list[str]


def dispatch(
    engine: Engine,
    alerts: list[Alert],
    send: Callable[[Alert], None],
    *,
    channel: str,
    now: datetime,
) -> Dispatched:
    """Send each alert not sent before and record it; a send that fails is not recorded,
    so the next run tries it again."""
    out = Dispatched([], [], [])
    for alert in alerts:
        with engine.connect() as conn:
            seen = log.alert_open(conn, alert.key)
        if seen:
            out.skipped.append(alert)
            continue
        try:
            send(alert)
        except XpulseError as exc:
            out.errors.append(f"alert {alert.kind!r} not sent: {exc}")
            continue
        with engine.begin() as conn:
            for key in (alert.key, *alert.covers):
                if not log.alert_open(conn, key):
                    log.record_alert(
                        conn,
                        key,
                        kind=alert.kind,
                        account=alert.account,
                        title=alert.title,
                        channel=channel,
                        now=now,
                    )
        out.sent.append(alert)
    return out


def resolve_sign_in(engine: Engine, account: str, now: datetime) -> None:
    with engine.begin() as conn:
        log.resolve_alert(conn, f"sign-in:{account}", now)


# -- the channel ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertSender:
    """Sends alerts on the configured channel (Slack blocks or a short plain-text email)."""

    channel: str
    send: Callable[[Alert], None]
    rules: AlertsConfig  # which alerts to raise (``[delivery.alerts]``)


def alert_channel(config: Config, transports: Transports) -> AlertSender | None:
    """The configured alert channel with its secrets checked, or None when alerts are off."""
    conf = config.delivery.alerts
    if conf is None:
        return None
    label = f"{config.path}: delivery.alerts"
    from xpulse.operations.targets import ALERT_CHANNELS

    section = getattr(config.delivery, conf.channel)
    if section is None:
        raise ConfigError(f"{label}: channel {conf.channel!r} is not configured under [delivery]")
    target = ALERT_CHANNELS[conf.channel](section, label)

    def send(alert: Alert) -> None:
        target.alert(alert.title, alert.lines, alert.severity, transports)

    return AlertSender(conf.channel, send, conf)
