"""Alembic environment: runs on the connection `rr init` hands over (config.attributes["connection"])."""

from alembic import context

from rr_workflow.adapters.db.tables import whole_metadata

connection = context.config.attributes.get("connection")
if connection is None:  # `alembic` run by hand: use the URL in the config
    from sqlalchemy import create_engine

    engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=whole_metadata(), render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=whole_metadata(), render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
