"""Where xpulse keeps its files.

``XPULSE_HOME`` puts everything (config, data, state) under one directory, which is what
tests, containers and cron jobs want. Without it the platform's user directories are used.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from xpulse.config.env import HOME

APP_NAME = "xpulse"


def home_dir() -> Path:
    """``$XPULSE_HOME``, or the user config directory of the platform."""
    env = os.environ.get(HOME.name, "").strip()
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME))


def config_path() -> Path:
    """The TOML config file that ``xpulse init`` writes."""
    return home_dir() / "config.toml"


def data_dir() -> Path:
    """Where the default SQLite database lives."""
    if os.environ.get(HOME.name, "").strip():
        return home_dir() / "data"
    return Path(platformdirs.user_data_dir(APP_NAME))


def state_dir() -> Path:
    """Tokens and lock files (kept apart from data so a backup can leave them out)."""
    if os.environ.get(HOME.name, "").strip():
        return home_dir() / "state"
    return Path(platformdirs.user_state_dir(APP_NAME))
