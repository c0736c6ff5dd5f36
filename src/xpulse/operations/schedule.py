"""Run ``xpulse run`` on the configured cadence: a crontab entry or a systemd user timer.

Where systemd manages the machine and a user session answers (``systemctl --user``), a
timer is used: it runs a missed job after a reboot (``Persistent=true``) and logs to the
journal. Elsewhere a block in the user's crontab. Either way the cadence is in the
account's time zone: ``OnCalendar=Mon *-*-* 09:00:00 Europe/Berlin`` or ``CRON_TZ=`` (cronie
and most current crons honour it; the block is kept last in the crontab because
``CRON_TZ`` applies to the lines after it).

Accounts sharing one cadence and time zone share one entry; the others get one each.
No secret is ever written into a crontab or a unit, nor printed: the job reads them as
``xpulse run`` always does (token store, keyring), or from ``run.env`` in XPULSE_HOME's
config folder (mode 600), which the entry sources if present and where ``install`` puts
``XPULSE_DB`` (a database URL may hold a password); see :mod:`xpulse.operations.schedule_env`.

The commands (``crontab``, ``systemctl``) go through a :class:`System`, so tests use a fake.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from shlex import quote
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from xpulse.config.delivery import Cadence
from xpulse.config.paths import state_dir
from xpulse.config.settings import Config, account_timezone
from xpulse.errors import ConfigError, NoAccounts, NoScheduler, ScheduleError
from xpulse.operations.schedule_env import (
    cron_text,
    env_file,
    forget_secrets,
    passed_env,
    store_secrets,
    unit_arg,
    unit_env_value,
    unit_text,
)

Backend = Literal["cron", "systemd"]
BEGIN = "# BEGIN xpulse schedule (managed by `xpulse schedule`; do not edit)"
END = "# END xpulse schedule"
UNIT_PREFIX = "xpulse-run"
_DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Entry:
    """One scheduled job: which accounts, when, in which time zone."""

    name: str  # unit name stem, also the cron comment
    accounts: tuple[str, ...]  # () = every account
    cadence: Cadence
    tz: str

    def argv(self, program: list[str]) -> list[str]:
        out = [*program, "run"]
        for account in self.accounts:
            out += ["--account", account]
        return out


def entries(config: Config) -> list[Entry]:
    """The jobs the config asks for: one if every account shares the zone, else one each."""
    if not config.accounts:
        raise NoAccounts(config.path, "nothing to schedule")
    cadence = config.delivery.cadence_spec()
    zones = {a.name: account_timezone(config, a) for a in config.accounts}
    if len(set(zones.values())) == 1:
        return [Entry(UNIT_PREFIX, (), cadence, next(iter(zones.values())))]
    return [
        Entry(f"{UNIT_PREFIX}-{name.lower()}", (name,), cadence, tz) for name, tz in zones.items()
    ]


# -- when ---------------------------------------------------------------------------------------


def _matches(cadence: Cadence, day: date) -> bool:
    if cadence.weekdays:
        return day.weekday() in cadence.weekdays
    if cadence.day_of_month is not None:
        return day.day == cadence.day_of_month
    return True


def next_run(cadence: Cadence, tz: str, now: datetime) -> datetime:
    """The first run strictly after ``now``, as an aware datetime in ``tz``."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    for offset in range(0, 400):
        day = local.date() + timedelta(days=offset)
        if not _matches(cadence, day):
            continue
        # A wall time in a DST gap (02:30 on spring-forward day) does not exist; the round
        # trip reads it with the old offset, i.e. 03:30, as elapsed time would have it.
        at = datetime.combine(day, time(cadence.hour, cadence.minute), zone)
        at = at.astimezone(ZoneInfo("UTC")).astimezone(zone)
        if at > now:
            return at
    raise ScheduleError(f"cadence {cadence.text!r} never runs")  # pragma: no cover


# -- what is written ------------------------------------------------------------------------------


