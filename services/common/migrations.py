"""The body of every service's Alembic env.py: migrate the service's own database."""
from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData, create_engine

from .settings import get


def run_migrations(service: str, metadata: MetaData) -> None:
    url = context.config.get_main_option("sqlalchemy.url") or get(f"ASHYQ_{service.upper()}_DATABASE_URL")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    with create_engine(url).connect() as connection:
        context.configure(connection=connection, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()
