"""An OpenAPI document (2.159, or 2.167 for the Post dialect) as a response checker.

``OpenApi.check(path, status, body)`` returns every way a response body breaks the spec:

- schema errors from ``openapi-schema-validator`` (the OAS 3.0 validator, as the document
  declares ``openapi: 3.0.0``), with ``$ref`` resolved through a ``referencing`` registry;
- objects with a ``discriminator`` (a ``Problem``'s ``type``, a media's ``type``) checked
  against the schema their value maps to (the validator does not implement
  ``discriminator``, so this is done by hand);
- field names the schema does not declare. Most objects allow additional properties, so a
  misspelt or invented field would validate; the walker names it instead.

Error bodies are checked against ``Problem``: the spec gives ``default`` two media types
(``application/json`` -> ``Error``, ``application/problem+json`` -> ``Problem``), but the
real API answers Problems with ``application/json`` (every recorded 400/401 does).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_FILES = {
    "2.159": "openapi/x-api-v2-openapi-2.159.json",
    "2.167": "openapi/x-api-v2-openapi-2.167.json",
}
Json = Any


@dataclass
class OpenApi:
    doc: dict[str, Any]
    version: str = "2.159"
    registry: Registry[Any] = field(init=False)

    def __post_init__(self) -> None:
        resource = Resource.from_contents(self.doc, default_specification=DRAFT4)
        self.registry = Registry().with_resource(self.root, resource)

    @property
    def root(self) -> str:
        return f"urn:x-api-v2-{self.version}"

    # -- schema lookup ----------------------------------------------------------------

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        """Follow ``$ref`` (local to the document) until a schema without one."""
        while "$ref" in schema:
            ref = schema["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"external $ref {ref!r}")
            node: Any = self.doc
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            schema = node
        return schema

    def response_schema(self, path: str, status: int, method: str = "get") -> dict[str, Any]:
        """The schema of ``method path`` answering ``status`` (error bodies: ``Problem``)."""
        responses = self.doc["paths"][path][method]["responses"]
        spec = responses.get(str(status))
        if spec is None:
            if status < 400:
                raise KeyError(f"{method.upper()} {path} declares no {status} response")
            return {"$ref": "#/components/schemas/Problem"}
        return dict(spec["content"]["application/json"]["schema"])

    # -- checks -----------------------------------------------------------------------

    def validate(self, schema: dict[str, Any], instance: Json) -> list[str]:
        validator = OAS30Validator(
            _rebase(schema, self.root), registry=self.registry, format_checker=oas30_format_checker
        )
        out = []
        for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.path)):
            where = _pointer(error.absolute_path)
            out.append(f"{where}: {error.message[:300]}")
        return out

    def check(self, path: str, status: int, body: Json, method: str = "get") -> list[str]:
        """Every spec violation of one response body (empty: it conforms)."""
        schema = self.response_schema(path, status, method)
        problems = self.validate(schema, body) + self.walk(schema, body)
        return list(dict.fromkeys(problems))

    def walk(self, schema: dict[str, Any], instance: Json, where: str = "$") -> list[str]:
        """What the validator cannot see: undeclared field names, and each object with a
        ``discriminator`` (a Problem's ``type``, a media's ``type``) checked against the
        schema its value maps to (``openapi-schema-validator`` does not implement it)."""
        out: list[str] = []
        resolved = self.resolve(schema)
        disc = resolved.get("discriminator")
        if disc and isinstance(instance, dict):
            value = instance.get(disc["propertyName"])
            target = disc.get("mapping", {}).get(value)
            if target is None:
                out.append(f"{where}.{disc['propertyName']}: {value!r} is not in the mapping")
            else:
                out += [f"{where}{e[1:]}" for e in self.validate({"$ref": target}, instance)]
        schemas = self._flatten(schema, instance)
        if isinstance(instance, dict):
            declared: dict[str, list[dict[str, Any]]] = {}
            free = False
            typed = False
            for s in schemas:
                if "properties" in s:
                    typed = True
                    for name, sub in s["properties"].items():
                        declared.setdefault(name, []).append(sub)
                extra = s.get("additionalProperties")
                if isinstance(extra, dict):
                    free = True
                    for name in instance:
                        declared.setdefault(name, []).append(extra)
            for name, value in instance.items():
                subs = declared.get(name)
                if subs is None:
                    if typed and not free:
                        out.append(f"{where}.{name}: field not in the spec")
                    continue
                # A field is fine if any of the schemas that declare it accepts it.
                results: list[list[str]] = [
                    self.walk(sub, value, f"{where}.{name}") for sub in subs
                ]
                out += sorted(results, key=len)[0]
        elif isinstance(instance, list):
            for s in schemas:
                if "items" in s:
                    for i, item in enumerate(instance):
                        out += self.walk(s["items"], item, f"{where}[{i}]")
                    break
        return out

    def _flatten(
        self, schema: dict[str, Any], instance: Json, mapped: bool = False
    ) -> list[dict[str, Any]]:
        """The schema and every schema it combines (allOf, oneOf, anyOf), resolved.

        A ``discriminator`` (``Problem``'s ``type``) picks the mapped schema for the instance.
        """
        schema = self.resolve(schema)
        disc = schema.get("discriminator")
        if disc and isinstance(instance, dict) and not mapped:
            target = disc.get("mapping", {}).get(instance.get(disc["propertyName"]))
            if target is not None:  # the mapped schema is allOf [Problem, ...]: no loop
                return self._flatten({"$ref": target}, instance, mapped=True)
        out = [schema]
        for key in ("allOf", "oneOf", "anyOf"):
            for sub in schema.get(key, []):
                out += self._flatten(sub, instance, mapped)
        return out


def _rebase(schema: dict[str, Any], root: str) -> dict[str, Any]:
    """Point local ``$ref`` s at the registered document."""
    text = json.dumps(schema).replace('"#/components/', f'"{root}#/components/')
    return dict(json.loads(text))


def _pointer(parts: Any) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


@cache
def load(x_api_dir: Path, version: str = "2.159") -> OpenApi:
    doc = json.loads((x_api_dir / SPEC_FILES[version]).read_text("utf-8"))
    return OpenApi(doc, version)
