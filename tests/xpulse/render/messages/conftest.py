"""The Slack and email messages are checked on the brand's report (hostile Slack text)."""

from __future__ import annotations

from xpulse_brand_report import builders_report, empty_report, report

__all__ = ["builders_report", "empty_report", "report"]  # fixtures, for these tests
