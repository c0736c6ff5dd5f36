"""Step 5: where figures came from (observation provenance), imported files, profile counts
and competitors (see :mod:`xpulse.store.history`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Column, Integer, String

from xpulse.store.schema import competitors, imports, profile_counts

if TYPE_CHECKING:
    from alembic.operations import Operations


def apply(ops: Operations) -> None:
    bind = ops.get_bind()
    for table in (imports, profile_counts, competitors):
        table.create(bind, checkfirst=True)
    # Every observation stored before this step was an API read.
    ops.add_column(
        "observations",
        Column("provenance", String(16), nullable=False, server_default="api"),
    )
    ops.add_column("observations", Column("import_id", Integer))
