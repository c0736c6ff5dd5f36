"""Spreadsheet-safe CSV cells and the control-character cleaning they share with render.

Dependency-free on purpose: the report renderings (``render``) and the store export
(``store``) are on different sides of the layer rule, and both write CSV that people
open in Excel, LibreOffice or Google Sheets. One guard, so neither can be the weaker one.
"""

from __future__ import annotations

import re

__all__ = ["BIDI", "CONTROLS", "FORMULA_START", "csv_cell", "strip_controls"]

# C0 and C1 control characters except tab and newline: an ESC in a post must never reach a
# terminal as an escape sequence, and NUL/bell/etc. only confuse other outputs.
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidi overrides can make text read differently from what it is (trojan-source style).
BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# Characters that start formulas in Excel, LibreOffice and Google Sheets (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def strip_controls(text: str) -> str:
    """Remove control and bidi-override characters; carriage returns become newlines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return BIDI.sub("", CONTROLS.sub("", text))


def csv_cell(value: object) -> object:
    """A CSV cell value that no spreadsheet will evaluate as a formula.

    Numbers pass through (a negative number is a number, not a formula); text loses control
    and bidi characters, and text that starts with a formula character (before or after
    that cleaning) gets a leading apostrophe, which spreadsheets hide.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value)
    # Check before cleaning too: a leading CR or tab is itself a formula trigger.
    dangerous = text.startswith(FORMULA_START)
    text = strip_controls(text)
    if dangerous or text.startswith(FORMULA_START):
        return "'" + text
    return text
