"""The body of every service's Alembic env.py, and DDL that every service's migrations share."""
from __future__ import annotations

from alembic import context
import sqlalchemy as sa
from sqlalchemy import MetaData, create_engine
from sqlalchemy.dialects import postgresql

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


def create_outbox_and_ledger(op) -> None:
    """The outbox (events waiting for the relay) and the processed-events ledger (idempotent consumers), as
    every service's first migration creates them. Frozen: a later change is a new migration."""
    op.create_table('outbox',
        sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column('event_id', sa.String(length=36), nullable=False),
        sa.Column('topic', sa.String(length=200), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('type', sa.String(length=200), nullable=False),
        sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('event_id')
    )
    op.create_index('outbox_unpublished', 'outbox', ['id'], unique=False, postgresql_where=sa.text('published_at IS NULL'))
    op.create_table('processed_events',
        sa.Column('consumer', sa.String(length=100), nullable=False),
        sa.Column('event_id', sa.String(length=100), nullable=False),
        sa.Column('processed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('consumer', 'event_id')
    )


def drop_outbox_and_ledger(op) -> None:
    op.drop_table('processed_events')
    op.drop_index('outbox_unpublished', table_name='outbox', postgresql_where=sa.text('published_at IS NULL'))
    op.drop_table('outbox')