def program() -> list[str]:
    """How the job starts xpulse: the installed script beside this Python, else ``-c``."""
    script = Path(sys.executable).parent / "xpulse"
    if script.exists():
        return [str(script)]
    found = shutil.which("xpulse")
    if found:
        return [found]
    return [sys.executable, "-c", "from xpulse.cli import main; main()"]


def cron_lines(entry: Entry, prog: list[str]) -> list[str]:
    c = entry.cadence
    dow = ",".join(str((d + 1) % 7) for d in c.weekdays) if c.weekdays else "*"
    dom = str(c.day_of_month) if c.day_of_month is not None else "*"
    envs = " ".join(f"{k}={quote(v)}" for k, v in passed_env().items())
    source = f"set -a; [ -r {quote(str(env_file()))} ] && . {quote(str(env_file()))}; set +a;"
    log = state_dir() / "run.log"
    command = " ".join(quote(a) for a in entry.argv(prog))
    job = f"{source} {envs + ' ' if envs else ''}exec {command} >> {quote(str(log))} 2>&1"
    return [
        f"# {entry.name}: {c.text} ({entry.tz})",
        f"CRON_TZ={entry.tz}",
        f"{c.minute} {c.hour} {dom} * {dow} {cron_text(job)}",
    ]


def on_calendar(entry: Entry) -> str:
    c = entry.cadence
    days = ",".join(_DAY_ABBR[d] for d in c.weekdays) + " " if c.weekdays else ""
    dom = f"{c.day_of_month:02d}" if c.day_of_month is not None else "*"
    return f"{days}*-*-{dom} {c.hour:02d}:{c.minute:02d}:00 {entry.tz}"


def systemd_units(entry: Entry, prog: list[str]) -> dict[str, str]:
    env_lines = "".join(unit_env_value(k, v) + "\n" for k, v in passed_env().items())
    command = " ".join(unit_arg(a) for a in entry.argv(prog))
    service = (
        "[Unit]\n"
        f"Description=xpulse run ({unit_text(entry.cadence.text)}, {entry.tz})\n\n"
        "[Service]\n"
        "Type=oneshot\n"
        f"{env_lines}"
        f"EnvironmentFile=-{unit_text(str(env_file()))}\n"
        f"ExecStart={command}\n"
    )
    timer = (
        "[Unit]\n"
        f"Description=xpulse run: {unit_text(entry.cadence.text)} ({entry.tz})\n\n"
        "[Timer]\n"
        f"OnCalendar={on_calendar(entry)}\n"
        "Persistent=true\n\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )
    return {f"{entry.name}.service": service, f"{entry.name}.timer": timer}


# -- the machine ----------------------------------------------------------------------------------


class System(Protocol):
    """The commands a schedule needs; :class:`RealSystem` runs them, tests fake them."""

    unit_dir: Path

    def has_systemd(self) -> bool: ...
    def read_crontab(self) -> str: ...
    def write_crontab(self, text: str) -> None: ...
    def systemctl(self, *args: str) -> None: ...


class RealSystem:
    def __init__(self) -> None:
        config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        self.unit_dir = Path(config_home) / "systemd" / "user"

    def has_systemd(self) -> bool:
        """systemd is PID 1 (its sd_booted test) and the user manager answers."""
        if not Path("/run/systemd/system").is_dir() or shutil.which("systemctl") is None:
            return False
        probe = subprocess.run(
            ["systemctl", "--user", "show-environment"], capture_output=True, timeout=15
        )
        return probe.returncode == 0

    def read_crontab(self) -> str:
        if shutil.which("crontab") is None:
            raise NoScheduler("neither crontab nor a systemd user session is available here")
        done = subprocess.run(["crontab", "-l"], capture_output=True, text=True, timeout=15)
        if done.returncode != 0:
            if "no crontab" in done.stderr.lower():
                return ""
            raise ScheduleError(f"crontab -l failed: {done.stderr.strip().splitlines()[0]}")
        return done.stdout

    def write_crontab(self, text: str) -> None:
        done = subprocess.run(
            ["crontab", "-"], input=text, capture_output=True, text=True, timeout=15
        )
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["unknown error"])[0]
            raise ScheduleError(f"crontab refused the new table: {reason}")

    def systemctl(self, *args: str) -> None:
        done = subprocess.run(
            ["systemctl", "--user", *args], capture_output=True, text=True, timeout=30
        )
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["unknown error"])[0]
            raise ScheduleError(f"systemctl --user {' '.join(args)} failed: {reason}")


