"""A fake :class:`xpulse.operations.schedule.System` and a config writer for the schedule tests."""

from __future__ import annotations

from pathlib import Path


class FakeSystem:
    """Records what would have been run; holds a crontab in memory."""

    def __init__(self, unit_dir: Path, systemd: bool, crontab: str = "") -> None:
        self.unit_dir = unit_dir
        self.systemd = systemd
        self.crontab = crontab
        self.commands: list[tuple[str, ...]] = []

    def has_systemd(self) -> bool:
        return self.systemd

    def read_crontab(self) -> str:
        return self.crontab

    def write_crontab(self, text: str) -> None:
        self.crontab = text

    def systemctl(self, *args: str) -> None:
        self.commands.append(args)


def write_config(home: Path, cadence: str, zones: list[str | None], *, files: bool = True) -> None:
    lines = ['timezone = "Europe/Berlin"', "[delivery]", f'cadence = "{cadence}"', ""]
    if files:
        lines += ["[delivery.files]", f'folder = "{home / "reports"}"', ""]
    for i, zone in enumerate(zones):
        lines += ["[[accounts]]", f'name = "acct{i}"', f'username = "user{i}"']
        lines += [f'timezone = "{zone}"'] if zone else []
    (home / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
