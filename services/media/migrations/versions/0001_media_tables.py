"""media tables

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 04:38:37.727738
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from services.common.migrations import create_outbox_and_ledger, drop_outbox_and_ledger

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('attachments',
    sa.Column('media_id', sa.String(length=36), nullable=False),
    sa.Column('appeal_id', sa.String(length=64), nullable=False),
    sa.Column('institution_id', sa.String(length=64), nullable=False),
    sa.Column('attached_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('media_id', 'appeal_id')
    )
    op.create_table('media',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('upload_path', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=True),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('duration_seconds', sa.Float(), nullable=True),
    sa.Column('original_key', sa.Text(), nullable=True),
    sa.Column('public_key', sa.Text(), nullable=True),
    sa.Column('public_type', sa.String(length=100), nullable=True),
    sa.Column('thumbnail_key', sa.Text(), nullable=True),
    sa.Column('poster_key', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('detected_type', sa.String(length=100), nullable=True),
    sa.Column('declared_kind', sa.String(length=8), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('media_unfinished', 'media', ['state', 'expires_at'], unique=False, postgresql_where=sa.text("state IN ('uploading', 'quarantined')"))
    create_outbox_and_ledger(op)


def downgrade() -> None:
    drop_outbox_and_ledger(op)
    op.drop_index('media_unfinished', table_name='media', postgresql_where=sa.text("state IN ('uploading', 'quarantined')"))
    op.drop_table('media')
    op.drop_table('attachments')
