"""``__all__`` is what a module exports. A package face (``__init__.py``) that declares it
matches it both ways: each listed name resolves, and each public name the package binds
(its own definitions and what it re-exports from the project) is listed. In a plain module
``__all__`` names its re-exported API, so there each listed name must resolve."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PROJECT = ("xpulse", "xsim")


def _declaring() -> list[Path]:
    found = []
    for package in PROJECT:
        for path in sorted((SRC / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            if "__all__" in _bound(tree.body, imports=False):
                found.append(path)
    return found


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _bound(body: list[ast.stmt], *, imports: bool) -> set[str]:
    """Top-level names a module binds itself (and its project imports when ``imports``)."""
    names: set[str] = set()
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.ImportFrom) and imports:
            if (node.module or "").split(".")[0] in PROJECT:
                names |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.If):  # `if TYPE_CHECKING:` imports of a lazy package face
            names |= _bound(node.body, imports=imports)
    return names


DECLARING = _declaring()


def test_the_modules_that_declare_all_are_found() -> None:
    names = {_module_name(p) for p in DECLARING}
    assert {"xpulse.api", "xpulse.analytics", "xpulse.deliver", "xpulse.store"} <= names
    assert "xsim.world.document" in names


@pytest.mark.parametrize("path", DECLARING, ids=_module_name)
def test_all_matches_what_the_module_exports(path: Path) -> None:
    name = _module_name(path)
    module = importlib.import_module(name)
    listed = list(module.__all__)
    assert len(listed) == len(set(listed)), f"{name}.__all__ repeats a name"
    missing = [n for n in listed if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ lists names it does not have: {missing}"
    if path.name != "__init__.py":
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    public = {n for n in _bound(tree.body, imports=True) if not n.startswith("_")}
    unlisted = sorted(public - set(listed))
    assert not unlisted, f"{name} exports names missing from __all__: {unlisted}"
