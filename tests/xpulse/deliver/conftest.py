"""Delivery moves what the brand's report renders to (files, Slack, email, Sheets)."""

from __future__ import annotations

from xpulse_brand_report import builders_report, previous_report, report

__all__ = ["builders_report", "previous_report", "report"]  # fixtures, for these tests
