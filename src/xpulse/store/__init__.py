"""xpulse's store: schema, migrations and the few queries the rest of xpulse needs."""

from xpulse.store.db import make_engine, open_store, sqlite_url

__all__ = ["make_engine", "open_store", "sqlite_url"]
