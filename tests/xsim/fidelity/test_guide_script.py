"""The weekly-report guide's script is rebuilt faithfully from its scraped page (lines and
blocks)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from xsim_fidelity_guide import extract_script, indent, split_lines


def test_split_on_increasing_line_numbers() -> None:
    blob = "1#!/usr/bin/env python32import os34x = 125y = [1, 2]"
    assert split_lines(blob) == ["#!/usr/bin/env python3", "import os", "", "x = 12", "y = [1, 2]"]


def test_indentation_is_restored_from_block_openers() -> None:
    lines = ["def f(x):", " if x:", " return g(", " x,", " )", " else:", " return 0"]
    assert indent(lines) == [
        "def f(x):",
        "    if x:",
        "        return g(",
        "            x,",
        "            )",
        "    else:",
        "        return 0",
    ]


def _body(tree: ast.Module, name: str) -> list[str]:
    func = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    return [type(stmt).__name__ for stmt in func.body]


@pytest.mark.shared
def test_guide_script_keeps_its_structure(x_api_dir: Path) -> None:
    source = extract_script(x_api_dir.parent)
    tree = ast.parse(source)
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert names == [
        "refresh_token", "twitter_get", "get_user_id", "get_recent_tweets",
        "analyze_tweets", "send_slack_report",
    ]  # fmt: skip
    # The retry sits inside "if 401"; raise_for_status and return follow it.
    assert _body(tree, "twitter_get") == ["Assign", "If", "Expr", "Return"]
    # The paging loop ends before the log line and the return.
    assert _body(tree, "get_recent_tweets") == [
        "Assign", "Assign", "Assign", "While", "Expr", "Return",
    ]  # fmt: skip
    loop = next(n for n in ast.walk(tree) if isinstance(n, ast.While))
    assert [type(s).__name__ for s in loop.body] == [
        "Assign",
        "If",
        "Assign",
        "Expr",
        "Assign",
        "If",
    ]
    assert _body(tree, "analyze_tweets") == ["Assign", "For", "Return"]
    assert source.count("https://api.twitter.com") == 3
