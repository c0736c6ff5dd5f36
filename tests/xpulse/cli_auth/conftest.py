"""Fixtures of the sign-in and config tests; helpers live in ``xpulse_auth_world``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
