"""Alembic migrations: the only way doctorbook's schema changes."""
