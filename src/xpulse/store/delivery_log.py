"""What was delivered and which alerts went out: the record that makes runs idempotent
(tables in :mod:`xpulse.store.schema`).

``deliveries`` holds one row per account, period and destination. A row with status
``sent`` is final: that report is never sent there again. A ``failed`` row keeps the
attempt count and the last error (one line, never a secret) so the next run retries it.

``alerts`` holds one row per event key (``budget:2026-05:80``, ``spike:main:1790…``,
``sign-in:main``, ``run-failed:main:2026-W21``); an event is sent once. An event that can
recur after it is over (an account needing sign-in again) is *resolved*, which frees its
key for the next occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from xpulse.store.schema import alerts, deliveries

SENT = "sent"
FAILED = "failed"


@dataclass(frozen=True)
class Delivery:
    account: str
    period: str
    destination: str
    status: str
    attempts: int
    error: str | None
    sent_at: datetime | None


def deliveries_for(conn: Connection, account: str, period: str) -> dict[str, Delivery]:
    """The account's delivery records for one period, by destination."""
    rows = conn.execute(
        select(deliveries).where(deliveries.c.account == account, deliveries.c.period == period)
    ).mappings()
    return {
        r["destination"]: Delivery(
            r["account"],
            r["period"],
            r["destination"],
            r["status"],
            r["attempts"],
            r["error"],
            r["sent_at"],
        )
        for r in rows
    }


def record_delivery(
    conn: Connection,
    account: str,
    period: str,
    destination: str,
    *,
    now: datetime,
    error: str | None,
    artifacts: list[str] | None = None,
) -> None:
    """Record one attempt: sent when ``error`` is None, else failed (and retried later)."""
    key = (
        (deliveries.c.account == account)
        & (deliveries.c.period == period)
        & (deliveries.c.destination == destination)
    )
    row = conn.execute(select(deliveries.c.attempts, deliveries.c.status).where(key)).first()
    values = {
        "status": SENT if error is None else FAILED,
        "error": error,
        "last_attempt_at": now,
        "sent_at": now if error is None else None,
        "artifacts": artifacts,
    }
    if row is None:
        conn.execute(
            deliveries.insert().values(
                account=account,
                period=period,
                destination=destination,
                attempts=1,
                first_attempt_at=now,
                **values,
            )
        )
    elif row.status != SENT:  # a sent delivery is final
        conn.execute(deliveries.update().where(key).values(attempts=row.attempts + 1, **values))


def alert_open(conn: Connection, key: str) -> bool:
    """True when this event was already alerted and is not resolved."""
    stmt = select(alerts.c.id).where(alerts.c.key == key, alerts.c.resolved_at.is_(None))
    return conn.execute(stmt).first() is not None


def record_alert(
    conn: Connection,
    key: str,
    *,
    kind: str,
    account: str | None,
    title: str,
    channel: str,
    now: datetime,
) -> None:
    conn.execute(
        alerts.insert().values(
            key=key, kind=kind, account=account, title=title, channel=channel, sent_at=now
        )
    )


def resolve_alert(conn: Connection, key: str, now: datetime) -> bool:
    """Mark the open alert of ``key`` as over, so the next occurrence alerts again."""
    result = conn.execute(
        alerts.update()
        .where(alerts.c.key == key, alerts.c.resolved_at.is_(None))
        .values(resolved_at=now)
    )
    return bool(result.rowcount)


def sent_alerts(conn: Connection) -> list[tuple[str, str]]:
    """(key, title) of every alert sent, oldest first."""
    rows = conn.execute(select(alerts.c.key, alerts.c.title).order_by(alerts.c.id))
    return [(r.key, r.title) for r in rows]