def _without_block(crontab: str) -> list[str]:
    out, inside = [], False
    for line in crontab.splitlines():
        if line.strip() == BEGIN:
            inside = True
        elif line.strip() == END and inside:
            inside = False
        elif not inside:
            out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return out


def _block(crontab: str) -> list[str]:
    lines = crontab.splitlines()
    if BEGIN not in lines:
        return []
    start = lines.index(BEGIN)
    end = lines.index(END, start) if END in lines[start:] else len(lines)
    return lines[start : end + 1]


def backend(system: System, wanted: Backend | None) -> Backend:
    if wanted is not None:
        return wanted
    return "systemd" if system.has_systemd() else "cron"


def install(config: Config, system: System, wanted: Backend | None = None) -> list[str]:
    """Write the entries; returns lines saying exactly what was written and run."""
    jobs = entries(config)
    bare = _without_destination(config)
    if len(bare) == len(config.accounts):
        raise ConfigError(
            f"{config.path}: no destination is configured under [delivery] (slack, email, "
            "files or sheets): a scheduled run would deliver nothing; add one, then install"
        )
    prog = program()
    chosen = backend(system, wanted)
    if chosen == "cron":
        try:
            system.read_crontab()
        except NoScheduler as exc:
            state_dir().mkdir(parents=True, exist_ok=True)  # the lines append to run.log
            manual = manual_lines(jobs, prog) + store_secrets()
            raise NoScheduler(
                f"{exc}, so nothing was installed; install the lines above by hand, then "
                "check with: xpulse schedule show",
                manual,
            ) from None
    # Whatever an earlier install left that this one replaces: the other backend's entries,
    # or timers of accounts that now share an entry. One job must not run twice.
    out = _remove_units(system, set() if chosen == "cron" else {j.name for j in jobs})
    if chosen == "cron":
        if out:
            system.systemctl("daemon-reload")
            out.append("ran: systemctl --user daemon-reload")
        state_dir().mkdir(parents=True, exist_ok=True)  # cron cannot append to run.log else
        current = system.read_crontab()
        block = [BEGIN] + [line for e in jobs for line in cron_lines(e, prog)] + [END]
        kept = _without_block(current)
        system.write_crontab("\n".join([*kept, *([""] if kept else []), *block]) + "\n")
        out.append("wrote these lines at the end of your crontab (crontab -l shows them):")
        out += [f"  {line}" for line in block]
    else:
        out += _remove_cron_block(system)
        system.unit_dir.mkdir(parents=True, exist_ok=True)
        for job in jobs:
            for filename, text in systemd_units(job, prog).items():
                path = system.unit_dir / filename
                path.write_text(text, encoding="utf-8")
                out.append(f"wrote {path}:")
                out += [f"  {line}" for line in text.splitlines()]
        system.systemctl("daemon-reload")
        out.append("ran: systemctl --user daemon-reload")
        for job in jobs:
            system.systemctl("enable", "--now", f"{job.name}.timer")
            out.append(f"ran: systemctl --user enable --now {job.name}.timer")
    out += [
        f"warning: account {name!r} has no destination; its runs deliver nothing" for name in bare
    ]
    out += store_secrets()
    out.append(
        f"secrets the job needs from the environment go in {env_file()} (KEY=value, chmod 600)"
    )
    return out


