"""Check recorded requests against Google's published discovery document for Sheets v4.

The document is the one google-api-python-client ships
(``googleapiclient/discovery_cache/documents/sheets.v4.json``), i.e. Google's own
description of every method, parameter, enum and request body. Each request must match a
method's HTTP verb and path template, use only parameters that method (or every method)
takes, with enum values from the document, and send a body whose every field is declared
by the request schema, with the declared types.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import googleapiclient

DOCUMENT = (
    Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "sheets.v4.json"
)


@cache
def document() -> dict[str, Any]:
    return json.loads(DOCUMENT.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _methods(resources: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for res in resources.values():
        out += list(res.get("methods", {}).values())
        out += _methods(res.get("resources", {}))
    return out


def _template(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", path)
    # An id holds no "/" or ":"; a range (a sheet title and cells) may hold both.
    pattern = "".join(
        (r"(?P<range>.+)" if p == "{range}" else r"[^/:]+") if p.startswith("{") else re.escape(p)
        for p in parts
    )
    return re.compile(pattern + "$")


def method_for(http_method: str, path: str) -> dict[str, Any] | None:
    doc = document()
    for m in _methods(doc["resources"]):
        template = m.get("flatPath", m["path"])
        if m["httpMethod"] == http_method and _template(template).match(path.lstrip("/")):
            return m
    return None


def _value_problems(value: Any, schema: dict[str, Any], where: str) -> list[str]:
    doc = document()
    if "$ref" in schema:
        schema = doc["schemas"][schema["$ref"]]
    kind = schema.get("type")
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{where}: expected an object"]
        problems = []
        props = schema.get("properties")
        for key, item in value.items():
            if props is not None and key in props:
                problems += _value_problems(item, props[key], f"{where}.{key}")
            elif "additionalProperties" in schema:
                problems += _value_problems(item, schema["additionalProperties"], f"{where}.{key}")
            else:
                problems.append(f"{where}.{key}: not a field of {schema.get('id', 'the object')}")
        return problems
    if kind == "array":
        if not isinstance(value, list):
            return [f"{where}: expected an array"]
        return [
            p
            for i, v in enumerate(value)
            for p in _value_problems(v, schema["items"], f"{where}[{i}]")
        ]
    if kind == "string":
        if schema.get("format") == "int64" and isinstance(value, int):
            return []
        if not isinstance(value, str):
            return [f"{where}: expected a string"]
        if "enum" in schema and value not in schema["enum"]:
            return [f"{where}: {value!r} is not one of {schema['enum']}"]
        return []
    if kind == "integer":
        return (
            []
            if isinstance(value, int) and not isinstance(value, bool)
            else [f"{where}: expected an integer"]
        )
    if kind == "number":
        return (
            []
            if isinstance(value, int | float) and not isinstance(value, bool)
            else [f"{where}: expected a number"]
        )
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{where}: expected a boolean"]
    return []  # "any"


def problems(http_method: str, path: str, query: dict[str, list[str]], body: Any) -> list[str]:
    """Everything about one request that Google's document does not allow."""
    method = method_for(http_method, path)
    if method is None:
        return [f"{http_method} {path}: no such method in the discovery document"]
    name = method["id"]
    found: list[str] = []
    params = {**document()["parameters"], **method.get("parameters", {})}
    for key, values in query.items():
        spec = params.get(key)
        if spec is None:
            found.append(f"{name}: unknown parameter {key!r}")
            continue
        if len(values) > 1 and not spec.get("repeated"):
            found.append(f"{name}: {key!r} given {len(values)} times")
        for v in values:
            if "enum" in spec and v not in spec["enum"]:
                found.append(f"{name}: {key}={v!r} is not one of {spec['enum']}")
    for key, spec in method.get("parameters", {}).items():
        if spec.get("required") and spec.get("location") == "query" and key not in query:
            found.append(f"{name}: required parameter {key!r} missing")
    request = method.get("request")
    if request is None:
        if body not in (None, {}):
            found.append(f"{name}: takes no body")
    else:
        found += _value_problems(body, request, name)
    return found
