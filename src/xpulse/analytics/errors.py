"""Errors a user causes when asking for a report: a bad period or time zone."""

from __future__ import annotations

from xpulse.errors import XpulseError


class ReportInputError(XpulseError):
    """The report request cannot be honoured as asked; the message says why in one line."""

    exit_code = 2


class PeriodError(ReportInputError):
    """The period is unparseable, empty, or has not started yet."""


class TimeZoneError(ReportInputError):
    """The time zone is not a known IANA zone name."""
