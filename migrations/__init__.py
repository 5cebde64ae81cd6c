"""Alembic environment and the core's migration versions."""
