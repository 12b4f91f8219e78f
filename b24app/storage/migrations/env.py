"""Alembic environment: runs on the connection b24app.storage.migrations hands it (SQLite, PG)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from b24app.storage.schema import metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("run migrations with `b24app migrate`, not the alembic command")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: batch mode copies the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
