"""The body of every service's Alembic env.py, and DDL that every service's migrations share."""
from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData, create_engine

from .db import OUTBOX_WAKE_CHANNEL
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


def add_outbox_wake_trigger(op) -> None:
    """A statement that writes outbox rows announces them at its commit (NOTIFY is transactional), so the
    relay (services.common.outbox) sleeps on LISTEN instead of polling. One NOTIFY per statement."""
    op.execute(f"""
        CREATE FUNCTION outbox_wake_relay() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_notify('{OUTBOX_WAKE_CHANNEL}', ''); RETURN NULL; END $$;
        CREATE TRIGGER outbox_wake_relay AFTER INSERT ON outbox
            FOR EACH STATEMENT EXECUTE FUNCTION outbox_wake_relay();""")


def drop_outbox_wake_trigger(op) -> None:
    op.execute("DROP TRIGGER outbox_wake_relay ON outbox; DROP FUNCTION outbox_wake_relay();")
