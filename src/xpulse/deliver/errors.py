"""The errors of the delivery layer.

    XpulseError
    └── DeliveryError          a destination could not be reached or refused the report
        └── DestinationConfigError   a destination is configured wrongly (no point retrying)

``retryable`` tells the caller whether the next run should try the same delivery again
(network errors, 5xx, 429 beyond the wait we accept) or whether a person must fix
something first (4xx, bad credentials, a bad address). Messages never hold a secret.
"""

from __future__ import annotations

from xpulse.errors import XpulseError


class DeliveryError(XpulseError):
    """A delivery failed; the message says where and why, in one line."""

    def __init__(self, destination: str, message: str, *, retryable: bool = True) -> None:
        super().__init__(f"{destination}: {message}")
        self.destination = destination
        self.retryable = retryable


class DestinationConfigError(DeliveryError):
    """A destination's settings are wrong (URL, host, address, credentials missing)."""

    exit_code = 2

    def __init__(self, destination: str, message: str) -> None:
        super().__init__(destination, message, retryable=False)
