"""Alembic environment: runs on the connection handed over by auth_gateway.migrate."""

from alembic import context

from auth_gateway.migrate import target_metadata

connection = context.config.attributes["connection"]
# render_as_batch: SQLite alters tables by copying them.
context.configure(connection=connection, target_metadata=target_metadata(), render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
