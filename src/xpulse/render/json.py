"""The JSON rendering: the report document itself, as described by its JSON Schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xpulse.analytics.document import Report
from xpulse.render.view import as_report


def render_json(document: Report | Mapping[str, Any], indent: int | None = 2) -> str:
    """The versioned document (``schema``/``version`` first), UTF-8 text, newline-terminated."""
    return as_report(document).to_json(indent=indent) + "\n"
