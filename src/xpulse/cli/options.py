"""What several commands share, defined once: the options they spell alike (``--account``,
``--period``, ``--tz``, ``--out``, ``--as-of``) and the store opened for one command.

Each command keeps its own help sentence; the spelling, short flag, metavar and value
type are the same everywhere. Kept light: a command's ``--help`` imports this and nothing
heavier.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from xpulse.errors import UsageProblem

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from xpulse.config.settings import Config

F = TypeVar("F", bound=Callable[..., Any])

PERIOD_SPECS = (
    "last-week, this-week, last-month, this-month, 2026-W21, 2026-05, 2026-05-04 or "
    "2026-05-01..2026-05-31"
)
ALL_ACCOUNTS = "Only this account (repeatable; default: all)."
RUN_PERIOD = "last-week (default: delivery.period), this-week, 2026-W21, 2026-05, …"


def account_option(help: str) -> Callable[[F], F]:
    """``--account/-a NAME``: one configured account (the parameter ``account``)."""
    return click.option("--account", "-a", "account", metavar="NAME", help=help)


def accounts_option(help: str = ALL_ACCOUNTS) -> Callable[[F], F]:
    """``--account/-a NAME``, repeatable (the parameter ``accounts``; empty: all)."""
    return click.option("--account", "-a", "accounts", multiple=True, metavar="NAME", help=help)


def period_option(help: str, default: str | None = None) -> Callable[[F], F]:
    """``--period/-p SPEC``: one period (the parameter ``period``)."""
    return click.option(
        "--period",
        "-p",
        "period",
        default=default,
        show_default=default is not None,
        metavar="SPEC",
        help=help,
    )


def periods_option(help: str) -> Callable[[F], F]:
    """``--period/-p SPEC``, repeatable (the parameter ``periods``)."""
    return click.option("--period", "-p", "periods", multiple=True, metavar="SPEC", help=help)


def tz_option(help: str) -> Callable[[F], F]:
    """``--tz ZONE``: an IANA time zone (the parameter ``tz``)."""
    return click.option("--tz", "tz", metavar="ZONE", help=help)


def out_option(help: str, *, folder: bool = False, required: bool = False) -> Callable[[F], F]:
    """``--out/-o``: a file to write (or a folder), as a :class:`Path` (the parameter
    ``out``). Whether its folder exists is checked by the command, before any work."""
    kind = click.Path(file_okay=not folder, dir_okay=folder, writable=not folder, path_type=Path)
    return click.option("--out", "-o", "out", type=kind, required=required, help=help)


def as_of_option(help: str) -> Callable[[F], F]:
    """``--as-of DATETIME``: the instant to work as of, parsed (the parameter ``as_of``,
    a :class:`datetime`; now when not given)."""
    return click.option(
        "--as-of",
        "as_of",
        metavar="DATETIME",
        callback=lambda ctx, param, value: parse_as_of(value),
        help=help,
    )


def parse_as_of(value: str | None) -> datetime:
    """``--as-of``: an ISO 8601 instant (UTC when it names no zone), or now."""
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageProblem(f"--as-of {value!r} is not an ISO 8601 date and time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@contextmanager
def opened_store(config: Config) -> Iterator[Engine]:
    """The config's store, opened (and migrated) for one command and closed after it."""
    from xpulse.store import open_store

    engine = open_store(config.db_url())
    try:
        yield engine
    finally:
        engine.dispose()
