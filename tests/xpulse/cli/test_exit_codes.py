"""Every command ends each kind of error with the same exit code, in one line.

The kinds are drawn in :mod:`xpulse.errors`: a usage error (a bad option value, options
that do not go together) and a config error (no config, no account) exit 2, a failure
while running exits 1, Ctrl-C 130. Each command of the registry is driven into the errors
it can have, from a fresh ``XPULSE_HOME``; a new command fails
:func:`test_every_command_is_driven` until it is added here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

import xpulse.errors
from xpulse.cli import COMMANDS, cli, failure
from xpulse.errors import ConfigError, UsageProblem, XpulseError

SRC = Path(__file__).resolve().parents[3] / "src"
DEAD_API = "http://127.0.0.1:9"  # nothing listens: no command may reach the network here


def _leaves() -> list[tuple[str, ...]]:
    """Every command a user can run: the registry's, each group's subcommands in it."""
    found: list[tuple[str, ...]] = []
    for name in sorted(COMMANDS):
        command = cli.get_command(click.Context(cli), name)
        if isinstance(command, click.Group):
            found += [(name, sub) for sub in sorted(command.commands)]
        else:
            found.append((name,))
    return found


LEAVES = _leaves()

# What each command needs on its line to get past click to its own work.
ARGUMENTS: dict[tuple[str, ...], list[str]] = {
    ("backfill",): ["--source", "engagement-api", "--since", "2026-05-01"],
    ("competitors", "add"): ["rivalco", "--group", "rivals", "--yes"],
    ("competitors", "remove"): ["rivalco"],
    ("dashboard",): ["--out", "site"],
    ("import", "analytics-csv"): ["tweets.csv"],
    ("import", "archive"): ["archive.zip"],
    ("init",): ["--no-input"],
}

# Commands that run without a config, and why.
NEEDS_NO_CONFIG = {
    ("init",): "writes the config",
    ("schedule", "remove"): "removes what install wrote, whatever the config says now",
    ("config", "check"): "reports a missing config in its checklist (and exits 2 itself)",
}

# Commands that need an account, so a config without one is a config error.
NEEDS_AN_ACCOUNT = {
    ("auth", "login"),
    ("auth", "logout"),
    ("auth", "status"),
    ("backfill",),
    ("collect",),
    ("dashboard",),
    ("enqueue", "collect"),
    ("enqueue", "run"),
    ("import", "analytics-csv"),
    ("import", "archive"),
    ("report",),
    ("run",),
    ("schedule", "install"),
    ("schedule", "show"),
}

# A usage error for each command: its own check where it has one (one line of ours),
# else a value click refuses (click's usage text with its one "Error:" line).
USAGE_ERRORS: dict[tuple[str, ...], tuple[list[str], str]] = {
    ("auth", "login"): (["--timeout", "soon"], "Invalid value for '--timeout'"),
    ("auth", "logout"): (["extra"], "unexpected extra argument"),
    ("auth", "status"): (["extra"], "unexpected extra argument"),
    ("backfill",): (
        ["--source", "engagement-api", "--since", "May"],
        "--since 'May' is not a date",
    ),
    ("collect",): (["--history-days", "0"], "Invalid value for '--history-days'"),
    ("competitors", "add"): (["bad handle!", "--group", "g"], "is not an X username"),
    ("competitors", "list"): (["extra"], "unexpected extra argument"),
    ("competitors", "remove"): (["nobody"], "@nobody is not a competitor"),
    ("config", "check"): (["extra"], "unexpected extra argument"),
    ("cost",): (["--month", "2026-13"], "--month '2026-13': use YYYY-MM"),
    ("dashboard",): (["--out", "site", "--as-of", "soon"], "--as-of 'soon' is not an ISO"),
    ("enqueue", "collect"): (["extra"], "unexpected extra argument"),
    ("enqueue", "run"): (["extra"], "unexpected extra argument"),
    ("export",): (["--format", "xlsx"], "xlsx is binary: give --out"),
    ("import", "analytics-csv"): (["x.csv", "--end", "soon"], "--end 'soon' is not a date"),
    ("import", "archive"): (["x.zip", "--exported-at", "soon"], "--exported-at 'soon' is not"),
    ("init",): (["--no-input", "--force", "--account", "main"], "--account needs --username"),
    ("report",): (["--as-of", "soon"], "--as-of 'soon' is not an ISO 8601"),
    ("run",): (["--period", "soon"], "unparseable period 'soon'"),
    ("schedule", "install"): (["--backend", "launchd"], "Invalid value for '--backend'"),
    ("schedule", "remove"): (["extra"], "unexpected extra argument"),
    ("schedule", "show"): (["extra"], "unexpected extra argument"),
    ("serve",): (["--host", "192.0.2.10"], "can be reached from other machines"),
    ("worker",): (["--concurrency", "0"], "Invalid value for '--concurrency'"),
    ("workers", "import-tokens"): (["extra"], "unexpected extra argument"),
    ("workers", "status"): (["--failed", "-1"], "Invalid value for '--failed'"),
}


class NothingScheduled:
    """A machine with cron and nothing installed, that no test may change."""

    def __init__(self) -> None:
        self.unit_dir = Path("/nonexistent/systemd/user")

    def has_systemd(self) -> bool:
        return False

    def read_crontab(self) -> str:
        return ""

    def write_crontab(self, text: str) -> None:
        pytest.fail("a command wrote the crontab")

    def systemctl(self, *args: str) -> None:
        pytest.fail("a command ran systemctl")


@pytest.fixture(autouse=True)
def no_system(monkeypatch: pytest.MonkeyPatch) -> None:
    """No command here may touch the crontab or systemd of the machine running the tests,
    nor reach the network."""
    monkeypatch.setattr("xpulse.operations.schedule.RealSystem", NothingScheduled)
    monkeypatch.setenv("XPULSE_API_BASE", DEAD_API)


def _invoke(leaf: tuple[str, ...], args: list[str] | None = None) -> Result:
    line = [*leaf, *(ARGUMENTS.get(leaf, []) if args is None else args)]
    return CliRunner().invoke(cli, line, input="")


def _one_line_of_ours(result: Result) -> str:
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("xpulse: error: "), result.stderr
    return lines[0]


def _init(*args: str) -> None:
    done = CliRunner().invoke(cli, ["init", "--no-input", *args])
    assert done.exit_code == 0, done.output


def test_every_command_is_driven() -> None:
    assert set(USAGE_ERRORS) == set(LEAVES)
    assert set(NEEDS_NO_CONFIG) | NEEDS_AN_ACCOUNT <= set(LEAVES)
    assert len(LEAVES) > len(COMMANDS)  # the groups' subcommands are in


@pytest.mark.parametrize("leaf", [x for x in LEAVES if x not in NEEDS_NO_CONFIG], ids=" ".join)
def test_no_config_is_a_config_error(leaf: tuple[str, ...], isolated_env: Path) -> None:
    result = _invoke(leaf)
    assert result.exit_code == failure.CONFIG == 2
    line = _one_line_of_ours(result)
    assert (
        line
        == f"xpulse: error: no config at {isolated_env / 'config.toml'}; run `xpulse init` first"
    )


@pytest.mark.parametrize("leaf", sorted(NEEDS_AN_ACCOUNT), ids=" ".join)
def test_no_account_is_a_config_error(leaf: tuple[str, ...], isolated_env: Path) -> None:
    _init()  # a config with every section but no [[accounts]]
    result = _invoke(leaf)
    assert result.exit_code == failure.CONFIG == 2
    line = _one_line_of_ours(result)
    assert f"{isolated_env / 'config.toml'}: no [[accounts]] configured" in line
    assert line.endswith("see `xpulse init`")


@pytest.mark.parametrize("leaf", LEAVES, ids=" ".join)
def test_a_usage_error_exits_2_in_one_line(leaf: tuple[str, ...]) -> None:
    _init("--account", "main", "--username", "jack")
    args, says = USAGE_ERRORS[leaf]
    result = _invoke(leaf, args)
    assert result.exit_code == failure.USAGE == 2, result.output
    assert "Traceback" not in result.output
    if result.stderr.startswith("xpulse: error: "):
        assert says in _one_line_of_ours(result)
    else:  # click's own: its usage and one line saying what was wrong
        errors = [x for x in result.stderr.splitlines() if x.startswith("Error: ")]
        assert len(errors) == 1 and says in errors[0], result.stderr


# -- the mapping, class by class ------------------------------------------------------------


def _tree(root: type[XpulseError] = XpulseError) -> list[type[XpulseError]]:
    return [root, *(c for sub in root.__subclasses__() for c in _tree(sub))]


TREE = sorted(set(_tree()), key=lambda c: c.__name__)


def test_every_error_class_is_in_the_errors_module() -> None:
    """No class of the tree is defined elsewhere in src/ (read off the source, so that a
    module nobody imported here still counts)."""
    names = {c.__name__ for c in TREE}
    elsewhere = []
    for path in (SRC / "xpulse").rglob("*.py"):
        if path == SRC / "xpulse" / "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and (
                {b.id for b in node.bases if isinstance(b, ast.Name)} & names
            ):
                elsewhere.append(f"{path.relative_to(SRC)}: {node.name}")
    assert elsewhere == []
    assert {c.__module__ for c in TREE} == {"xpulse.errors"}


def test_no_bare_raise_of_the_base_class() -> None:
    bare = []
    for path in (SRC / "xpulse").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                func = node.exc.func
                if isinstance(func, ast.Name) and func.id == "XpulseError":
                    bare.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert bare == []


def _expected(cls: type[XpulseError]) -> int:
    return 2 if issubclass(cls, UsageProblem | ConfigError) else 1


@pytest.mark.parametrize("cls", TREE, ids=lambda c: c.__name__)
def test_each_class_exits_with_its_kind_code(cls: type[XpulseError]) -> None:
    error = cls.__new__(cls)  # the code depends on the class alone, not on its arguments
    assert failure.exit_code(error) == _expected(cls)


def test_only_the_kinds_set_an_exit_code() -> None:
    """A class changes kind by changing its parent, never by an exit code of its own."""
    setting = {c for c in TREE if "exit_code" in vars(c)}
    assert setting == {XpulseError, UsageProblem, ConfigError}


def test_the_drawn_tree_is_the_tree() -> None:
    """Each class drawn once, under its parent (another parent in brackets), with its code."""
    drawn: dict[str, int] = {}
    above: list[tuple[int, str]] = []  # (column, name) of the lines above, outermost first
    for line in (xpulse.errors.__doc__ or "").splitlines():
        found = re.match(r"([\s│├└─]*)(\w+)(?: \((\w+)\))?\s+([12])  \S", line)
        if not found:
            continue
        column, name, other, code = len(found[1]), found[2], found[3], int(found[4])
        assert name not in drawn, name
        drawn[name] = code
        while above and above[-1][0] >= column:
            above.pop()
        cls = getattr(xpulse.errors, name)
        parents = {above[-1][1]} if above else {"Exception"}
        assert {b.__name__ for b in cls.__bases__} == parents | ({other} if other else set())
        above.append((column, name))
    assert drawn == {c.__name__: _expected(c) for c in TREE}


def test_the_other_endings() -> None:
    assert failure.exit_code(KeyboardInterrupt()) == failure.INTERRUPTED == 130
    assert failure.exit_code(OSError(28, "No space left on device")) == failure.FAILED == 1
    assert failure.exit_code(click.UsageError("bad")) == 2
    assert failure.UNUSABLE_ACCOUNT == 3  # `auth status`: docs/credentials.md
