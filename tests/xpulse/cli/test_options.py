"""The options several commands share are spelled alike everywhere: each comes from its one
definition in ``xpulse.cli.options``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
import pytest

from xpulse.cli import COMMANDS, cli, options
from xpulse.errors import UsageProblem

SRC = Path(__file__).resolve().parents[3] / "src" / "xpulse" / "cli"
SHARED = ("--account", "--period", "--tz", "--out", "--as-of")
# `init --account` names the account it writes, not one of the config's: its own option.
OWN = {("init", "--account")}


def _leaves() -> list[tuple[str, click.Command]]:
    found = []
    for name in sorted(COMMANDS):
        command = cli.get_command(click.Context(cli), name)
        assert command is not None
        if isinstance(command, click.Group):
            found += [(f"{name} {sub}", c) for sub, c in sorted(command.commands.items())]
        else:
            found.append((name, command))
    return found


def _shape(option: click.Option) -> tuple[object, ...]:
    """What a shared option must have alike: its spelling, parameter, metavar, arity."""
    return (tuple(option.opts), option.name, option.metavar, option.multiple)


def _defined(decorator: object) -> click.Option:
    @click.command()
    def probe(**kwargs: object) -> None: ...

    command = decorator(probe)  # type: ignore[operator]
    (option,) = [p for p in command.params if isinstance(p, click.Option)]
    return option


DEFINITIONS = {
    ("--account", False): _shape(_defined(options.account_option("h"))),
    ("--account", True): _shape(_defined(options.accounts_option())),
    ("--period", False): _shape(_defined(options.period_option("h"))),
    ("--period", True): _shape(_defined(options.periods_option("h"))),
    ("--tz", False): _shape(_defined(options.tz_option("h"))),
    ("--out", False): _shape(_defined(options.out_option("h"))),
    ("--as-of", False): _shape(_defined(options.as_of_option("h"))),
}


def test_each_shared_option_is_the_shared_definition() -> None:
    seen = set()
    for path, command in _leaves():
        for param in command.params:
            if not isinstance(param, click.Option) or param.opts[0] not in SHARED:
                continue
            if (path.split()[0], param.opts[0]) in OWN:
                continue
            seen.add(param.opts[0])
            assert _shape(param) == DEFINITIONS[(param.opts[0], param.multiple)], path
    assert seen == set(SHARED)  # each is used, so the check above checks something


def test_no_command_spells_a_shared_option_itself() -> None:
    for path in sorted(SRC.glob("*.py")):
        if path.name == "options.py":
            continue
        text = path.read_text(encoding="utf-8")
        spelled = [o for o in SHARED if f'"{o}"' in text and (path.stem, o) not in OWN]
        assert spelled == [], path.name


def test_as_of_is_parsed_once_for_every_command() -> None:
    assert options.parse_as_of("2026-05-04T09:30") == datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
    assert options.parse_as_of("2026-05-04T09:30Z").tzinfo is not None
    with pytest.raises(UsageProblem, match="--as-of 'soon' is not an ISO 8601"):
        options.parse_as_of("soon")
