"""Changing one setting in the config file the person keeps: comments, order and layout
stay as they wrote them (tomlkit), and the file is replaced atomically, never half-written.
"""

from __future__ import annotations

import stat
from pathlib import Path

import tomlkit
from tomlkit.items import AoT, Comment, Table

from xpulse.config.settings import parse_config
from xpulse.errors import ConfigError
from xpulse.fsutil import write_atomic

OWNS_APP_NOTE = "does this sign-in own the developer app? its own posts cost $0.001 if so"


def set_owns_app(path: Path, account: str, owns_app: bool) -> None:
    """Store whether ``account``'s sign-in owns the developer app (``owns_app``), replacing
    the commented-out line ``xpulse init`` leaves when it was not known."""
    text = path.read_text(encoding="utf-8")
    doc = tomlkit.parse(text)
    entries = doc.get("accounts")
    found = [e for e in entries if e.get("name") == account] if isinstance(entries, AoT) else []
    entry = found[0] if found else None
    if not isinstance(entry, Table):
        raise ConfigError(f"{path}: no [[accounts]] entry named {account!r}")
    body = entry.value.body
    body[:] = [
        (k, v)
        for k, v in body
        if not (isinstance(v, Comment) and v.as_string().lstrip("# ").startswith("owns_app"))
    ]
    if "owns_app" in entry:
        entry["owns_app"] = owns_app
    else:
        entry.add("owns_app", tomlkit.item(owns_app).comment(f"{OWNS_APP_NOTE}, else $0.005"))
    new = tomlkit.dumps(doc)
    parse_config(tomlkit.loads(new).unwrap(), path)  # refuse to write what cannot load
    write_atomic(path, new, mode=stat.S_IMODE(path.stat().st_mode))
