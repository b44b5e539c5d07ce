"""Alembic migrations of the study database (run by :mod:`research_kit.store` on open)."""
