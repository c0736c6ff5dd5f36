"""The environment a scheduled ``xpulse run`` gets, and how each part is written safely.

A crontab line and a systemd unit are readable by anything that can list the schedule
(``crontab -l``, ``systemctl --user cat``, a backup, a support paste), and ``schedule
install`` prints them. So they carry only non-secret settings (:data:`PASSED`); a setting
that may hold a secret (:data:`SECRET`: ``XPULSE_DB`` may be a URL with a password) goes
into ``run.env`` beside the config, mode 600, which the cron line sources and the unit
names in ``EnvironmentFile=``.

``run.env`` is shared with the user (who may keep other secrets there), so only the lines
this module wrote (each after a :data:`MARK` comment) are replaced or removed. Values are
written in double quotes with ``" \\ $ `` and backquote escaped: a POSIX shell and systemd's
env-file parser read that the same way.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

from xpulse.config.env import SCHEDULED
from xpulse.config.paths import home_dir

PASSED = tuple(v.name for v in SCHEDULED if not v.secret)  # on the cron line and in Environment=
SECRET = tuple(v.name for v in SCHEDULED if v.secret)  # only in run.env
MARK = "# written by `xpulse schedule install` (replaced on each install):"

_SHELL_ESCAPE = re.compile(r'(["\\$`])')
_PLAIN_UNIT_ARG = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")


def env_file() -> Path:
    """Optional ``KEY=value`` lines (mode 600) the job reads its secrets from."""
    return home_dir() / "run.env"


def passed_env() -> dict[str, str]:
    """Non-secret settings the job must see as this shell does."""
    return {k: os.environ[k] for k in PASSED if os.environ.get(k)}


def secret_env() -> dict[str, str]:
    """Settings of this shell that may hold a secret and go only into :func:`env_file`."""
    return {k: os.environ[k] for k in SECRET if os.environ.get(k)}


def env_file_value(value: str) -> str:
    """``value`` double-quoted for a line of ``run.env`` (shell and systemd alike)."""
    return '"' + _SHELL_ESCAPE.sub(r"\\\1", value) + '"'


def cron_text(text: str) -> str:
    """Cron turns an unescaped ``%`` in a command into a newline."""
    return text.replace("%", "\\%")


def unit_env_value(key: str, value: str) -> str:
    """An ``Environment="KEY=value"`` assignment: C escapes inside the quotes, ``%%`` for a
    percent sign (systemd expands ``%`` specifiers in unit settings)."""
    inner = f"{key}={value}".replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'Environment="{unit_text(inner)}"'


def unit_text(text: str) -> str:
    """``text`` with systemd's ``%`` specifiers escaped."""
    return text.replace("%", "%%")


def unit_arg(arg: str) -> str:
    """One word of ``ExecStart=``: ``%`` and ``$`` (variable expansion) escaped, and quoted
    with C escapes when it holds anything but plain path characters."""
    if _PLAIN_UNIT_ARG.fullmatch(arg):
        return unit_text(arg)
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + unit_text(escaped).replace("$", "$$") + '"'


def _assigns(line: str, keys: set[str]) -> bool:
    name = line.strip().removeprefix("export ").split("=", 1)[0].strip()
    return "=" in line and name in keys


def _rewrite(path: Path, values: Mapping[str, str]) -> bool:
    """Drop the lines an earlier install wrote (and any other line assigning one of
    ``values``), then add ``values``. Returns whether the file changed."""
    old = path.read_text("utf-8").splitlines() if path.exists() else []
    kept: list[str] = []
    skip_next = False
    for line in old:
        if skip_next:
            skip_next = False
            if "=" in line:
                continue
        if line.strip() == MARK:
            skip_next = True
            continue
        if not _assigns(line, set(values)):
            kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    for key, value in values.items():
        kept += [MARK, f"{key}={env_file_value(value)}"]
    if kept == old:
        if values:
            os.chmod(path, 0o600)  # whatever became of its mode since
        return False
    if not kept:
        path.unlink()
        return True
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written to a private temporary file then renamed: never readable by others, not even
    # for a moment, and a crash leaves the old file whole.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".run.env.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("\n".join(kept) + "\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def store_secrets() -> list[str]:
    """Put this shell's secret settings into ``run.env`` (mode 600); says so, not the values."""
    path = env_file()
    values = secret_env()
    if not _rewrite(path, values):
        return []
    if not values:
        return [f"removed the settings an earlier install wrote to {path}"]
    names = ", ".join(values)
    return [f"wrote {names} to {path} (mode 600; the job reads it from there, not shown here)"]


def forget_secrets() -> list[str]:
    """Take out of ``run.env`` what :func:`store_secrets` wrote; the user's own lines stay."""
    path = env_file()
    if not path.exists() or not _rewrite(path, {}):
        return []
    return [f"removed the settings `xpulse schedule install` wrote to {path}"]
