"""Structure of JSON bodies (keys, JSON types, nesting), compared without their values.

``differences(recorded, ours)`` lists where xsim's body has another shape than a real
recorded one: a key the recording has and xsim lacks, a key xsim adds, or another JSON
type. Array items are merged (the union of their keys), so a page of posts compares as one
post shape. Keys the caller names as unmodelled (e.g. ``source``) or as newer than the
recording (e.g. ``edit_history_tweet_ids``, added to the API in 2022) are left out.
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


def merged(items: list[Any]) -> Any:
    """One value standing for every item of an array (objects: the union of keys)."""
    if not items:
        return None
    if all(isinstance(i, dict) for i in items):
        out: dict[str, Any] = {}
        for item in items:
            for key, value in item.items():
                if key in out and isinstance(value, list | dict):
                    out[key] = (
                        merged([out[key], value])
                        if isinstance(value, dict)
                        else (list(out[key]) + list(value))
                    )
                else:
                    out.setdefault(key, value)
        return out
    return items[0]


def differences(
    recorded: Any,
    ours: Any,
    ignore: frozenset[str] = frozenset(),
    newer: frozenset[str] = frozenset(),
    where: str = "$",
) -> list[str]:
    """Where ``ours`` is shaped otherwise than ``recorded`` (keys in ``ignore`` skipped)."""
    if json_type(recorded) != json_type(ours):
        return [f"{where}: recorded {json_type(recorded)}, xsim {json_type(ours)}"]
    if isinstance(recorded, list):
        if not recorded or not ours:
            return []
        return differences(merged(recorded), merged(ours), ignore, newer, f"{where}[]")
    if not isinstance(recorded, dict):
        return []
    out: list[str] = []
    for key in recorded:
        if _ignored(key, f"{where}.{key}", ignore):
            continue
        if key not in ours:
            out.append(f"{where}.{key}: recorded, missing in xsim")
        else:
            out += differences(recorded[key], ours[key], ignore, newer, f"{where}.{key}")
    for key in ours:
        if key not in recorded and key not in newer and not _ignored(key, f"{where}.{key}", ignore):
            out.append(f"{where}.{key}: added by xsim, not in the recording")
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
