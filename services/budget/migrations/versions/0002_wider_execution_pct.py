"""wider execution_pct (an import may execute far above a tiny plan)

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("institution_years", "execution_pct", type_=sa.Numeric(12, 2), existing_nullable=True)


def downgrade() -> None:
    op.alter_column("institution_years", "execution_pct", type_=sa.Numeric(7, 2), existing_nullable=True)
