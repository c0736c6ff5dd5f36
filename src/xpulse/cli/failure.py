"""How a command ends when it fails: the exit codes, and the last resort's one line.

The exit code comes from one place: an :class:`~xpulse.errors.XpulseError` carries its
kind's (usage and config errors 2, failures while running 1, drawn in
:mod:`xpulse.errors`); click's own usage errors exit 2 as well; Ctrl-C exits 130. A
command that ends on its own verdict (some account or destination failed) exits with one
of the constants below.

The last resort is an error nobody turned into an ``XpulseError``: a full disk, a
permission, a database that went away. The user gets one line saying what and where, and
exit 1; ``--debug`` (or ``XPULSE_DEBUG=1``) adds the traceback. A message may quote a
database URL or a token an error body echoed, so it is redacted first.
"""

from __future__ import annotations

import errno
import os
import re
import sys

import click

from xpulse.errors import ConfigError, UsageProblem, XpulseError

FAILED = XpulseError.exit_code  # 1: the work failed (also OSError, a database error)
USAGE = UsageProblem.exit_code  # 2: a bad option value, or options that cannot go together
CONFIG = ConfigError.exit_code  # 2: the configuration must be fixed first
UNUSABLE_ACCOUNT = 3  # `auth status`: an account it shows cannot be used
INTERRUPTED = 130  # 128 + SIGINT, as a shell reports it


def exit_code(exc: BaseException) -> int:
    """The exit code of a command that ``exc`` ended."""
    if isinstance(exc, XpulseError):
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        return INTERRUPTED
    if isinstance(exc, click.ClickException):  # click's own: a UsageError exits 2
        return exc.exit_code
    return FAILED


# scheme://user:PASSWORD@host — whatever library formatted the URL into its message.
_URL_PASSWORD = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@")


def _db_password() -> str | None:
    """The password of ``XPULSE_DB``, to mask it wherever a driver may have echoed it."""
    from xpulse.config.env import DB

    url = os.environ.get(DB.name, "")
    if "@" not in url:
        return None
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        password = make_url(url).password
    except ArgumentError:
        return None
    return str(password) if password else None


def clean(text: str) -> str:
    """``text`` on one line, with passwords in URLs and known secrets masked."""
    from xpulse.api import redact

    out = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}{redact.MASK}@", text)
    password = _db_password()
    if password and len(password) >= 4:
        out = out.replace(password, redact.MASK)
    out = redact.text(out)
    return " ".join(out.split())


def _sqlalchemy_error(exc: BaseException) -> bool:
    # Only if SQLAlchemy is loaded: then the error may be one of its, else it cannot be.
    exc_module = sys.modules.get("sqlalchemy.exc")
    base = getattr(exc_module, "SQLAlchemyError", None)
    return isinstance(base, type) and isinstance(exc, base)


def handled(exc: BaseException) -> bool:
    """Whether ``exc`` is an environment failure to report in one line (not a bug)."""
    if isinstance(exc, OSError):
        return exc.errno != errno.EPIPE  # click quiets a closed pipe (`xpulse … | head`)
    return _sqlalchemy_error(exc)


def message(exc: BaseException) -> str:
    """One line for the user: what failed and where, never a secret."""
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc) or type(exc).__name__
        where = exc.filename
        text = f"{reason}: {where}" if where is not None else reason
        if exc.filename2 is not None:
            text += f" -> {exc.filename2}"
        return clean(text)
    # A DBAPI error carries the driver's own message; SQLAlchemy's wraps it with the SQL
    # and its parameters, which are none of the user's business here.
    orig = getattr(exc, "orig", None)
    first = (str(orig) if orig is not None else str(exc)).strip().splitlines()
    return "database error: " + clean(first[0] if first else type(exc).__name__)
