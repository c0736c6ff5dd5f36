"""The sign-in world (``accounts/xpulse_auth_world``) on ``sys.path``: the accounts tests
use it, and so do the api and operations tests that run xpulse against xsim."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "accounts"))
