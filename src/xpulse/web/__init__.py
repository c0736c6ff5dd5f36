"""The dashboard: one page per account and one for the portfolio, from the store.

The same pages are written to disk by ``xpulse dashboard --out DIR`` (self-contained files
that work offline, :mod:`xpulse.web.static`) and served live by ``xpulse serve``
(:mod:`xpulse.web.app`). Every figure on them comes from the report documents
(:func:`xpulse.operations.report.make_report`,
:func:`xpulse.operations.report.make_portfolio`), the same
ones ``xpulse report --format json`` prints; the pages only lay them out.
"""

from typing import Final

# The periods the pickers offer unless told otherwise (specs as `xpulse report --period`).
DEFAULT_PERIODS: Final = ("last-week", "this-week", "last-month", "this-month")
