"""The procrastinate app on the store's PostgreSQL, with xpulse's tasks."""

from __future__ import annotations

import procrastinate

from xpulse.jobs.engine import conninfo
from xpulse.jobs.tasks import blueprint


def make_app(db_url: str) -> procrastinate.App:
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo(db_url)),
        periodic_defaults={"max_delay": 120},
    )
    app.add_tasks_from(blueprint, namespace="xpulse")
    return app
