"""Fixtures of the wall-clock suite (helpers in ``e2e_stack``): a fresh home with the
owner's token in its environment, and the demo's local Slack and SMTP receivers."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "xpulse" / "operations"))

from e2e_stack import Home
from e2e_world import ACCESS_TOKEN
from xpulse_run_stack import load_demo


@pytest.fixture
def home(isolated_env: Path) -> Home:
    return Home(isolated_env, {"XPULSE_ACCESS_TOKEN_MAIN": ACCESS_TOKEN})


@pytest.fixture
def receivers() -> Iterator[tuple[Any, Any]]:
    demo = load_demo()
    with demo.SlackReceiver() as slack, demo.MailReceiver().running() as mail:
        yield slack, mail
