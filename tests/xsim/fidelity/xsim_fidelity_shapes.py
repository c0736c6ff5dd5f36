"""Structure of JSON bodies (keys, JSON types, nesting), compared without their values.

``differences(recorded, ours)`` lists where xsim's body has another shape than a real
recorded one: a key every recorded object at a path has and xsim never sends there, or a
key sent with another JSON type. Array positions fold into ``[]``, so a page of posts
compares as one post shape. Keys the caller names as unmodelled (e.g. ``source``) are left
out.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

RECORDED = "recorded"


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def objects(
    body: Any, where: str = "$", out: dict[str, list[dict[str, Any]]] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Every object in ``body`` grouped by its path (array positions folded into ``[]``)."""
    out = {} if out is None else out
    if isinstance(body, dict):
        out.setdefault(where, []).append(body)
        for key, value in body.items():
            objects(value, f"{where}.{key}", out)
    elif isinstance(body, list):
        for item in body:
            objects(item, f"{where}[]", out)
    return out


def differences(recorded: Any, ours: Any, ignore: frozenset[str] = frozenset()) -> list[str]:
    """Where ``ours`` is shaped otherwise than ``recorded``, object path by object path.

    A key counts as missing when every recorded object at that path has it and no xsim
    object there does (so one sample's optional fields do not decide); a key both have
    must have a JSON type in common. Keys xsim adds are judged by the OpenAPI crawl, not
    here. ``ignore`` holds key names (``source``) or path suffixes (``users[].entities``).
    """
    ours_at = objects(ours)
    out: list[str] = []
    for where, recs in objects(recorded).items():
        mine = ours_at.get(where)
        if not mine:
            continue
        required = set.intersection(*(set(r) for r in recs))
        have = set().union(*(set(o) for o in mine))
        for key in sorted(required - have):
            if not _ignored(key, f"{where}.{key}", ignore):
                out.append(f"{where}.{key}: recorded, missing in xsim")
        for key in sorted(set().union(*(set(r) for r in recs)) & have):
            theirs = {json_type(r[key]) for r in recs if key in r}
            types = {json_type(o[key]) for o in mine if key in o}
            if not theirs & types and not _ignored(key, f"{where}.{key}", ignore):
                out.append(f"{where}.{key}: recorded {sorted(theirs)}, xsim {sorted(types)}")
    return out


def _ignored(key: str, path: str, ignore: frozenset[str]) -> bool:
    """``ignore`` holds key names (``source``) or path suffixes (``users[].entities``)."""
    return key in ignore or any(path.endswith("." + entry) for entry in ignore if "." in entry)


def load_recording(x_api_dir: Path, name: str) -> dict[str, Any]:
    """An ``academictwitteR_decoded`` response: ``{url, status_code, headers, body}``."""
    path = x_api_dir / RECORDED / "academictwitteR_decoded" / f"{name}.json"
    doc: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return doc


def load_vcr(x_api_dir: Path, name: str) -> list[dict[str, Any]]:
    """The interactions of a ``tweepy_vcr_decoded`` cassette."""
    path = x_api_dir / RECORDED / "tweepy_vcr_decoded" / f"{name}.json"
    interactions: list[dict[str, Any]] = json.loads(path.read_text("utf-8"))["interactions"]
    return interactions


def load_twarc(x_api_dir: Path, name: str) -> list[dict[str, Any]]:
    """The pages of a ``twarc_csv_testdata`` file (each with twarc's ``__twarc`` stamp)."""
    path = x_api_dir / RECORDED / "twarc_csv_testdata" / f"{name}.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def query_of(url: str) -> dict[str, str]:
    """The query parameters of a recorded URL."""
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
