"""The table of environment variables: every ``XPULSE_`` name in the source is in it, and
what the schedule passes and ``init`` documents comes from it."""

from __future__ import annotations

import re
from pathlib import Path

from xpulse.config import env
from xpulse.config.template import HEADER
from xpulse.operations import schedule_env

SRC = Path(__file__).resolve().parents[3] / "src"
NAME = re.compile(r"XPULSE_[A-Z0-9_]*[A-Z0-9]")


def _names_in_source() -> dict[str, set[str]]:
    """Each ``XPULSE_*`` spelled in xpulse's source (``<NAME>`` kept), with where."""
    found: dict[str, set[str]] = {}
    for path in (SRC / "xpulse").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"XPULSE_[A-Z0-9_]*(?:<NAME>|\{[A-Za-z_.]+\})?", text):
            name = re.sub(r"\{[A-Za-z_.]+\}$", env.ACCOUNT, m.group(0)).rstrip("_")
            if name.endswith(env.ACCOUNT) or NAME.fullmatch(name):
                found.setdefault(name, set()).add(str(path.relative_to(SRC)))
    return found


def test_every_variable_in_the_source_is_in_the_table() -> None:
    table = {v.name for v in env.ENV}
    found = _names_in_source()
    assert "XPULSE_HOME" in found and "XPULSE_ACCESS_TOKEN_<NAME>" in found  # the scan works
    missing = {name: sorted(where) for name, where in found.items() if name not in table}
    assert missing == {}


def test_each_entry_names_a_reader_that_exists_and_is_unique() -> None:
    names = [v.name for v in env.ENV]
    assert len(names) == len(set(names))
    for var in env.ENV:
        module = SRC.joinpath(*var.read_by.split("."))
        assert module.with_suffix(".py").is_file() or (module / "__init__.py").is_file(), var
        assert var.meaning and var.name.startswith("XPULSE_")


def test_per_account_names() -> None:
    assert env.ACCESS_TOKEN.for_account("MAIN") == "XPULSE_ACCESS_TOKEN_MAIN"
    assert env.OAUTH1_TOKEN_SECRET.for_account("B_2") == "XPULSE_OAUTH1_TOKEN_SECRET_B_2"


def test_the_schedule_passes_what_the_table_marks_and_secrets_only_in_its_env_file() -> None:
    assert schedule_env.PASSED == ("XPULSE_HOME",)
    assert schedule_env.SECRET == ("XPULSE_DB",)
    assert {*schedule_env.PASSED, *schedule_env.SECRET} == {v.name for v in env.SCHEDULED}
    assert env.DB.secret and not env.HOME.secret


def test_init_lists_the_table_secrets_apart() -> None:
    lines = HEADER.splitlines()
    secrets_at = lines.index(
        "Secrets never go in this file. They come from the environment or the token store:"
    )
    others_at = lines.index("Settings the environment gives over this file:")
    for var in env.IN_INIT:
        [line] = [i for i, text in enumerate(lines) if text.split()[:1] == [var.name]]
        assert (secrets_at < line < others_at) is var.secret, var.name
    assert {"XPULSE_CLIENT_SECRET", "XPULSE_DB", "XPULSE_HOME"} <= {v.name for v in env.IN_INIT}
