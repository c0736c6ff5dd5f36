"""``xsim world``: writes a loadable world, repeatable with --now, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from xsim.cli import cli
from xsim.world.document import load_world

from .conftest import EXAMPLE


def test_world_command_writes_a_loadable_repeatable_world(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["world", "--seed", "4", "--users", "2", "--days", "14", "--now",
            "2026-05-20T12:00:00Z", "--posts-per-week", "20"]  # fmt: skip
    first = runner.invoke(cli, [*args, "--out", str(tmp_path / "a.json")])
    assert first.exit_code == 0, first.output
    assert "2 users" in first.output and "posts" in first.output
    second = runner.invoke(cli, [*args, "--out", str(tmp_path / "b.json")])
    assert second.exit_code == 0
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    world = load_world(tmp_path / "a.json")
    assert len(world.users) == 2 and len(world.posts) > 20
    assert world.now is not None and world.now.isoformat() == "2026-05-20T12:00:00+00:00"
    # nothing secret is printed
    for token in world.tokens:
        assert token.access_token not in first.output


def test_default_now_is_the_current_minute(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["world", "--days", "2", "--out", str(tmp_path / "w.json")])
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "w.json").read_text("utf-8"))
    assert doc["now"].endswith(":00Z")


def test_bad_arguments_are_one_line_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    bad_now = runner.invoke(cli, ["world", "--now", "yesterday", "--out", str(tmp_path / "w")])
    assert bad_now.exit_code == 2 and "not an ISO 8601 instant: 'yesterday'" in bad_now.output
    bad_users = runner.invoke(cli, ["world", "--users", "0", "--out", str(tmp_path / "w")])
    assert bad_users.exit_code == 2 and "--users" in bad_users.output
    nowhere = runner.invoke(cli, ["world", "--days", "1", "--out", str(tmp_path / "no/w.json")])
    assert nowhere.exit_code == 1
    assert "cannot write" in nowhere.output and "Traceback" not in nowhere.output


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(cli, ["world", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "xsim world --seed 1" in result.output


def test_serve_refuses_a_malformed_world_naming_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "world.json"
    doc = json.loads(EXAMPLE.read_text("utf-8"))
    doc["posts"][3]["created_at"] = "yesterday"
    path.write_text(json.dumps(doc), "utf-8")
    result = CliRunner().invoke(cli, ["serve", "--world", str(path), "--port", "0"])
    assert result.exit_code == 2
    assert f"{path}: $.posts[3].created_at: 'yesterday' is not a 'date-time'" in result.output
