"""The fast schema check agrees with jsonschema, so a fast "valid" can be trusted."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from xsim.world.check import _date_time_ok, _format_checker, world_schema
from xsim.world.fastschema import SchemaCompiler

SECTIONS = {"apps": "app", "users": "user", "tokens": "token", "media": "media", "posts": "post"}
REPLACEMENTS: list[Any] = [
    None, -1, 0, 1.5, 2.0, True, "", "x", "yesterday", "2026-05-01T10:00:00Z",
    "2026-05-01", "12345", "3_99", [], ["x"], {}, {"impressions": 1}, "a" * 30,
]  # fmt: skip


def _paths(node: Any, here: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield here
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*here, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*here, index))


def _mutate(item: Any, path: tuple[Any, ...], how: Any, rng: random.Random) -> Any:
    item = copy.deepcopy(item)
    if not path:
        return how
    parent = item
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if how == "delete" and isinstance(parent, dict):
        del parent[last]
    elif how == "extra" and isinstance(parent, dict):
        parent["unexpected_" + str(rng.randrange(9))] = 1
    else:
        parent[last] = how
    return item


def test_agrees_with_jsonschema_on_many_broken_entries(example_doc: dict[str, Any]) -> None:
    schema = world_schema()
    fast = SchemaCompiler(schema, {"date-time": _date_time_ok})
    rng = random.Random(20260520)
    checked = disagreements = invalid = 0
    for section, definition in SECTIONS.items():
        slow = Draft202012Validator(
            {"$defs": schema["$defs"], "$ref": f"#/$defs/{definition}"},
            format_checker=_format_checker,
        )
        quick = fast.ref_check(f"#/$defs/{definition}")
        for item in example_doc[section]:
            paths = list(_paths(item))
            for path in paths:
                for how in rng.sample([*REPLACEMENTS, "delete", "extra"], 4):
                    broken = _mutate(item, path, how, rng)
                    want = slow.is_valid(broken)
                    checked += 1
                    invalid += not want
                    if quick(broken) != want:
                        disagreements += 1
                        print(section, path, how)
    assert disagreements == 0
    assert checked > 1500 and invalid > checked // 3


def test_whole_document(example_doc: dict[str, Any]) -> None:
    fast = SchemaCompiler(world_schema(), {"date-time": _date_time_ok}).ref_check("#")
    assert fast(example_doc)
    assert not fast({**example_doc, "xsim_world": True})  # true is not 1 in JSON
    assert fast({**example_doc, "xsim_world": 1.0})  # but 1.0 is
    assert not fast([])


def test_refuses_keywords_it_does_not_implement() -> None:
    with pytest.raises(ValueError, match="unsupported keyword 'patternProperties'"):
        SchemaCompiler({}, {}).compile({"type": "object", "patternProperties": {}})
    with pytest.raises(ValueError, match="only local refs"):
        SchemaCompiler({}, {}).compile({"$ref": "https://example.com/s.json"})