def manual_lines(jobs: list[Entry], prog: list[str]) -> list[str]:
    """The crontab block and the systemd units, to install by hand where neither runs."""
    block = [BEGIN] + [line for e in jobs for line in cron_lines(e, prog)] + [END]
    out = ["Either add these lines to your crontab (`crontab -e`, a cron honouring CRON_TZ):"]
    out += [f"  {line}" for line in block]
    timers = " ".join(f"{job.name}.timer" for job in jobs)
    out.append(
        "or save these systemd user units in ~/.config/systemd/user/ and run "
        f"`systemctl --user daemon-reload` and `systemctl --user enable --now {timers}`:"
    )
    for job in jobs:
        for filename, text in systemd_units(job, prog).items():
            out.append(f"  --- {filename} ---")
            out += [f"  {line}" for line in text.splitlines()]
    out.append(f"secrets the job needs from the environment go in {env_file()} (chmod 600)")
    return out


def _without_destination(config: Config) -> list[str]:
    """Accounts with nothing to deliver to (their secrets are checked by each run)."""
    out = []
    for account in config.accounts:
        dests = config.delivery.for_account(account.name)
        if not (dests.slack or dests.email or dests.files or dests.sheets):
            out.append(account.name)
    return out


def _installed_units(system: System) -> list[str]:
    if not system.unit_dir.is_dir():
        return []
    return sorted(p.stem for p in system.unit_dir.glob(f"{UNIT_PREFIX}*.timer"))


def show(config: Config, system: System, now: datetime) -> list[str]:
    """Where the schedule is installed and when each entry runs next."""
    out: list[str] = []
    units = _installed_units(system)
    block: list[str] = []
    try:
        block = _block(system.read_crontab())
    except (ScheduleError, NoScheduler) as exc:
        if not units and not system.has_systemd():
            out.append(
                f"no scheduler here ({exc}): nothing is installed; `xpulse schedule install` "
                "prints the lines to install by hand"
            )
    if units:
        out.append(f"installed as systemd user timers: {', '.join(units)} in {system.unit_dir}")
    if block:
        out.append(f"installed in your crontab ({len(block) - 2} lines between the markers)")
    if not units and not block:
        out.append("not installed; `xpulse schedule install` would run:")
    for job in entries(config):
        at = next_run(job.cadence, job.tz, now)
        who = ", ".join(job.accounts) or "every account"
        utc = at.astimezone(ZoneInfo("UTC"))
        out.append(
            f"{job.name} ({who}): {job.cadence.text} {job.tz}; next run "
            f"{at:%a %Y-%m-%d %H:%M} {at.tzname()} ({utc:%Y-%m-%d %H:%M} UTC)"
        )
    return out


def _remove_units(system: System, keep: set[str]) -> list[str]:
    out: list[str] = []
    for name in _installed_units(system):
        if name in keep:
            continue
        system.systemctl("disable", "--now", f"{name}.timer")
        out.append(f"ran: systemctl --user disable --now {name}.timer")
        for suffix in (".timer", ".service"):
            path = system.unit_dir / f"{name}{suffix}"
            if path.exists():
                path.unlink()
                out.append(f"removed {path}")
    return out


def _remove_cron_block(system: System) -> list[str]:
    try:
        current = system.read_crontab()
    except (ScheduleError, NoScheduler):
        return []
    if BEGIN not in current.splitlines():
        return []
    kept = _without_block(current)
    system.write_crontab("\n".join(kept) + "\n" if kept else "")
    return ["removed the xpulse block from your crontab"]


def remove(system: System) -> list[str]:
    """Take out whatever ``install`` wrote; says what it removed."""
    out = _remove_units(system, set())
    if out:
        system.systemctl("daemon-reload")
        out.append("ran: systemctl --user daemon-reload")
    out += _remove_cron_block(system)
    out += forget_secrets()
    return out or ["nothing to remove: no xpulse schedule is installed"]
