"""Worker fixtures: a throwaway PostgreSQL database, xsim on the real clock, a fleet of
real ``xpulse worker`` processes sharing one XPULSE_HOME and one XPULSE_DB.

PostgreSQL: a database of its own per test, dropped after. Which server, and the skip when
none answers (a failure in CI), ``xpulse_postgres`` says.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from xpulse_postgres import fresh_database, pg_admin_url

from xpulse.accounts.tokens import FileTokenStore, TokenRecord
from xsim.clock import RealClock
from xsim.server.http import build_app, serve_app
from xsim.world.generate import generate_world
from xsim.world.generate_people import GenerateOptions
from xsim.world.model import World

XPULSE = str(Path(sys.executable).with_name("xpulse"))
SRC = Path(__file__).resolve().parents[3] / "src"


@pytest.fixture(scope="session")
def pg_admin() -> str:
    return pg_admin_url()


@pytest.fixture
def pg_url(pg_admin: str) -> Iterator[str]:
    """A fresh database per test (workers, the job queue and the store all in it)."""
    with fresh_database(pg_admin, "xpulse_jobs") as url:
        yield url


@dataclass
class Fleet:
    """xsim, a config of ``len(names)`` signed-in accounts, and worker processes."""

    url: str
    world: World
    home: Path
    db: str
    names: list[str]
    env: dict[str, str]
    workers: list[subprocess.Popen[str]] = field(default_factory=list)

    def xpulse(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [XPULSE, *args], env=self.env, capture_output=True, text=True, timeout=timeout,
            check=False,
        )  # fmt: skip

    def start_worker(self, *args: str) -> subprocess.Popen[str]:
        with open(self.home / f"worker-{len(self.workers)}.log", "w") as log:
            proc = subprocess.Popen(
                [XPULSE, "worker", *args], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                text=True, start_new_session=True,
            )  # fmt: skip
        self.workers.append(proc)
        return proc

    def stop_workers(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.workers:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def logs(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.home.glob("worker-*.log")))

    def sql(self, query: str, **params: Any) -> list[Any]:
        engine = create_engine(self.db)
        try:
            with engine.connect() as conn:
                return list(conn.execute(text(query), params))
        finally:
            engine.dispose()

    def sql_count(self, query: str) -> int:
        try:
            return int(self.sql(query)[0][0])
        except Exception:  # the table is made by the first worker
            return 0

    def sql_exec(self, statement: str, **params: Any) -> None:
        engine = create_engine(self.db)
        try:
            with engine.begin() as conn:
                conn.execute(text(statement), params)
        finally:
            engine.dispose()

    def wait_jobs_done(self, expected: int, timeout: float = 240) -> None:
        """Until ``expected`` accounts' jobs of the queue are over (succeeded or failed); the
        periodic jobs of every account (the tick, the budget alerts) do not count."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = self.sql(
                "SELECT count(*) FROM procrastinate_jobs "
                "WHERE status IN ('succeeded', 'failed') AND args ? 'account'"
            )[0][0]
            if done >= expected:
                return
            time.sleep(0.3)
        raise AssertionError(f"jobs not done in {timeout} s:\n{self.logs()[-4000:]}")

    def ledger(self) -> dict[str, Any]:
        return httpx.get(f"{self.url}/_sim/ledger", timeout=10).json()  # type: ignore[no-any-return]


def write_config(
    fleet: Fleet, budget: float = 50.0, history_days: int = 30, extra: str = ""
) -> None:
    app = next(a for a in fleet.world.apps.values() if a.client_secret)
    lines = [
        f"monthly_budget_usd = {budget}", f"history_days = {history_days}", "",
        "[api]", f'base_url = "{fleet.url}"', f'client_id = "{app.client_id}"', "",
    ]  # fmt: skip
    for name, token in zip(fleet.names, fleet.world.tokens, strict=False):
        user = fleet.world.users[token.user_id]
        owns = app.owner is None or app.owner == user.id  # X's owned-reads price, as xsim bills
        lines += ["[[accounts]]", f'name = "{name}"', f'username = "{user.username}"']
        lines += [f"owns_app = {str(owns).lower()}", ""]
    (fleet.home / "config.toml").write_text("\n".join([*lines, extra]), encoding="utf-8")


def sign_in(fleet: Fleet) -> None:
    """The token store as ``xpulse auth login`` leaves it, one record per account."""
    store = FileTokenStore(fleet.home / "state" / "tokens")
    app = next(a for a in fleet.world.apps.values() if a.client_secret)
    for name, token in zip(fleet.names, fleet.world.tokens, strict=False):
        store.save(
            TokenRecord(
                account=name,
                access_token=token.access_token,
                refresh_token=token.refresh_token,
                expires_at=token.expires_at,
                user_id=token.user_id,
                client_id=app.client_id,
                api_base=fleet.url,
            )
        )


FleetFactory = Callable[..., Fleet]


@pytest.fixture
def fleet_factory(pg_url: str, isolated_env: Path, tmp_path: Path) -> Iterator[FleetFactory]:
    fleets: list[Fleet] = []
    servers: list[Any] = []

    def make(users: int = 4, posts_per_week: float = 30, wrap: Any = None) -> Fleet:
        now = datetime.now(UTC).replace(microsecond=0)
        world = generate_world(
            GenerateOptions(seed=7, users=users, days=20, now=now, posts_per_week=posts_per_week)
        )
        app = build_app(world, clock=RealClock())
        server = serve_app(wrap(app) if wrap else app)
        url = server.__enter__()
        servers.append(server)
        secret = next(a for a in world.apps.values() if a.client_secret).client_secret or ""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("XPULSE_", "X_", "SLACK_"))}
        env.update(XPULSE_HOME=str(isolated_env), XPULSE_DB=pg_url, XPULSE_TOKEN_STORE="file",
                   XPULSE_CLIENT_SECRET=secret)  # fmt: skip
        names = [f"acct{i:02d}" for i in range(users)]
        fleet = Fleet(url, world, isolated_env, pg_url, names, env)
        write_config(fleet)
        sign_in(fleet)
        fleets.append(fleet)
        return fleet

    yield make
    for fleet in fleets:
        fleet.stop_workers()
    for server in servers:
        server.__exit__(None, None, None)
