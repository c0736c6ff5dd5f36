"""Analytics: rows in, a :class:`Report` out. Pure: no I/O, no clock, no randomness.

Modules, by concept: :mod:`periods` (periods and time zones), :mod:`metrics` (engagement
rates and totals), :mod:`compare`, :mod:`best_time`, :mod:`content_types`, :mod:`spikes`,
:mod:`lifecycle`, :mod:`figures` and :mod:`document` (the versioned report model),
:mod:`build`, and :mod:`portfolio` (every account's totals side by side).
"""

from xpulse.analytics.build import ReportOptions, build_report
from xpulse.analytics.document import SCHEMA_ID, SCHEMA_VERSION, Report, json_schema
from xpulse.analytics.inputs import CONTENT_TYPES, CostRow, ObservationRow, PostRow, ReportInputs
from xpulse.analytics.periods import Period, ReportWindows, parse_period, report_windows, resolve_tz

__all__ = [
    "CONTENT_TYPES",
    "SCHEMA_ID",
    "SCHEMA_VERSION",
    "CostRow",
    "ObservationRow",
    "Period",
    "PostRow",
    "Report",
    "ReportInputs",
    "ReportOptions",
    "ReportWindows",
    "build_report",
    "json_schema",
    "parse_period",
    "report_windows",
    "resolve_tz",
]
