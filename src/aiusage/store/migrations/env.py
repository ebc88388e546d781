"""Alembic environment: online on a connection handed in by ``aiusage.store.migrate``,
or offline (``sql=True``) to render the DDL of a fresh SQLite database."""

from __future__ import annotations

from alembic import context

from aiusage.store.schema import metadata

if context.is_offline_mode():
    context.configure(
        dialect_name=context.config.attributes.get("dialect", "sqlite"),
        target_metadata=metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
