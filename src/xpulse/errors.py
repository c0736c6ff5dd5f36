"""The root of xpulse's exception tree.

Every error a user can cause or fix derives from :class:`XpulseError`; the CLI turns it
into one clear line and a non-zero exit. Messages never contain secrets.

    XpulseError
    ├── UsageProblem           options that do not go together (exit 2)
    ├── ConfigError            bad or missing configuration
    ├── StoreError             the database could not be opened or migrated
    └── (api) ApiError         see xpulse.api.errors
"""

from __future__ import annotations


class XpulseError(Exception):
    """An error with a message fit to show a user as it is."""

    exit_code: int = 1


class UsageProblem(XpulseError):
    """Options that do not go together, or a value an option cannot take."""

    exit_code = 2


class ConfigError(XpulseError):
    """The configuration is missing, malformed or inconsistent."""

    exit_code = 2


class StoreError(XpulseError):
    """The store could not be opened, migrated or written."""


def message_line(text: str) -> str:
    """``text`` as one line of an error message: whitespace collapsed, control and format
    characters (line breaks, bidi overrides) dropped, so that whatever a server or a file
    echoed cannot break the line or disguise it. Every layer may need it, so it lives here."""
    kept = "".join(ch if ch.isprintable() else " " if ch.isspace() else "" for ch in text)
    return " ".join(kept.split())
