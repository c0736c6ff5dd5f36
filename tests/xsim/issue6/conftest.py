"""Fixtures for the issue 6 tests (analytics, Engagement API, OAuth 1.0a).

The helpers live in ``issue6_support.py`` beside this file (``--import-mode=importlib`` puts
no test folder on ``sys.path``, so this conftest adds it).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from issue6_support import Client, make_client


@pytest.fixture
def client() -> Iterator[Client]:
    c = make_client()
    yield c
    c.close()
