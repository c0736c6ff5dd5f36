"""xpulse: automated X (Twitter) analytics reports."""

__version__ = "0.1.0"
