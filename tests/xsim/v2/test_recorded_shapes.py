"""xsim's bodies have the same shape as the real recordings in ../shared/x-api/recorded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from xsim_api_support import ALICE, BEARER, Api

pytestmark = pytest.mark.shared
REC = "recorded/academictwitteR_decoded"


def recorded(x_api_dir: Path, name: str) -> dict[str, Any]:
    return dict(json.loads((x_api_dir / REC / name).read_text("utf-8")))


def test_not_found_partial_error_has_the_recorded_keys(api: Api, x_api_dir: Path) -> None:
    real = recorded(x_api_dir, "tweets-da6002.json")["body"]["errors"][0]
    ours = api.get("/2/tweets", BEARER, ids="1,20").json()["errors"][0]
    assert ours == real  # same id, same words: the recorded "Could not find tweet" entry


def test_invalid_request_body_matches_the_recording(api: Api, x_api_dir: Path) -> None:
    real = recorded(x_api_dir, "users-208538.json")
    ours = api.get("/2/tweets", BEARER, ids="NA,NA,NA")
    assert ours.status_code == real["status_code"] == 400
    assert ours.json() == real["body"]


def test_401_matches_the_recording(api: Api, x_api_dir: Path) -> None:
    real = recorded(x_api_dir, "tweets__search__all-90b063.json")
    ours = api.get("/2/users/me", None)
    assert ours.json() == real["body"]
    assert not any(h.startswith("x-rate-limit") for h in real["headers"])
    assert not any(h.startswith("x-rate-limit") for h in ours.headers)


def test_timeline_meta_keys_match_the_recorded_second_page(api: Api, x_api_dir: Path) -> None:
    real = recorded(x_api_dir, "users__460255655__tweets-87f62e.json")["body"]["meta"]
    first = api.get(f"/2/users/{ALICE}/tweets", BEARER).json()["meta"]
    second = api.get(
        f"/2/users/{ALICE}/tweets", BEARER, pagination_token=first["next_token"]
    ).json()["meta"]
    assert set(second) == set(real)
    assert set(real["next_token"]) <= set("0123456789abcdefghijklmnopqrstuvwxyz")
    assert set(second["next_token"]) <= set("0123456789abcdefghijklmnopqrstuvwxyz")
