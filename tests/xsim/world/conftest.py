"""Fixtures for the world tests: the committed example and small generated worlds."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from xsim.world.document import world_to_json
from xsim.world.generate import GenerateOptions, generate_world
from xsim.world.model import World

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "world-small.json"
NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def example_doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(EXAMPLE.read_text("utf-8"))
    return doc


@pytest.fixture
def doc(example_doc: dict[str, Any]) -> dict[str, Any]:
    """A fresh copy of the example document for a test to break."""
    return copy.deepcopy(example_doc)


@pytest.fixture(scope="session")
def small_world() -> World:
    """Three users, 60 days, default volume."""
    return generate_world(GenerateOptions(seed=11, users=3, days=60, now=NOW))


@pytest.fixture(scope="session")
def busy_world() -> World:
    """Four users posting 60 a week for 120 days: enough posts to see every planted effect."""
    return generate_world(GenerateOptions(seed=5, users=4, days=120, now=NOW, posts_per_week=60.0))


@pytest.fixture(scope="session")
def small_doc(small_world: World) -> dict[str, Any]:
    return world_to_json(small_world)
