"""Every table xpulse keeps is declared in one module, :mod:`xpulse.store.schema`: a reader
finds the whole schema there, and no table depends on a side-effect import to exist."""

from __future__ import annotations

import ast
from pathlib import Path

from xpulse.store.schema import metadata, shared_metadata

SRC = Path(__file__).resolve().parents[3] / "src" / "xpulse"
SCHEMA = SRC / "store" / "schema.py"


def _declared(path: Path) -> set[str]:
    """Tables ``path`` declares: ``Table("name", ...)`` calls and ``CREATE TABLE`` text."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            first = node.args[0] if node.args else None
            if name == "Table" and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            words = node.value.replace("(", " ").split()
            for i in range(len(words) - 2):
                if [w.upper() for w in words[i : i + 2]] == ["CREATE", "TABLE"]:
                    rest = words[i + 2 :]
                    if [w.upper() for w in rest[:3]] == ["IF", "NOT", "EXISTS"]:
                        rest = rest[3:]
                    found.add(rest[0] if rest else "?")
    return found


def test_no_table_is_declared_outside_the_schema_module() -> None:
    elsewhere = {
        str(path.relative_to(SRC)): names
        for path in sorted(SRC.rglob("*.py"))
        if path != SCHEMA and (names := _declared(path))
    }
    assert elsewhere == {}


def test_the_schema_module_declares_every_table_of_both_schemas() -> None:
    """The scan reads the declarations right: it finds in schema.py exactly the tables the
    two schemas hold (the migrated one and PostgreSQL's shared one)."""
    tables = set(metadata.tables) | set(shared_metadata.tables)
    assert {"posts", "schema_migrations", "xpulse_tokens", "xpulse_budget_holds"} <= tables
    assert _declared(SCHEMA) == tables
