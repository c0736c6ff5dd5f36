"""What several commands parse alike, kept light: a command's ``--help`` imports this and
nothing heavier."""

from __future__ import annotations

from datetime import UTC, datetime

from xpulse.errors import UsageProblem


def parse_as_of(value: str | None) -> datetime:
    """``--as-of``: an ISO 8601 instant (UTC when it names no zone), or now."""
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageProblem(f"--as-of {value!r} is not an ISO 8601 date and time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
