"""the outbox wakes its relay (NOTIFY at commit)

Revision ID: 0004
Revises: 0003
"""
from alembic import op

from services.common.migrations import add_outbox_wake_trigger, drop_outbox_wake_trigger

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_outbox_wake_trigger(op)


def downgrade() -> None:
    drop_outbox_wake_trigger(op)
