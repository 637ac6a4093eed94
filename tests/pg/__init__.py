"""Tests that need PostgreSQL (pgserver): search, many processes, deployment commands."""
