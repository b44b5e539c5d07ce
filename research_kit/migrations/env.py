"""Alembic environment: migrations always run on the connection the store hands over."""

from alembic import context

from research_kit.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds tables
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
