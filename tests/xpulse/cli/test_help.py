"""Every command documents itself with an example, and the lazy registry has no dead entry."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from xpulse.cli import COMMANDS, cli
from xsim.cli import cli as xsim_cli


def _walk(group: click.Group, ctx: click.Context, prefix: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, f"{' '.join((*prefix, name))} is registered but missing"
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _walk(command, ctx, (*prefix, name))


def _all(root: click.Group) -> list[tuple[str, ...]]:
    with click.Context(root) as ctx:
        return [path for path, _ in _walk(root, ctx)]


@pytest.mark.parametrize("path", _all(cli), ids=" ".join)
def test_every_xpulse_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"xpulse {' '.join(path)} --help has no example"


@pytest.mark.parametrize("path", _all(xsim_cli), ids=" ".join)
def test_every_xsim_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(xsim_cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"xsim {' '.join(path)} --help has no example"


def test_registry_names_match_the_commands_they_load() -> None:
    with click.Context(cli) as ctx:
        for name in COMMANDS:
            command = cli.get_command(ctx, name)
            assert command is not None and command.name == name
