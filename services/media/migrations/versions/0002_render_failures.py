"""render failures

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 04:58:36.754476
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('media', sa.Column('failures', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    op.drop_column('media', 'failures')
