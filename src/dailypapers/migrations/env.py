"""Alembic environment: migrates the connection handed over by adapters.sql.migrate (batch mode on SQLite)."""

from __future__ import annotations

from alembic import context

from dailypapers.adapters.sql.engine import create_engine
from dailypapers.adapters.sql.schema import metadata

config = context.config
connection = config.attributes.get("connection")


def _run(conn: object) -> None:
    context.configure(
        connection=conn,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds tables instead
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:  # plain `alembic` command line, e.g. `alembic revision --autogenerate`
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///data/dailypapers.db")
    with engine.connect() as conn:
        _run(conn)
