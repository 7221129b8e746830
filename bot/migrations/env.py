"""Alembic's entry point: runs the migrations on the connection `bot.migrations` hands over.

Always online, on a connection already inside a transaction (the caller holds the lock
and commits), so the whole upgrade is one transaction where the database allows it.
"""

from __future__ import annotations

from alembic import context

from bot.migrations import VERSION_TABLE
from bot.storage import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise SystemExit("credbot's migrations run through `credbot db upgrade` (or at start), "
                     "not the alembic command: they need credbot's connection and lock.")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    version_table_schema=config.attributes.get("schema"),
)
with context.begin_transaction():
    context.run_migrations()
