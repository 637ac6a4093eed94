"""Alembic migrations of the hub's schema (run by `dailypapers migrate`)."""
