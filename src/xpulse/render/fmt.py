"""Number formatting shared by every rendering.

A missing figure (None: nothing to compare, too few posts) is shown as ``n/a``, never as 0.
"""

from __future__ import annotations

import math

NA = "n/a"


def _missing(value: float | int | None) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def count(value: float | int | None) -> str:
    """A count with thousands separators: ``12,847``."""
    if value is None or _missing(value):
        return NA
    return f"{round(value):,}"


def compact(value: float | int | None) -> str:
    """A short count for chart labels: ``950``, ``12.8k``, ``3.4M``."""
    if value is None or _missing(value):
        return NA
    magnitude = abs(value)
    if magnitude >= 1_000_000:
        return f"{value / 1_000_000:.1f}M".replace(".0M", "M")
    if magnitude >= 10_000:
        return f"{value / 1_000:.0f}k"
    if magnitude >= 1_000:
        return f"{value / 1_000:.1f}k".replace(".0k", "k")
    if float(value).is_integer():
        return f"{int(value)}"
    return f"{value:.1f}"


def percent(value: float | int | None, digits: int = 2) -> str:
    """A value already in percent: ``2.69%``."""
    if value is None or _missing(value):
        return NA
    return f"{value:.{digits}f}%"


def change(value: float | int | None, digits: int = 1) -> str:
    """A signed percentage change: ``+12.3%``, ``-4.0%``; ``n/a`` when there is no base."""
    if value is None or _missing(value):
        return NA
    return f"{value:+.{digits}f}%"


def money(value: float | int | None) -> str:
    """A USD amount; sub-cent costs keep enough digits to stay checkable."""
    if value is None or _missing(value):
        return NA
    if value != 0 and abs(value) < 1:
        return f"${value:.3f}"
    return f"${value:,.2f}"


def number(value: float | int | None, digits: int = 2) -> str:
    """A plain decimal number."""
    if value is None or _missing(value):
        return NA
    return f"{value:,.{digits}f}"


def age(hours: float) -> str:
    """An age as a person says it: ``45 minutes``, ``1 hour``, ``5 hours``, ``3 days``."""
    if hours < 1:
        minutes = max(0, round(hours * 60))
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    if hours < 48:
        whole = round(hours)
        return "1 hour" if whole == 1 else f"{whole} hours"
    return f"{round(hours / 24)} days"
