"""Ages as a person says them."""

from __future__ import annotations

import pytest

from xpulse.render import fmt


@pytest.mark.parametrize(
    ("hours", "text"),
    [
        (0.0, "0 minutes"),
        (1 / 60, "1 minute"),
        (0.75, "45 minutes"),
        (1.2, "1 hour"),
        (5.0, "5 hours"),
        (47.4, "47 hours"),
        (50.0, "2 days"),
        (24 * 9.6, "10 days"),
    ],
)
def test_age(hours: float, text: str) -> None:
    assert fmt.age(hours) == text
