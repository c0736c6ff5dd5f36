"""A fast yes/no JSON Schema check for the keywords the world schema uses.

jsonschema explains errors well but spends ~0.5 ms on each post, a minute and a half for a
large world. This module compiles the same schema into nested closures that only answer
"valid or not" (about twenty times faster); :mod:`xsim.world.document` asks jsonschema for the
message only when this says no, and only on the entry that failed. Compiling refuses any
keyword it does not implement, so the schema cannot grow a rule this check would skip.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

# Keywords with no effect on validity.
_ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "$defs", "$comment"})
_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(a: Any, b: Any) -> bool:
    # JSON equality: true is not 1, 1.0 is 1.
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    return type(a) is type(b) and bool(a == b)


def _count_check(schema: dict[str, Any]) -> Check | None:
    """One closure for the commonest leaf, ``{"type": "integer", "minimum": m}``."""
    if {k for k in schema if k not in _ANNOTATIONS} != {"type", "minimum"}:
        return None
    if schema["type"] != "integer":
        return None
    low = schema["minimum"]

    def count(v: Any) -> bool:
        if type(v) is int:
            return bool(v >= low)
        return isinstance(v, float) and v.is_integer() and v >= low

    return count


class SchemaCompiler:
    """Compiles a schema (and the ``#/$defs/...`` it refers to) into a boolean check."""

    def __init__(self, root: dict[str, Any], formats: dict[str, Callable[[Any], bool]]):
        self.root = root
        self.formats = formats
        self._refs: dict[str, Check] = {}

    def compile(self, schema: dict[str, Any] | bool) -> Check:
        if schema is True:
            return lambda _v: True
        if schema is False:
            return lambda _v: False
        if not isinstance(schema, dict):
            raise ValueError(f"fastschema: a schema must be an object, not {schema!r}")
        checks: list[Check] = []
        for keyword, value in schema.items():
            if keyword in _ANNOTATIONS or keyword in ("properties", "unevaluatedProperties"):
                continue
            builder = getattr(self, "_kw_" + keyword.lstrip("$"), None)
            if builder is None:
                raise ValueError(f"fastschema: unsupported keyword {keyword!r}")
            checks.append(builder(value, schema))
        if "properties" in schema or "unevaluatedProperties" in schema:
            checks.append(self._object(schema))
        fused = _count_check(schema) or self._string_check(schema)
        if fused is not None:
            return fused
        if len(checks) == 1:
            return checks[0]

        return lambda v: all(check(v) for check in checks)

    def _string_check(self, schema: dict[str, Any]) -> Check | None:
        """One closure for ``{"type": "string"}`` with ``pattern`` and/or ``format``."""
        keys = {k for k in schema if k not in _ANNOTATIONS}
        if schema.get("type") != "string" or not keys <= {"type", "pattern", "format"}:
            return None
        search = re.compile(schema["pattern"]).search if "pattern" in schema else None
        fmt = self.formats.get(schema.get("format", ""))

        def string(v: Any) -> bool:
            if not isinstance(v, str):
                return False
            if search is not None and search(v) is None:
                return False
            return fmt is None or fmt(v)

        return string

    def ref_check(self, ref: str) -> Check:
        if ref not in self._refs:
            if ref != "#" and not ref.startswith("#/"):
                raise ValueError(f"fastschema: only local refs are supported, not {ref!r}")
            target: Any = self.root
            for part in ref[2:].split("/") if ref != "#" else []:
                target = target[part]
            holder: list[Check] = []
            self._refs[ref] = lambda v: holder[0](v)  # recursion-safe forward reference
            holder.append(self.compile(target))
            self._refs[ref] = holder[0]
        return self._refs[ref]

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema and len(schema) <= 2:
            target: Any = self.root
            for part in schema["$ref"][2:].split("/"):
                target = target[part]
            schema = target
        return schema

    # --- keywords -----------------------------------------------------------------------

    def _kw_ref(self, value: str, _schema: dict[str, Any]) -> Check:
        return self.ref_check(value)

    def _kw_type(self, value: str | list[str], _schema: dict[str, Any]) -> Check:
        names = [value] if isinstance(value, str) else value
        tests = [_TYPES[name] for name in names]
        if len(tests) == 1:
            return tests[0]
        return lambda v: any(test(v) for test in tests)

    def _kw_enum(self, value: list[Any], _schema: dict[str, Any]) -> Check:
        if all(isinstance(item, str) for item in value):
            allowed = frozenset(value)
            return lambda v: isinstance(v, str) and v in allowed
        return lambda v: any(_same(v, item) for item in value)

    def _kw_const(self, value: Any, _schema: dict[str, Any]) -> Check:
        return lambda v: _same(v, value)

    def _kw_minimum(self, value: float, _schema: dict[str, Any]) -> Check:
        return lambda v: not _is_number(v) or v >= value

    def _kw_maximum(self, value: float, _schema: dict[str, Any]) -> Check:
        return lambda v: not _is_number(v) or v <= value

    def _kw_exclusiveMinimum(self, value: float, _schema: dict[str, Any]) -> Check:
        return lambda v: not _is_number(v) or v > value

    def _kw_minLength(self, value: int, _schema: dict[str, Any]) -> Check:
        return lambda v: not isinstance(v, str) or len(v) >= value

    def _kw_maxLength(self, value: int, _schema: dict[str, Any]) -> Check:
        return lambda v: not isinstance(v, str) or len(v) <= value

    def _kw_pattern(self, value: str, _schema: dict[str, Any]) -> Check:
        search = re.compile(value).search
        return lambda v: not isinstance(v, str) or search(v) is not None

    def _kw_format(self, value: str, _schema: dict[str, Any]) -> Check:
        test = self.formats.get(value)
        if test is None:
            return lambda _v: True  # unknown formats are annotations, as in jsonschema
        return test

    def _kw_minItems(self, value: int, _schema: dict[str, Any]) -> Check:
        return lambda v: not isinstance(v, list) or len(v) >= value

    def _kw_maxItems(self, value: int, _schema: dict[str, Any]) -> Check:
        return lambda v: not isinstance(v, list) or len(v) <= value

    def _kw_uniqueItems(self, value: bool, _schema: dict[str, Any]) -> Check:
        if not value:
            return lambda _v: True

        def unique(v: Any) -> bool:
            if not isinstance(v, list):
                return True
            if all(isinstance(item, str) for item in v):
                return len(set(v)) == len(v)
            return not any(_same(a, b) for i, a in enumerate(v) for b in v[i + 1 :])

        return unique

    def _kw_items(self, value: dict[str, Any], _schema: dict[str, Any]) -> Check:
        item = self.compile(value)
        return lambda v: not isinstance(v, list) or all(item(x) for x in v)

    def _kw_required(self, value: list[str], _schema: dict[str, Any]) -> Check:
        names = frozenset(value)
        return lambda v: not isinstance(v, dict) or names <= v.keys()

    def _kw_additionalProperties(self, value: Any, schema: dict[str, Any]) -> Check:
        if value is not False:
            raise ValueError("fastschema: additionalProperties must be false")
        known = frozenset(schema.get("properties", {}))
        return lambda v: not isinstance(v, dict) or v.keys() <= known

    def _kw_allOf(self, value: list[Any], _schema: dict[str, Any]) -> Check:
        parts = [self.compile(sub) for sub in value]
        return lambda v: all(part(v) for part in parts)

    def _kw_anyOf(self, value: list[Any], _schema: dict[str, Any]) -> Check:
        parts = [self.compile(sub) for sub in value]
        return lambda v: any(part(v) for part in parts)

    def _kw_oneOf(self, value: list[Any], _schema: dict[str, Any]) -> Check:
        parts = [self.compile(sub) for sub in value]
        return lambda v: sum(1 for part in parts if part(v)) == 1

    def _kw_not(self, value: Any, _schema: dict[str, Any]) -> Check:
        part = self.compile(value)
        return lambda v: not part(v)

    def _object(self, schema: dict[str, Any]) -> Check:
        """``properties`` (and ``unevaluatedProperties: false`` over this and its allOf)."""
        props = {name: self.compile(sub) for name, sub in schema.get("properties", {}).items()}
        closed: frozenset[str] | None = None
        if "unevaluatedProperties" in schema:
            if schema["unevaluatedProperties"] is not False:
                raise ValueError("fastschema: unevaluatedProperties must be false")
            names = set(props)
            for sub in schema.get("allOf", []):
                names |= set(self._resolve(sub).get("properties", {}))
            closed = frozenset(names)

        def check(v: Any) -> bool:
            if not isinstance(v, dict):
                return True
            if closed is not None and not v.keys() <= closed:
                return False
            for name, value in v.items():
                test = props.get(name)
                if test is not None and not test(value):
                    return False
            return True

        return check
