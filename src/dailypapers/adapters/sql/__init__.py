"""SQL storage on SQLAlchemy 2 Core: one schema and one Store for SQLite and PostgreSQL."""
